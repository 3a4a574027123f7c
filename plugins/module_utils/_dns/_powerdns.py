# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""PowerDNS Authoritative HTTP API: one GET to read the zone, one PATCH carrying every RRset change."""

from __future__ import annotations

from urllib.parse import quote

from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._errors import (
    DNSConcurrentChangeError,
    DNSInputError,
    DNSProviderError,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._http import HTTPResponseError, JSONClient
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._provider import DNSProvider
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._records import RRSet, canonical_value, is_subdomain
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._txt import TXTError, TXTFormat

# PowerDNS keeps the zone-file text form; values written by other tools may lack the quotes.
TXT_FORMAT = TXTFormat("PowerDNS", handling="encoded", character_encoding="decimal", lenient=True)


def zone_id_of(zone):
    """PowerDNS zone ids are the name with '/' written as '=2F'."""
    return zone.replace("/", "=2F")


def rrsets_from_zone(data):
    """{(name, type): RRSet} of the enabled records of a zone document."""
    result = {}
    for item in data.get("rrsets") or []:
        rtype = item.get("type")
        name = (item.get("name") or "").lower()
        records = [r for r in item.get("records") or [] if not r.get("disabled")]
        if not records:
            continue
        values, chunks = [], {}
        if rtype == "TXT":
            try:
                values, chunks = TXT_FORMAT.decode_values([r.get("content", "") for r in records], name)
            except TXTError as exc:
                raise DNSProviderError(str(exc))
        for record in records if rtype != "TXT" else []:
            content = record.get("content", "")
            if rtype in ("A", "AAAA", "CNAME", "SRV"):
                values.append(canonical_value(rtype, content, "PowerDNS %s %s" % (name, rtype)))
            else:
                values.append(content)
        result[(name, rtype)] = RRSet(name, rtype, item.get("ttl"), values, chunks=chunks, origin=item)
    return result


def content_of(rrset):
    if rrset.rtype == "TXT":
        return [TXT_FORMAT.encode(rrset.layout(v)) for v in rrset.values]
    return list(rrset.values)


class PowerDNSProvider(DNSProvider):
    name = "powerdns"
    txt_format = TXT_FORMAT

    def __init__(self, options, timeout=10, retries=3, warn=None):
        super(PowerDNSProvider, self).__init__(options, timeout=timeout, retries=retries, warn=warn)
        api_url = self.options.get("api_url")
        api_key = self.options.get("api_key")
        if not api_url or not api_key:
            raise DNSInputError("powerdns.api_url and powerdns.api_key are required with provider=powerdns")
        server_id = self.options.get("server_id") or "localhost"
        base = api_url.rstrip("/")
        if not base.endswith("/api/v1"):
            base += "/api/v1"
        self.client = JSONClient(
            base + "/servers/" + quote(server_id, safe=""),
            {"X-API-Key": api_key, "Accept": "application/json"},
            timeout, self.options.get("validate_certs", True), self.policy, self.count, "PowerDNS API",
            "check powerdns.api_key (the server's api-key setting)", ca_path=self.ca_path())
        self.snapshot = None
        self.serial = None

    def find_zone(self, names, zone=None):
        if zone:
            self.zone_id = zone_id_of(zone)
            return zone
        status, data = self.client.request("GET", "/zones")
        known = dict(((z.get("name") or "").lower(), z.get("id")) for z in data or [])
        for candidate in self.candidate_zones(names):
            if candidate in known:
                self.zone_id = known[candidate]
                return candidate
        raise DNSInputError("zone: no PowerDNS zone contains %s; create the zone or set zone" % ", ".join(names))

    def _fetch(self, zone):
        try:
            status, data = self.client.request("GET", "/zones/" + quote(self.zone_id, safe="=."))
        except HTTPResponseError as exc:
            if exc.status in (404, 422):
                raise DNSInputError("zone: PowerDNS has no zone %s (HTTP %d); create it first or fix zone" % (zone, exc.status))
            raise
        self.serial = data.get("serial")
        return rrsets_from_zone(data)

    def read(self, zone, keys):
        if self.snapshot is None:
            self.snapshot = self._fetch(zone)
            for (name, rtype), rrset in self.snapshot.items():
                if rtype == "CNAME":
                    self.cname_conflicts[name] = rrset.values[0]
        return dict((key, self.snapshot.get(key)) for key in keys)

    def apply(self, zone, changes, current, cname_guard=()):
        # The API has no conditional write: re-read and refuse if a managed RRset moved meanwhile.
        fresh = self._fetch(zone)
        moved = []
        for change in changes:
            now = fresh.get(change.key)
            if (now is None) != (change.before is None) or (
                    now is not None and not now.same_as(change.before, compare_layout=True)):
                moved.append("%s %s" % change.key)
        if moved:
            raise DNSConcurrentChangeError(
                "zone %s changed since it was read (%s); nothing was written; re-run the task to converge"
                % (zone, ", ".join(moved)))
        cnames = [t for t in cname_guard if (t, "CNAME") in fresh]
        if cnames:
            raise DNSInputError("the SRV target(s) %s are CNAMEs in zone %s; SRV targets must have A/AAAA records "
                                "(RFC 2782); nothing was written" % (", ".join(cnames), zone))
        rrsets = []
        for change in changes:
            if change.after is None:
                rrsets.append({"name": change.name, "type": change.rtype, "changetype": "DELETE"})
            else:
                rrsets.append({"name": change.name, "type": change.rtype, "ttl": change.after.ttl, "changetype": "REPLACE",
                               "records": [{"content": c, "disabled": False} for c in content_of(change.after)]})
        try:
            self.client.request("PATCH", "/zones/" + quote(self.zone_id, safe="=."), body={"rrsets": rrsets})
        except HTTPResponseError as exc:
            if exc.status == 422:
                raise DNSInputError("PowerDNS refused the change: %s" % (JSONClient.describe(exc.body) or exc.msg))
            raise
        return {"zone_id": self.zone_id, "serial_before": self.serial}

    def default_propagation_servers(self, zone):
        servers = []
        ns = (self.snapshot or {}).get((zone, "NS"))
        if ns is not None:
            for target in ns.values:
                for rtype in ("A", "AAAA"):
                    found = (self.snapshot or {}).get((target.lower(), rtype))
                    if found is not None and is_subdomain(target.lower(), zone):
                        servers.extend((address, 53) for address in found.values)
        return servers or super(PowerDNSProvider, self).default_propagation_servers(zone)
