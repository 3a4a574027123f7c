# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""`wait_for_propagation`: poll authoritative servers until they serve the planned records."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.fedops.rocketchat.plugins.module_utils._dns import _dnsmsg
from ansible_collections.fedops.rocketchat.plugins.module_utils._retry import RetryPolicy
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._errors import (
    DNSError,
    DNSInputError,
    DNSTimeoutError,
)


def parse_servers(servers, option="propagation_servers"):
    """[(address, port)] from "host", "host:port", "[v6]:port" or a bare IPv6 address."""
    result = []
    for entry in servers:
        text = str(entry).strip()
        host, port = text, 53
        if text.startswith("["):
            host, sep, rest = text[1:].partition("]")
            if not sep:
                raise DNSInputError("%s: %r has no closing ']'" % (option, entry))
            if rest:
                if not rest.startswith(":"):
                    raise DNSInputError("%s: %r: use [address]:port" % (option, entry))
                port = rest[1:]
        elif text.count(":") == 1:
            host, port = text.split(":")
        try:
            port = int(port)
        except ValueError:
            raise DNSInputError("%s: %r: the port is not a number" % (option, entry))
        if not 1 <= port <= 65535:
            raise DNSInputError("%s: %r: port %d is out of range 1-65535" % (option, entry, port))
        result.append((_dnsmsg.resolve_address(host, option), port))
    if not result:
        raise DNSInputError("%s: give at least one server" % option)
    return result


def system_nameservers(zone, timeout):
    """Addresses (port 53) of the zone's NS as the system resolver sees them."""
    dns = _dnsmsg.dns
    resolver = dns.resolver.Resolver()
    resolver.lifetime = timeout
    try:
        answer = resolver.resolve(zone, "NS")
    except dns.exception.DNSException as exc:
        raise DNSError("cannot find the name servers of %s through the system resolver (%s); set propagation_servers" % (zone, exc))
    servers = []
    for rdata in answer:
        for rtype in ("A", "AAAA"):
            try:
                servers.extend((r.address, 53) for r in resolver.resolve(rdata.target, rtype))
            except dns.exception.DNSException:
                continue
    if not servers:
        raise DNSError("no address found for the name servers of %s; set propagation_servers" % zone)
    return servers


def _matches(response, key, expected):
    name, rtype = key
    rcode = _dnsmsg.rcode_text(response)
    if rcode not in ("NOERROR", "NXDOMAIN"):
        return False
    rdataset, dummy = _dnsmsg.answer_rdataset(response, name, rtype)
    seen = _dnsmsg.rrset_from_answer(name, rtype, rdataset)
    if expected is None:
        return seen is None
    return seen is not None and seen.values == expected.values


def wait_for(expected, servers, timeout=120, query_timeout=5, sleep=time.sleep, clock=time.monotonic):
    """Poll every (server, key) until each answer matches `expected` ({key: RRSet or None}).

    Pending checks are re-sent concurrently with a growing pause (0.2 s doubling up to 2 s);
    raises DNSTimeoutError listing what is still missing when `timeout` seconds have passed.
    """
    started = clock()
    deadline = started + timeout
    pending = [(server, key) for server in servers for key in sorted(expected)]
    once = RetryPolicy(retries=0)
    pause = 0.2
    rounds = 0
    last_error = {}
    while pending:
        rounds += 1

        def check(item):
            (address, port), key = item
            try:
                response = _dnsmsg.query(key[0], key[1], address, port, query_timeout, once)
            except DNSError as exc:
                last_error[item] = exc.msg
                return False
            return _matches(response, key, expected[key])

        with ThreadPoolExecutor(max_workers=min(16, len(pending))) as pool:
            verdicts = list(pool.map(check, pending))
        pending = [item for item, ok in zip(pending, verdicts) if not ok]
        if not pending:
            break
        if clock() + pause > deadline:
            raise DNSTimeoutError(
                "records not visible after %ss on: %s; the change itself was applied. Raise "
                "propagation_timeout or check the secondaries' zone transfers" % (
                    timeout, "; ".join("%s %s @%s:%s%s" % (k[0], k[1], s[0], s[1],
                                                           " (%s)" % last_error[(s, k)] if (s, k) in last_error else "")
                                       for s, k in pending)))
        sleep(pause)
        pause = min(pause * 2, 2.0)
    return {"servers": ["%s:%s" % s for s in servers], "rounds": rounds, "seconds": round(clock() - started, 3)}
