# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Cloudflare v4 API: zone lookup by name, records listed per name and type (concurrently), then the
fewest create/update/delete calls that make each RRset right.

Cloudflare stores one record per value and quotes TXT content (splitting strings over 255 bytes), so
TXT content is decoded before comparing: the quoting it adds is not a change.
"""

from __future__ import annotations

from urllib.parse import quote

from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._errors import (
    DNSConcurrentChangeError,
    DNSInputError,
    DNSProviderError,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._http import HTTPResponseError, JSONClient
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._provider import DNSProvider
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._records import RRSet, canonical_value, split_srv
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._txt import TXTError, TXTFormat

# Cloudflare quotes TXT content itself (and accepts UTF-8 text); content created unquoted comes back as it was given.
TXT_FORMAT = TXTFormat("Cloudflare", handling="encoded", character_encoding="decimal", lenient=True,
                       escape_non_ascii=False)

PER_PAGE = 100
MAX_PAGES = 50


def _absolute(name):
    return name.rstrip(".").lower() + "."


def record_value(record):
    """(canonical value, chunks or None) of one Cloudflare record."""
    rtype = record.get("type")
    where = "Cloudflare record %s" % record.get("id")
    if rtype == "SRV":
        data = record.get("data") or {}
        if data:
            return canonical_value("SRV", "%s %s %s %s" % (data.get("priority"), data.get("weight"), data.get("port"),
                                                           _absolute(data.get("target") or ".")), where), None
        weight, port, target = (record.get("content") or "").split()
        return canonical_value("SRV", "%s %s %s %s" % (record.get("priority"), weight, port, _absolute(target)), where), None
    if rtype == "TXT":
        try:
            values, chunks = TXT_FORMAT.decode_values([record.get("content") or ""], "record %s" % record.get("id"))
        except TXTError as exc:
            raise DNSProviderError(str(exc))
        return values[0], chunks[values[0]]
    if rtype == "CNAME":
        return canonical_value("CNAME", _absolute(record.get("content") or ""), where), None
    return canonical_value(rtype, record.get("content"), where), None


def record_body(name, rtype, ttl, value, layout):
    body = {"type": rtype, "name": name.rstrip("."), "ttl": ttl}
    if rtype == "SRV":
        priority, weight, port, target = split_srv(value)
        body["data"] = {"priority": priority, "weight": weight, "port": port, "target": target.rstrip(".") or "."}
    elif rtype == "TXT":
        body["content"] = TXT_FORMAT.encode(layout)
    elif rtype == "CNAME":
        body["content"] = value.rstrip(".")
    else:
        body["content"] = value
    return body


class CloudflareProvider(DNSProvider):
    name = "cloudflare"
    txt_format = TXT_FORMAT

    def __init__(self, options, timeout=10, retries=3, warn=None):
        super(CloudflareProvider, self).__init__(options, timeout=timeout, retries=retries, warn=warn)
        token = self.options.get("api_token")
        if not token:
            raise DNSInputError("cloudflare.api_token is required with provider=cloudflare")
        self.client = JSONClient(
            self.options.get("api_url") or "https://api.cloudflare.com/client/v4",
            {"Authorization": "Bearer " + token, "Accept": "application/json"},
            timeout, self.options.get("validate_certs", True), self.policy, self.count, "Cloudflare API",
            "check cloudflare.api_token and that it has Zone.DNS edit permission on the zone",
            ca_path=self.ca_path())
        self.zone_id = self.options.get("zone_id")

    def _call(self, method, path, query=None, body=None):
        status, data = self.client.request(method, path, query=query, body=body)
        if not isinstance(data, dict) or not data.get("success", False):
            raise DNSProviderError("Cloudflare API %s %s failed: %s" % (method, path, JSONClient.describe(data) or data))
        return data

    def find_zone(self, names, zone=None):
        if self.zone_id:
            found = _absolute(self._call("GET", "/zones/" + quote(self.zone_id, safe=""))["result"]["name"])
            if zone and zone != found:
                raise DNSInputError("zone: cloudflare.zone_id %s is zone %s, not %s" % (self.zone_id, found, zone))
            return found
        for candidate in ([zone] if zone else self.candidate_zones(names)):
            result = self._call("GET", "/zones", query={"name": candidate.rstrip(".")})["result"]
            if result:
                self.zone_id = result[0]["id"]
                return candidate
        raise DNSInputError("zone: the Cloudflare token sees no zone %s; check the zone name and the token's zone access"
                            % (zone or " or ".join(self.candidate_zones(names))))

    def _list(self, name, rtype):
        records = []
        page = 1
        while True:
            data = self._call("GET", "/zones/%s/dns_records" % quote(self.zone_id, safe=""),
                              query={"name": name.rstrip("."), "type": rtype, "per_page": PER_PAGE, "page": page})
            records.extend(data.get("result") or [])
            info = data.get("result_info") or {}
            if page >= (info.get("total_pages") or 1) or page >= MAX_PAGES:
                return records
            page += 1

    def _read_one(self, key):
        name, rtype = key
        records = [r for r in self._list(name, rtype) if _absolute(r.get("name", "")) == name and r.get("type") == rtype]
        if not records:
            return None
        values, chunks, entries = [], {}, []
        for record in records:
            value, layout = record_value(record)
            values.append(value)
            if layout is not None:
                chunks[value] = layout
            entries.append((record["id"], value, record.get("ttl")))
        ttls = set(r.get("ttl") for r in records)
        ttl = ttls.pop() if len(ttls) == 1 else -1  # mixed TTLs: never equal, so they get unified
        return RRSet(name, rtype, ttl, values, chunks=chunks, origin=entries)

    def apply(self, zone, changes, current, cname_guard=()):
        deletes, updates, creates = [], [], []
        for change in changes:
            entries = list(change.before.origin or []) if change.before is not None else []
            after = change.after
            wanted = list(after.values) if after is not None else []
            leftovers = []
            for entry in entries:
                rid, value, ttl = entry
                if value in wanted:
                    wanted.remove(value)
                    same_layout = change.before.layout(value) == after.layout(value) if after.rtype == "TXT" else True
                    if ttl != after.ttl or not same_layout:
                        updates.append((rid, record_body(after.name, after.rtype, after.ttl, value, after.layout(value))))
                else:
                    leftovers.append(entry)
            for value in wanted:
                body = record_body(after.name, after.rtype, after.ttl, value, after.layout(value))
                if leftovers:
                    updates.append((leftovers.pop(0)[0], body))
                else:
                    creates.append(body)
            deletes.extend(entry[0] for entry in leftovers)
        zpath = "/zones/%s/dns_records" % quote(self.zone_id, safe="")
        done = {"zone_id": self.zone_id, "deleted": [], "updated": [], "created": []}
        try:
            for rid in deletes:
                self._call("DELETE", zpath + "/" + quote(rid, safe=""))
                done["deleted"].append(rid)
            for rid, body in updates:
                self._call("PUT", zpath + "/" + quote(rid, safe=""), body=body)
                done["updated"].append(rid)
            for body in creates:
                done["created"].append(self._call("POST", zpath, body=body)["result"]["id"])
        except HTTPResponseError as exc:
            partial = " Applied before the failure: %s." % done if any(done[k] for k in ("deleted", "updated", "created")) else ""
            if exc.status == 404:
                raise DNSConcurrentChangeError(
                    "a Cloudflare record of zone %s disappeared since it was read (%s); re-run the task to converge.%s"
                    % (zone, exc.msg, partial))
            raise DNSProviderError(exc.msg + "." + partial)
        return done
