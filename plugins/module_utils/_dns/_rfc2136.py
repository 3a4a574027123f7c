# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""RFC 2136 dynamic updates (BIND, PowerDNS, Knot, ...) with dnspython.

Reads: one query per RRset to the primary, all sent concurrently (TSIG-signed when a key is given).
Write: ONE UPDATE message. Its prerequisite section asserts exactly the state that was read
(RFC 2136 section 2.4: "RRset exists (value dependent)" for RRsets that existed, "RRset does not
exist" for those that did not, and "no CNAME" at in-zone SRV targets), so a concurrent edit between
read and write makes the server refuse the whole message and nothing is half-applied.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.fedops.rocketchat.plugins.module_utils._dns import _dnsmsg
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._errors import (
    DNSAuthError,
    DNSConcurrentChangeError,
    DNSInputError,
    DNSProviderError,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._provider import DNSProvider

PREREQUISITE_FAILURES = ("YXDOMAIN", "NXDOMAIN", "YXRRSET", "NXRRSET")


class RFC2136Provider(DNSProvider):
    name = "rfc2136"
    txt_format = _dnsmsg.TXT_FORMAT
    atomic_cname_check = True

    def __init__(self, options, timeout=10, retries=3, warn=None):
        super(RFC2136Provider, self).__init__(options, timeout=timeout, retries=retries, warn=warn)
        self._lock = threading.Lock()
        server = self.options.get("server")
        if not server:
            raise DNSInputError("rfc2136.server is required with provider=rfc2136 (the zone's primary server)")
        self.server = server
        self.address = _dnsmsg.resolve_address(server, "rfc2136.server")
        self.port = self.options.get("port") or 53
        self.protocol = self.options.get("protocol") or "auto"
        key_name = self.options.get("key_name")
        key_secret = self.options.get("key_secret")
        self.keyring = self.keyname = self.keyalgorithm = None
        if key_name or key_secret:
            if not (key_name and key_secret):
                raise DNSInputError("rfc2136.key_name and rfc2136.key_secret go together; give both")
            self.keyring, self.keyname, self.keyalgorithm = _dnsmsg.make_keyring(
                key_name, key_secret, self.options.get("key_algorithm") or "hmac-sha256")
        elif not self.options.get("allow_unsigned"):
            raise DNSInputError(
                "rfc2136.key_name and rfc2136.key_secret are required: updates are TSIG-signed. "
                "Only if the server accepts unsigned updates on purpose, set rfc2136.allow_unsigned=true")
        self.sign_queries = self.keyring is not None and self.options.get("sign_queries", True) is not False
        self.read_method = self.options.get("read_method") or "query"
        self.snapshot = None

    def _query(self, name, rtype):
        self.count("query")
        if self.sign_queries:
            return _dnsmsg.query(name, rtype, self.address, self.port, self.timeout, self.policy,
                                 keyring=self.keyring, keyname=self.keyname, keyalgorithm=self.keyalgorithm)
        return _dnsmsg.query(name, rtype, self.address, self.port, self.timeout, self.policy)

    def _where(self):
        return "%s port %s" % (self.server, self.port)

    def find_zone(self, names, zone=None):
        if zone:
            self.zone_id = zone
            return zone
        # One SOA query: an authoritative server answers with the zone's SOA in the answer (apex)
        # or the authority section (any other name in the zone, existing or not).
        response = self._query(names[0], "SOA")
        rcode = _dnsmsg.rcode_text(response)
        if rcode not in ("NOERROR", "NXDOMAIN"):
            raise DNSProviderError(
                "%s answered %s to the SOA query for %s: it does not serve that name; set zone, "
                "or point rfc2136.server at the primary of the zone" % (self._where(), rcode, names[0]))
        for rrset in list(response.answer) + list(response.authority):
            if rrset.rdtype == _dnsmsg.dns.rdatatype.SOA:
                self.zone_id = rrset.name.to_text().lower()
                return self.zone_id
        raise DNSProviderError("%s gave no SOA for %s; set zone explicitly" % (self._where(), names[0]))

    def _read_one(self, key):
        name, rtype = key
        response = self._query(name, rtype)
        rcode = _dnsmsg.rcode_text(response)
        if rcode == "NXDOMAIN":
            return None
        if rcode != "NOERROR":
            hint = " (is the zone served there? does allow-query permit this client?)" if rcode in ("REFUSED", "NOTAUTH") else ""
            raise DNSProviderError("%s answered %s to the query %s %s%s" % (self._where(), rcode, name, rtype, hint))
        if not response.flags & _dnsmsg.dns.flags.AA:
            raise DNSProviderError(
                "%s is not authoritative for %s (answer without the AA flag); rfc2136.server must be the zone's primary"
                % (self._where(), name))
        rdataset, cname = _dnsmsg.answer_rdataset(response, name, rtype)
        if cname and rtype != "CNAME":
            with self._lock:
                self.cname_conflicts[name] = cname
        return _dnsmsg.rrset_from_answer(name, rtype, rdataset)

    def read(self, zone, keys):
        keys = list(keys)
        if not keys:
            return {}
        if self.read_method == "axfr":
            if self.snapshot is None:
                sign = dict(keyring=self.keyring, keyname=self.keyname, keyalgorithm=self.keyalgorithm) if self.sign_queries else {}
                self.snapshot = _dnsmsg.zone_transfer(zone, self.address, self.port, self.timeout, self.policy,
                                                      counter=self.count, **sign)
                for (name, rtype), rrset in self.snapshot.items():
                    if rtype == "CNAME":
                        self.cname_conflicts[name] = rrset.values[0]
            return dict((key, self.snapshot.get(key)) for key in keys)
        with ThreadPoolExecutor(max_workers=min(16, len(keys))) as pool:
            futures = [(key, pool.submit(self._read_one, key)) for key in keys]
            return dict((key, future.result()) for key, future in futures)

    def build_update(self, zone, changes, cname_guard=()):
        """The UPDATE message for `changes`, with prerequisites pinning the state that was read."""
        dns = _dnsmsg.dns
        update = dns.update.UpdateMessage(zone, keyring=self.keyring, keyname=self.keyname,
                                          keyalgorithm=self.keyalgorithm)
        for change in changes:
            name = dns.name.from_text(change.name)
            rdtype = dns.rdatatype.from_text(change.rtype)
            if change.before is None:
                update.absent(name, rdtype)
            else:
                update.present(name, *_dnsmsg.rdatas_for(change.before))
            update.delete(name, rdtype)
            if change.after is not None:
                update.add(name, change.after.ttl, *_dnsmsg.rdatas_for(change.after))
        for target in cname_guard:
            update.absent(dns.name.from_text(target), dns.rdatatype.CNAME)
        return update

    def apply(self, zone, changes, current, cname_guard=()):
        update = self.build_update(zone, changes, cname_guard)
        attempts = []

        def counter(kind):
            attempts.append(kind)
            self.count("update")

        response = _dnsmsg.send(update, self.address, self.port, self.timeout, self.policy,
                                protocol=self.protocol, counter=counter)
        rcode = _dnsmsg.rcode_text(response)
        ids = {"server": self.address, "port": self.port, "zone": zone, "message_id": update.id,
               "transport": attempts[-1] if attempts else None}
        if rcode == "NOERROR":
            return ids
        if rcode in PREREQUISITE_FAILURES:
            return self._prerequisite_failed(zone, changes, cname_guard, rcode, ids, retried=len(attempts) > 1)
        if rcode == "REFUSED":
            raise DNSAuthError(
                "%s refused the UPDATE for zone %s: %s" % (
                    self._where(), zone,
                    "the key %s may not update this zone (check allow-update/update-policy)" % self.keyname.to_text()
                    if self.keyring else "unsigned updates are not allowed; give rfc2136.key_name/key_secret"))
        if rcode == "NOTAUTH":
            raise DNSAuthError(
                "%s answered NOTAUTH to the UPDATE: it is not authoritative for zone %s or rejected the TSIG key; "
                "check zone, rfc2136.server and the key" % (self._where(), zone))
        if rcode == "NOTZONE":
            raise DNSInputError("%s answered NOTZONE: a record is outside zone %s; check zone" % (self._where(), zone))
        raise DNSProviderError("%s answered %s to the UPDATE for zone %s; nothing was applied" % (self._where(), rcode, zone))

    def _prerequisite_failed(self, zone, changes, cname_guard, rcode, ids, retried):
        keys = [(c.name, c.rtype) for c in changes] + [(t, "CNAME") for t in cname_guard]
        self.snapshot = None  # read afresh
        now = self.read(zone, keys)
        if retried and all(
                (c.after is None and now.get((c.name, c.rtype)) is None)
                or (c.after is not None and c.after.same_as(now.get((c.name, c.rtype)), compare_layout=True))
                for c in changes):
            # The first attempt was applied but its answer got lost; the retry's prerequisites then
            # (correctly) failed. The zone holds what we wanted.
            ids["note"] = "applied by an earlier attempt whose answer was lost"
            return ids
        cnames = [t for t in cname_guard if now.get((t, "CNAME")) is not None]
        if cnames:
            raise DNSInputError(
                "the SRV target(s) %s are CNAMEs in zone %s; SRV targets must have A/AAAA records "
                "(RFC 2782, Matrix federation refuses it); point the SRV at the canonical host name. Nothing was changed."
                % (", ".join(cnames), zone))
        moved = []
        for change in changes:
            after_read = now.get((change.name, change.rtype))
            before = change.before
            if (before is None) != (after_read is None) or (before is not None and before.values != after_read.values):
                moved.append("%s %s" % (change.name, change.rtype))
        raise DNSConcurrentChangeError(
            "zone %s changed between the read and the write (%s; server answered %s to the UPDATE's "
            "prerequisites); the UPDATE is atomic so nothing was applied; re-run the task to converge"
            % (zone, ", ".join(moved) or "records changed", rcode))

    def default_propagation_servers(self, zone):
        dns = _dnsmsg.dns
        response = self._query(zone, "NS")
        servers = []
        for rrset in response.answer:
            if rrset.rdtype != dns.rdatatype.NS:
                continue
            for rdata in rrset:
                host = rdata.target.to_text()
                addresses = [r.address for a in response.additional if a.name == rdata.target for r in a
                             if a.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA)]
                if not addresses:
                    try:
                        addresses = [_dnsmsg.resolve_address(host, "propagation_servers")]
                    except DNSInputError:
                        self.warn("cannot resolve the name server %s; not polled" % host)
                for address in addresses:
                    servers.append((address, 53))
        return servers or [(self.address, self.port)]
