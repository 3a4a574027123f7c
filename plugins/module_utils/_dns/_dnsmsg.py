# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""dnspython helpers shared by the RFC 2136 provider and the propagation waiter.

dnspython is imported guarded; `HAS_DNSPYTHON` and `DNSPYTHON_IMPORT_ERROR` let the module fail
with missing_required_lib.
"""

from __future__ import annotations

import base64
import socket

from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._errors import (
    DNSAuthError,
    DNSInputError,
    DNSNetworkError,
    DNSProviderError,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._records import RRSet, canonical_value
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._txt import TXTFormat

# DNS messages carry the character-strings themselves (dnspython's rdata.strings).
TXT_FORMAT = TXTFormat("the DNS server", handling="strings")

from ansible_collections.fedops.rocketchat.plugins.module_utils._dnspython import DNSPYTHON_IMPORT_ERROR, HAS_DNSPYTHON, dns  # noqa: F401  pylint: disable=unused-import

TSIG_ALGORITHMS = ("hmac-sha256", "hmac-sha384", "hmac-sha512", "hmac-sha224", "hmac-sha1", "hmac-md5")

# Payload we advertise with EDNS on queries: large enough for a 2048-bit key TXT, small enough
# to avoid IP fragmentation problems (DNS flag day 2020).
EDNS_PAYLOAD = 1232


def make_keyring(key_name, key_secret, key_algorithm, option="rfc2136"):
    """(keyring, keyname, algorithm) for dnspython, or a DNSInputError naming the option."""
    if key_algorithm not in TSIG_ALGORITHMS:
        raise DNSInputError("%s.key_algorithm: use one of %s" % (option, ", ".join(TSIG_ALGORITHMS)))
    try:
        name = dns.name.from_text(key_name)
    except dns.exception.DNSException as exc:
        raise DNSInputError("%s.key_name: %r is not a valid TSIG key name (%s)" % (option, key_name, exc))
    algorithm = dns.name.from_text(key_algorithm if key_algorithm != "hmac-md5" else "hmac-md5.sig-alg.reg.int")
    try:
        if not base64.b64decode(key_secret.encode("ascii"), validate=True):
            raise ValueError("empty secret")
        keyring = dns.tsigkeyring.from_text({key_name: (algorithm.to_text(), key_secret)})
    except Exception:  # pylint: disable=broad-except
        # the secret is never echoed back
        raise DNSInputError("%s.key_secret: not a valid base64 TSIG secret" % option)
    return keyring, name, algorithm


def resolve_address(host, option):
    """IP address for `host` (an address or a host name resolved by the system)."""
    try:
        infos = socket.getaddrinfo(host, None, 0, socket.SOCK_DGRAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise DNSInputError("%s: cannot resolve %r (%s); give an IP address" % (option, host, exc))
    return infos[0][4][0]


def rrset_from_answer(name, rtype, rdataset):
    """Canonical RRSet from a dnspython rdataset (None when empty)."""
    if rdataset is None or len(rdataset) == 0:
        return None
    if rtype == "TXT":
        values, chunks = TXT_FORMAT.decode_values([rdata.strings for rdata in rdataset], name)
        return RRSet(name, rtype, rdataset.ttl, values, chunks=chunks, origin=rdataset)
    values = []
    for rdata in rdataset:
        if rtype == "SRV":
            values.append("%d %d %d %s" % (rdata.priority, rdata.weight, rdata.port, rdata.target.to_text().lower()))
        elif rtype in ("CNAME", "NS"):
            values.append(rdata.target.to_text().lower())
        elif rtype in ("A", "AAAA"):
            values.append(canonical_value(rtype, rdata.to_text()))
        else:
            values.append(rdata.to_text())
    return RRSet(name, rtype, rdataset.ttl, values, origin=rdataset)


def rdatas_for(rrset):
    """dnspython rdata objects for every value of a canonical RRSet."""
    rdtype = dns.rdatatype.from_text(rrset.rtype)
    result = []
    for value in rrset.values:
        if rrset.rtype == "TXT":
            result.append(dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, rdtype, TXT_FORMAT.encode(rrset.layout(value))))
        else:
            result.append(dns.rdata.from_text(dns.rdataclass.IN, rdtype, value))
    return result


def is_network_error(exc):
    return isinstance(exc, (dns.exception.Timeout, OSError, EOFError, ConnectionError)) and not isinstance(exc, socket.gaierror)


def describe_network_error(exc):
    if isinstance(exc, dns.exception.Timeout):
        return "no answer (timeout)"
    return "%s: %s" % (type(exc).__name__, exc)


def tsig_error(exc, where):
    """Translate dnspython's TSIG failures into a DNSAuthError with a fix."""
    kind = type(exc).__name__
    reason = {
        "PeerBadKey": "the server does not know this key name",
        "PeerBadSignature": "the server rejected the signature (wrong secret or algorithm)",
        "PeerBadTime": "the server rejected the signing time (clock skew between here and the server)",
        "PeerBadTruncation": "the server rejected the truncated MAC",
        "BadSignature": "the answer's signature does not verify with this key (wrong secret?)",
        "BadTime": "the answer's signing time is outside the allowed fudge (clock skew)",
    }.get(kind, "%s: %s" % (kind, exc))
    return DNSAuthError(
        "TSIG authentication failed at %s: %s; check rfc2136.key_name, rfc2136.key_secret and "
        "rfc2136.key_algorithm against the server's key" % (where, reason))


def is_tsig_exception(exc):
    return isinstance(exc, (dns.tsig.PeerError, dns.tsig.BadSignature, dns.tsig.BadTime, dns.tsig.BadAlgorithm))


def send(message, where, port, timeout, policy, protocol="auto", counter=None):
    """Send `message` to `where`:`port` with bounded retries; return the response.

    `protocol`: `udp` (TCP only if the answer is truncated), `tcp`, or `auto` (UDP when the request
    fits 512 bytes, else TCP; truncated UDP answers are retried over TCP).
    """
    def once():
        use_tcp = protocol == "tcp"
        if protocol == "auto" and not use_tcp:
            use_tcp = len(message.to_wire()) > 512
        if use_tcp:
            if counter:
                counter("tcp")
            return dns.query.tcp(message, where, timeout=timeout, port=port)
        if counter:
            counter("udp")
        response = dns.query.udp(message, where, timeout=timeout, port=port, ignore_unexpected=True)
        if response.flags & dns.flags.TC:
            if counter:
                counter("tcp")
            response = dns.query.tcp(message, where, timeout=timeout, port=port)
        return response

    return call(once, where, port, timeout, policy, "TCP and UDP" if protocol == "auto" else protocol.upper())


def call(func, where, port, timeout, policy, transport="TCP and UDP"):
    """Run one DNS exchange `func()` with bounded retries on network errors; translate failures."""
    try:
        return policy.call(func, is_network_error)
    except dns.exception.DNSException as exc:
        if is_tsig_exception(exc):
            raise tsig_error(exc, "%s port %s" % (where, port))
        if isinstance(exc, dns.exception.FormError) and "requires a TSIG" in str(exc):
            # PowerDNS, for one, answers a request it cannot authenticate without any signature.
            raise DNSAuthError(
                "TSIG authentication failed at %s port %s: the server answered without a signature, so it did not "
                "accept the key; check rfc2136.key_name, rfc2136.key_secret and rfc2136.key_algorithm against the "
                "server's key" % (where, port))
        if isinstance(exc, dns.exception.Timeout):
            raise DNSNetworkError(
                "DNS server %s port %s did not answer after %d attempt(s) of %ss each; check the "
                "server address and port, firewalls, and that it listens on %s"
                % (where, port, getattr(exc, "attempts", 1), timeout, transport))
        raise DNSProviderError("DNS exchange with %s port %s failed: %s" % (where, port, exc))
    except (OSError, EOFError) as exc:
        raise DNSNetworkError(
            "DNS server %s port %s is unreachable after %d attempt(s): %s"
            % (where, port, getattr(exc, "attempts", 1), describe_network_error(exc)))


def query(name, rtype, where, port, timeout, policy, keyring=None, keyname=None, keyalgorithm=None, counter=None):
    """A non-recursive query with EDNS, optionally TSIG-signed."""
    msg = dns.message.make_query(name, rtype, use_edns=0, payload=EDNS_PAYLOAD)
    msg.flags &= ~dns.flags.RD
    if keyring is not None:
        msg.use_tsig(keyring, keyname=keyname, algorithm=keyalgorithm)
    return send(msg, where, port, timeout, policy, protocol="udp", counter=counter)


def zone_transfer(zone, where, port, timeout, policy, keyring=None, keyname=None, keyalgorithm=None, counter=None):
    """{(name, type): RRSet} of a whole zone read with one AXFR (over TCP), SOA left out."""
    def once():
        if counter:
            counter("query")
        kwargs = dict(port=port, timeout=timeout, lifetime=timeout * 3, relativize=False)
        if keyring is not None:
            kwargs.update(keyring=keyring, keyname=keyname, keyalgorithm=keyalgorithm)
        return list(dns.query.xfr(where, zone, **kwargs))

    try:
        messages = call(once, where, port, timeout, policy, "TCP")
    except DNSProviderError as exc:
        if "REFUSED" in exc.msg or "NOTAUTH" in exc.msg:
            raise DNSProviderError(
                "%s port %s refused the zone transfer of %s; allow it for the key (BIND: allow-transfer { key "
                "<name>; };) or use rfc2136.read_method=query" % (where, port, zone))
        raise
    rdatasets = {}
    for message in messages:
        for rrset in message.answer:
            if rrset.rdtype == dns.rdatatype.SOA:
                continue
            key = (rrset.name.to_text().lower(), dns.rdatatype.to_text(rrset.rdtype))
            found = rdatasets.get(key)
            if found is None:
                rdatasets[key] = dns.rdataset.from_rdata_list(rrset.ttl, list(rrset))
            else:
                found.union_update(rrset)
    return dict((key, rrset_from_answer(key[0], key[1], rds)) for key, rds in rdatasets.items()
                if key[1] in ("A", "AAAA", "CNAME", "SRV", "TXT", "NS"))


def answer_rdataset(response, name, rtype):
    """(rdataset or None, cname target or None) of `name`/`rtype` in a response's answer."""
    qname = dns.name.from_text(name)
    rdtype = dns.rdatatype.from_text(rtype)
    found = None
    cname = None
    for rrset in response.answer:
        if rrset.name != qname:
            continue
        if rrset.rdtype == rdtype:
            found = rrset
        elif rrset.rdtype == dns.rdatatype.CNAME:
            cname = rrset[0].target.to_text().lower()
    return found, cname


def rcode_text(response):
    return dns.rcode.to_text(response.rcode())
