# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""A DNS stub resolver for the checks: :class:`DnsClient` (dnspython) with configurable nameservers (``ip[:port]``)
and memoised concurrent queries; each answer is a :class:`DnsAnswer` that reports failures as data.
"""

from __future__ import annotations

import threading

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._servername import parse_address

from ansible_collections.fedops.rocketchat.plugins.module_utils._dnspython import DNSPYTHON_IMPORT_ERROR, HAS_DNSPYTHON, dns  # noqa: F401  pylint: disable=unused-import


class SrvRecord(object):
    def __init__(self, priority, weight, port, target):
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target.rstrip(".")

    def as_dict(self):
        return {"priority": self.priority, "weight": self.weight, "port": self.port, "target": self.target}

    def __repr__(self):
        return "SrvRecord(%d %d %d %s)" % (self.priority, self.weight, self.port, self.target)


class DnsAnswer(object):
    """The outcome of one lookup.

    ``status`` is ``ok`` (records present), ``nodata`` (name exists, no records of that type), ``nxdomain`` or
    ``error`` (timeout, SERVFAIL, REFUSED ...; ``error`` holds the text). ``records`` holds strings for A/AAAA/
    CNAME, :class:`SrvRecord` for SRV, and lists of byte strings (the character-strings) for TXT, in the order
    the server sent them. ``canonical_name`` differs from ``name`` when a CNAME chain was followed.
    """

    def __init__(self, name, rdtype, status, records=None, canonical_name=None, error=None):
        self.name = name.rstrip(".")
        self.rdtype = rdtype
        self.status = status
        self.records = records or []
        self.canonical_name = (canonical_name or name).rstrip(".")
        self.error = error

    @property
    def ok(self):
        return self.status == "ok"

    @property
    def missing(self):
        return self.status in ("nodata", "nxdomain")

    @property
    def is_cname(self):
        return self.canonical_name.lower() != self.name.lower()

    def describe(self):
        if self.status == "ok":
            return "%s %s: %s" % (self.name, self.rdtype, ", ".join(record_text(r) for r in self.records))
        if self.status == "error":
            return "%s %s: lookup failed (%s)" % (self.name, self.rdtype, self.error)
        return "%s %s: %s" % (self.name, self.rdtype, "no such name" if self.status == "nxdomain" else "no records")

    def as_dict(self):
        return {"name": self.name, "type": self.rdtype, "status": self.status,
                "records": [_record_json(r) for r in self.records],
                "canonical_name": self.canonical_name, "error": self.error}


def record_text(record):
    if isinstance(record, SrvRecord):
        return "%d %d %d %s" % (record.priority, record.weight, record.port, record.target)
    if isinstance(record, list):
        return " ".join('"%s"' % s.decode("utf-8", "replace") for s in record)
    return str(record)


def _record_json(record):
    if isinstance(record, SrvRecord):
        return record.as_dict()
    if isinstance(record, list):
        return [s.decode("utf-8", "replace") for s in record]
    return record


def order_srv(records):
    """RFC 2782 order without randomness: lowest priority first, then heaviest weight, then target name."""
    return sorted(records, key=lambda r: (r.priority, -r.weight, r.target, r.port))


class DnsClient(object):
    """dnspython stub resolver with per-(name, type) memoisation, safe to share between threads.

    ``nameservers`` is a list of ``ip[:port]`` strings; None uses ``/etc/resolv.conf``. ``queries`` counts the
    lookups actually sent (one per name and type).
    """

    def __init__(self, nameservers=None, timeout=5.0, attempts=2):
        if not HAS_DNSPYTHON:
            raise RuntimeError("the Python library 'dnspython' is required for DNS lookups")
        if nameservers:
            resolver = dns.resolver.Resolver(configure=False)
            resolver.nameservers = [dns.nameserver.Do53Nameserver(ip, port)
                                    for ip, port in (parse_address(n, 53, "nameserver") for n in nameservers)]
        else:
            resolver = dns.resolver.Resolver()
        resolver.lifetime = timeout
        resolver.timeout = max(timeout / max(attempts, 1), 0.5)
        resolver.cache = None
        self._resolver = resolver
        self._lock = threading.Lock()
        self._cache = {}
        self.queries = 0

    def query(self, name, rdtype):
        key = (name.rstrip(".").lower(), rdtype)
        with self._lock:
            event = self._cache.get(key)
            owner = event is None
            if owner:
                event = self._cache[key] = [threading.Event(), None]
                self.queries += 1
        if owner:
            try:
                event[1] = self._query(name, rdtype)
            finally:
                event[0].set()
        else:
            event[0].wait()
        return event[1]

    def _query(self, name, rdtype):
        qname = name.rstrip(".") + "."
        try:
            answer = self._resolver.resolve(qname, rdtype, raise_on_no_answer=False, search=False)
        except dns.resolver.NXDOMAIN:
            return DnsAnswer(name, rdtype, "nxdomain")
        except dns.resolver.NoNameservers as exc:
            return DnsAnswer(name, rdtype, "error", error="no server answered: %s" % short_error(exc))
        except dns.exception.Timeout:
            return DnsAnswer(name, rdtype, "error", error="timed out")
        except dns.exception.DNSException as exc:
            return DnsAnswer(name, rdtype, "error", error=short_error(exc))
        canonical = answer.canonical_name.to_text()
        if answer.rrset is None:
            return DnsAnswer(name, rdtype, "nodata", canonical_name=canonical)
        records = []
        for rdata in answer.rrset:
            if rdtype == "SRV":
                records.append(SrvRecord(rdata.priority, rdata.weight, rdata.port, rdata.target.to_text()))
            elif rdtype == "TXT":
                records.append([bytes(s) for s in rdata.strings])
            elif rdtype == "CNAME":
                records.append(rdata.target.to_text().rstrip("."))
            else:
                records.append(rdata.to_text())
        return DnsAnswer(name, rdtype, "ok", records, canonical)


def short_error(exc, limit=300):
    text = str(exc) or type(exc).__name__
    return text if len(text) <= limit else text[:limit] + "..."
