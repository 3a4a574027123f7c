# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""The record model and the record set a federation intent needs (pure, no I/O).

Names are absolute, lower-case, with the trailing dot. An RRSet holds canonical values so that
comparisons do not depend on how a provider spells them:

* A / AAAA: the address as `ipaddress` prints it;
* CNAME: the absolute target name;
* SRV: `"<priority> <weight> <port> <target>."`;
* TXT: the joined value (all character-strings concatenated) as text; the chunk layout is kept
  beside it in `RRSet.chunks` and only compared when the user insists on a layout.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re

from ansible_collections.fedops.rocketchat.plugins.module_utils import _federation_names as names
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._errors import DNSInputError
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._txt import (
    MAX_STRING,
    TXTError,
    bytes_of,
    display,
    encode_txt,
    split_txt,
    text_of,
)

SUPPORTED_TYPES = ("A", "AAAA", "CNAME", "SRV", "TXT")

_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_PEM = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END ([A-Z0-9 ]+)-----", re.S)


def normalize_name(name, option="name", allow_root=False):
    """Absolute lower-case DNS name with a trailing dot; IDNs become their ACE form."""
    if not isinstance(name, str) or not name.strip():
        raise DNSInputError("%s: a DNS name is required, got %r" % (option, name))
    value = name.strip()
    if value == "." and allow_root:
        return "."
    if value.endswith("."):
        value = value[:-1]
    if not value:
        raise DNSInputError("%s: %r is not a usable DNS name" % (option, name))
    labels = value.split(".")
    out = []
    for label in labels:
        if not label.isascii():
            try:
                label = label.encode("idna").decode("ascii")
            except UnicodeError:
                raise DNSInputError("%s: %r is not a valid internationalised DNS name" % (option, name))
        label = label.lower()
        if not _LABEL.match(label):
            raise DNSInputError(
                "%s: %r is not a valid DNS name (label %r: use 1-63 letters, digits, '-' or '_', "
                "not starting or ending with '-')" % (option, name, label))
        out.append(label)
    result = ".".join(out) + "."
    if len(result) > 254:
        raise DNSInputError("%s: %r is longer than 253 characters" % (option, name))
    return result


def is_subdomain(name, zone):
    """True when `name` equals `zone` or lies below it (both absolute)."""
    return name == zone or name.endswith("." + zone) or zone == "."


def relative_name(name, zone):
    if name == zone:
        return "@"
    if zone != "." and name.endswith("." + zone):
        return name[:-(len(zone) + 1)]
    return name


def _check_int(value, option, low, high):
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except ValueError:
            raise DNSInputError("%s: %r is not an integer" % (option, value))
    if not low <= value <= high:
        raise DNSInputError("%s: %d is out of range; use %d to %d" % (option, value, low, high))
    return value


def check_port(value, option):
    return _check_int(value, option, 1, 65535)


def check_u16(value, option):
    return _check_int(value, option, 0, 65535)


def check_ttl(value, option):
    return _check_int(value, option, 1, 2147483647)


def srv_value(priority, weight, port, target, option="srv"):
    return "%d %d %d %s" % (
        check_u16(priority, option + ".priority"),
        check_u16(weight, option + ".weight"),
        check_port(port, option + ".port"),
        normalize_name(target, option + ".target", allow_root=True),
    )


def parse_srv(text, option="value"):
    """Canonical SRV value from `"priority weight port target"`."""
    parts = str(text).split()
    if len(parts) != 4:
        raise DNSInputError("%s: SRV value %r must be 'priority weight port target'" % (option, text))
    return srv_value(parts[0], parts[1], parts[2], parts[3], option)


def split_srv(value):
    priority, weight, port, target = value.split()
    return int(priority), int(weight), int(port), target


def canonical_value(rtype, value, option="value"):
    """Canonical text of one value of `rtype` as a user or a provider spelled it."""
    if rtype == "A":
        try:
            return str(ipaddress.IPv4Address(str(value).strip()))
        except ValueError:
            raise DNSInputError("%s: %r is not an IPv4 address" % (option, value))
    if rtype == "AAAA":
        try:
            return ipaddress.IPv6Address(str(value).strip()).compressed
        except ValueError:
            raise DNSInputError("%s: %r is not an IPv6 address" % (option, value))
    if rtype == "CNAME":
        return normalize_name(value, option)
    if rtype == "SRV":
        return parse_srv(value, option)
    if rtype == "TXT":
        if not isinstance(value, str):
            raise DNSInputError("%s: a TXT value must be a string, got %r" % (option, value))
        return value
    raise DNSInputError("%s: record type %r is not supported; use one of %s" % (option, rtype, ", ".join(SUPPORTED_TYPES)))


class RRSet(object):
    """One RRset: name, type, TTL and a sorted tuple of canonical values (+ TXT chunk layout)."""

    __slots__ = ("name", "rtype", "ttl", "values", "chunks", "origin")

    def __init__(self, name, rtype, ttl, values, chunks=None, origin=None):
        self.name = name
        self.rtype = rtype
        self.ttl = ttl
        self.values = tuple(sorted(set(values)))
        # TXT only: {value: tuple of bytes chunks} as published or to be published.
        self.chunks = dict(chunks or {})
        # Free slot for a provider (raw records, ids) - never compared.
        self.origin = origin

    @property
    def key(self):
        return (self.name, self.rtype)

    def layout(self, value):
        found = self.chunks.get(value)
        if found is None:
            return tuple(split_txt(bytes_of(value)))
        return tuple(found)

    def same_as(self, other, compare_layout=False):
        if other is None:
            return False
        if self.key != other.key or self.ttl != other.ttl or self.values != other.values:
            return False
        if compare_layout and self.rtype == "TXT":
            return all(self.layout(v) == other.layout(v) for v in self.values)
        return True

    def with_values(self, values):
        return RRSet(self.name, self.rtype, self.ttl, values,
                     chunks=dict((v, c) for v, c in self.chunks.items() if v in values), origin=self.origin)

    def text_values(self):
        """Values in zone-file text form (TXT quoted and split)."""
        if self.rtype == "TXT":
            return [encode_txt(self.layout(v), escape_non_ascii=False) for v in self.values]
        return list(self.values)

    def zone_lines(self):
        return ["%s %d IN %s %s" % (self.name, self.ttl, self.rtype, text) for text in self.text_values()]

    def to_dict(self):
        result = {"name": self.name, "type": self.rtype, "ttl": self.ttl,
                  "values": [display(v) if self.rtype == "TXT" else v for v in self.values]}
        if self.rtype == "TXT":
            result["strings"] = [[display(text_of(c)) for c in self.layout(v)] for v in self.values]
        return result

    def __repr__(self):
        return "RRSet(%r, %r, %r, %r)" % (self.name, self.rtype, self.ttl, self.values)

    def __eq__(self, other):
        return isinstance(other, RRSet) and self.same_as(other, compare_layout=True)

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = None


def txt_rrset(name, ttl, values, chunk_size=MAX_STRING):
    chunks = {}
    for value in values:
        try:
            chunks[value] = tuple(split_txt(bytes_of(value), chunk_size))
        except TXTError as exc:
            raise DNSInputError("txt_chunk_size: %s" % exc)
    return RRSet(name, "TXT", ttl, values, chunks=chunks)


def normalize_public_key(pem, option="legacy.public_key"):
    """The single-line SPKI PEM Rocket.Chat shows in FEDERATION_Public_Key and reads back from DNS.

    Accepts that single-line form or an ordinary multi-line PEM (any line endings, surrounding
    whitespace); returns `-----BEGIN PUBLIC KEY-----<base64>-----END PUBLIC KEY-----`.
    """
    if not isinstance(pem, str) or not pem.strip():
        raise DNSInputError("%s: the workspace public key is required (the PEM from the FEDERATION_Public_Key setting)" % option)
    match = _PEM.search(pem.strip())
    if not match:
        raise DNSInputError(
            "%s: not a PEM public key; pass the value of Rocket.Chat's FEDERATION_Public_Key setting "
            "('-----BEGIN PUBLIC KEY-----...-----END PUBLIC KEY-----')" % option)
    begin, body, end = match.group(1), match.group(2), match.group(3)
    if begin != end:
        raise DNSInputError("%s: PEM armour does not match (BEGIN %s / END %s)" % (option, begin, end))
    if begin != "PUBLIC KEY":
        raise DNSInputError(
            "%s: Rocket.Chat reads a 'PUBLIC KEY' (SPKI) PEM, got '%s'; export the public key "
            "in SPKI form (openssl pkey -pubout)" % (option, begin))
    if pem.strip()[:match.start()].strip() or pem.strip()[match.end():].strip():
        raise DNSInputError("%s: unexpected text around the PEM block" % option)
    b64 = re.sub(r"\s+", "", body)
    try:
        der = base64.b64decode(b64.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise DNSInputError("%s: the PEM body is not valid base64" % option)
    if len(der) < 16 or der[0] != 0x30:
        raise DNSInputError("%s: the PEM body is not a DER SubjectPublicKeyInfo" % option)
    return "-----BEGIN PUBLIC KEY-----%s-----END PUBLIC KEY-----" % base64.b64encode(der).decode("ascii")


def _opt(mapping, key, default=None):
    value = mapping.get(key) if mapping else None
    return default if value is None else value


def compute_record_set(intent):
    """Compute the RRsets for a federation intent.

    `intent` keys (already type-checked by the module's argument spec):
    `ttl`, `legacy` (dict or None), `matrix` (dict or None), `records` (list or None),
    `txt_chunk_size`. Returns a list of RRSet sorted by name and type; raises DNSInputError.
    """
    ttl = check_ttl(_opt(intent, "ttl", 3600), "ttl")
    chunk_size = _check_int(_opt(intent, "txt_chunk_size", MAX_STRING), "txt_chunk_size", 1, MAX_STRING)
    wanted = {}
    owners = {}
    produced = []
    if intent.get("legacy"):
        produced.append(_legacy_rrsets(intent["legacy"], ttl, chunk_size))
    if intent.get("matrix"):
        produced.append(_matrix_rrsets(intent["matrix"], ttl))
    produced.append(_given_rrsets(intent.get("records") or [], ttl, chunk_size))
    for rrsets in produced:
        for rrset, owner in rrsets:
            if rrset.key in wanted:
                raise DNSInputError(
                    "%s: %s %s is already produced by %s; give every RRset once (merge the values)"
                    % (owner, rrset.name, rrset.rtype, owners[rrset.key]))
            wanted[rrset.key] = rrset
            owners[rrset.key] = owner
    if not wanted:
        raise DNSInputError("nothing to publish: give legacy, matrix and/or records")
    _check_cnames(wanted, owners)
    return [wanted[k] for k in sorted(wanted)]


def _legacy_rrsets(legacy, ttl, chunk_size):
    """(RRset, owning option) pairs of legacy federation: the SRV record and the public key TXT (and the TCP ones)."""
    domain = normalize_name(legacy.get("domain"), "legacy.domain")
    protocol = _opt(legacy, "protocol", "https")
    if protocol not in names.LEGACY_SRV_BY_PROTOCOL:
        raise DNSInputError("legacy.protocol: use 'https' or 'http', not %r" % protocol)
    port = check_port(_opt(legacy, "port", 443 if protocol == "https" else 80), "legacy.port")
    target = normalize_name(_opt(legacy, "target", domain), "legacy.target")
    lttl = check_ttl(_opt(legacy, "ttl", ttl), "legacy.ttl")
    value = srv_value(_opt(legacy, "priority", 1), _opt(legacy, "weight", 1), port, target, "legacy")
    key = normalize_public_key(legacy.get("public_key"))
    yield RRSet(names.legacy_srv_name(domain, protocol), "SRV", lttl, [value]), "legacy"
    yield txt_rrset(names.legacy_public_key_name(domain), lttl, [key], chunk_size), "legacy.public_key"
    if legacy.get("tcp_records"):
        yield RRSet(names.legacy_tcp_srv_name(domain), "SRV", lttl, [value]), "legacy.tcp_records"
        yield txt_rrset(names.legacy_protocol_name(domain), lttl, [protocol], chunk_size), "legacy.tcp_records"


def _matrix_rrsets(matrix, ttl):
    """(RRset, owning option) pairs of Matrix delegation by SRV (and its deprecated name)."""
    server = normalize_name(matrix.get("server_name"), "matrix.server_name")
    target = normalize_name(_opt(matrix, "target", server), "matrix.target")
    mttl = check_ttl(_opt(matrix, "ttl", ttl), "matrix.ttl")
    value = srv_value(_opt(matrix, "priority", 10), _opt(matrix, "weight", 0), _opt(matrix, "port", 8448), target, "matrix")
    yield RRSet(names.matrix_srv_name(server), "SRV", mttl, [value]), "matrix"
    if matrix.get("legacy_srv"):
        yield RRSet(names.matrix_srv_name(server, deprecated=True), "SRV", mttl, [value]), "matrix.legacy_srv"


def _given_rrsets(records, ttl, chunk_size):
    """(RRset, owning option) pairs of the ``records`` option, each value checked and in canonical form."""
    for index, record in enumerate(records):
        option = "records[%d]" % index
        rtype = str(record.get("type") or "").upper()
        if rtype not in SUPPORTED_TYPES:
            raise DNSInputError("%s.type: %r is not supported; use one of %s" % (option, record.get("type"), ", ".join(SUPPORTED_TYPES)))
        name = normalize_name(record.get("name"), option + ".name")
        rttl = check_ttl(_opt(record, "ttl", ttl), option + ".ttl")
        raw_values = record.get("values")
        if raw_values is None or isinstance(raw_values, (str, bytes)) or not list(raw_values):
            raise DNSInputError("%s.values: give a non-empty list of values" % option)
        values = [canonical_value(rtype, v, "%s.values[%d]" % (option, i)) for i, v in enumerate(raw_values)]
        if rtype == "CNAME" and len(set(values)) > 1:
            raise DNSInputError("%s.values: a CNAME has exactly one target" % option)
        if rtype == "TXT":
            yield txt_rrset(name, rttl, values, chunk_size), option
        else:
            yield RRSet(name, rtype, rttl, values), option


def _check_cnames(wanted, owners):
    """A CNAME name holds no other data (RFC 1034) and is no SRV target (RFC 2782)."""
    names_with_cname = dict((k[0], owners[k]) for k in wanted if k[1] == "CNAME")
    for (name, rtype), owner in owners.items():
        if name in names_with_cname and rtype != "CNAME":
            raise DNSInputError("%s: %s cannot hold %s data next to the CNAME from %s (RFC 1034)"
                                % (owner, name, rtype, names_with_cname[name]))
    for rrset in wanted.values():
        if rrset.rtype != "SRV":
            continue
        for value in rrset.values:
            target = split_srv(value)[3]
            if target in names_with_cname:
                raise DNSInputError(
                    "%s: the SRV target %s is a CNAME (from %s); SRV targets must have A/AAAA records "
                    "(RFC 2782, Matrix federation refuses it); point the SRV at the canonical host name"
                    % (owners[rrset.key], target, names_with_cname[target]))


def srv_targets(rrsets):
    """The SRV targets of `rrsets` (except '.'), in order of appearance, without duplicates."""
    seen = []
    for rrset in rrsets:
        if rrset is None or rrset.rtype != "SRV":
            continue
        for value in rrset.values:
            target = split_srv(value)[3]
            if target != "." and target not in seen:
                seen.append(target)
    return seen
