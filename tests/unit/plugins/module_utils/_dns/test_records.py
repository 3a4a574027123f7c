# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Record-set computation from the federation intent, key normalisation and bad inputs."""

from __future__ import annotations

import base64
import textwrap

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._errors import DNSInputError
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._records import (
    RRSet,
    canonical_value,
    compute_record_set,
    normalize_name,
    normalize_public_key,
    srv_targets,
    txt_rrset,
)

# A 2048-bit RSA SubjectPublicKeyInfo, as Rocket.Chat's node-rsa generates (294 bytes DER).
DER = bytes.fromhex(
    "30820122300d06092a864886f70d01010105000382010f003082010a02820101008a53695c64bff9df06add36786413c352c"
    "3c9823edf20c8d365469a1a858adef36d6881f62f37acaa7511ebf03e660da1fcc4802df239470a7b25dda7fe7fcd18cfb1e"
    "0a3fa1c6e44c39426540a077e80cfc5154bfbeaad09606eea6fecd1bc5c0c1238ff82ad0f115ab64afa575a23b1d3161b2a2"
    "c429e5053b8d3c713b1f516dada5bd7e6fc4fb0b349b8c1e941a416ac6d54ba813f196adafe0d115855bfb28a5bd6c1ce784"
    "e32511d93dc9b16ea9a5b3bb675fdd08f509f03eb640afb80ce832005d605d12db31a0db22ffd9c92bc81e9d217a0178fb8c"
    "41d460b6c02c8b3af1dc2ac540a0c7df2ca5d3e8d439cbc0a6e3eb413126e62ce777588f5a50cb0203010001")
B64 = base64.b64encode(DER).decode()
SINGLE = "-----BEGIN PUBLIC KEY-----%s-----END PUBLIC KEY-----" % B64
MULTI = "-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n" % "\n".join(textwrap.wrap(B64, 64))


def legacy(**kw):
    base = {"domain": "example.com", "target": "chat.example.com", "public_key": SINGLE}
    base.update(kw)
    return base


def test_rocketchat_key_is_442_chars():
    assert len(SINGLE) == 442


@pytest.mark.parametrize("pem", [
    SINGLE,
    MULTI,
    MULTI.replace("\n", "\r\n"),
    "  \n" + MULTI + "\n\n",
    SINGLE.replace(B64, B64[:40] + " \t" + B64[40:]),
])
def test_public_key_normalised_to_single_line(pem):
    assert normalize_public_key(pem) == SINGLE


@pytest.mark.parametrize("pem, needle", [
    ("", "required"),
    ("not a key", "not a PEM public key"),
    ("-----BEGIN RSA PUBLIC KEY-----%s-----END RSA PUBLIC KEY-----" % B64, "SPKI"),
    ("-----BEGIN PRIVATE KEY-----%s-----END PRIVATE KEY-----" % B64, "SPKI"),
    ("-----BEGIN PUBLIC KEY-----%s-----END PRIVATE KEY-----" % B64, "armour"),
    ("-----BEGIN PUBLIC KEY-----!!!notbase64!!!-----END PUBLIC KEY-----", "base64"),
    ("-----BEGIN PUBLIC KEY-----%s-----END PUBLIC KEY-----" % base64.b64encode(b"x" * 40).decode(), "DER"),
    ("junk " + SINGLE, "around"),
])
def test_public_key_refused(pem, needle):
    with pytest.raises(DNSInputError) as err:
        normalize_public_key(pem)
    assert needle in err.value.msg and "legacy.public_key" in err.value.msg


def test_legacy_and_matrix_set():
    rrsets = compute_record_set({"ttl": 300, "legacy": legacy(), "matrix": {
        "server_name": "example.com", "target": "matrix.example.com", "legacy_srv": True}})
    lines = [line for r in rrsets for line in r.zone_lines()]
    assert lines == [
        "_matrix-fed._tcp.example.com. 300 IN SRV 10 0 8448 matrix.example.com.",
        "_matrix._tcp.example.com. 300 IN SRV 10 0 8448 matrix.example.com.",
        "_rocketchat._https.example.com. 300 IN SRV 1 1 443 chat.example.com.",
        'rocketchat-public-key.example.com. 300 IN TXT "%s" "%s"' % (SINGLE[:255], SINGLE[255:]),
    ]
    key = [r for r in rrsets if r.rtype == "TXT"][0]
    assert key.values == (SINGLE,) and key.layout(SINGLE) == (SINGLE[:255].encode(), SINGLE[255:].encode())


def test_legacy_http_and_tcp_records():
    rrsets = compute_record_set({"legacy": legacy(protocol="http", tcp_records=True, target=None)})
    by_key = dict((r.key, r) for r in rrsets)
    assert by_key[("_rocketchat._http.example.com.", "SRV")].values == ("1 1 80 example.com.",)
    assert by_key[("_rocketchat._tcp.example.com.", "SRV")].values == ("1 1 80 example.com.",)
    assert by_key[("rocketchat-tcp-protocol.example.com.", "TXT")].values == ("http",)
    assert all(r.ttl == 3600 for r in rrsets)


def test_section_ttls_and_defaults():
    rrsets = compute_record_set({"ttl": 600, "legacy": legacy(ttl=60), "matrix": {"server_name": "Example.COM."}})
    by_type = dict(((r.name.split(".")[0], r.rtype), r) for r in rrsets)
    assert by_type[("_matrix-fed", "SRV")].ttl == 600
    assert by_type[("_matrix-fed", "SRV")].values == ("10 0 8448 example.com.",)
    assert by_type[("_rocketchat", "SRV")].ttl == 60


def test_extra_records_canonical():
    rrsets = compute_record_set({"records": [
        {"name": "chat.example.com", "type": "A", "values": ["192.0.2.1", "192.0.2.1", "192.0.2.2"]},
        {"name": "chat.example.com", "type": "AAAA", "values": ["2001:DB8:0:0::1"]},
        {"name": "www.example.com", "type": "CNAME", "values": ["Chat.Example.com"]},
        {"name": "_x._tcp.example.com", "type": "SRV", "values": ["0 5 5060 sip.example.com"]},
        {"name": "t.example.com", "type": "TXT", "values": ["v=spf1 -all", "é" * 200]},
    ]})
    by_key = dict((r.key, r) for r in rrsets)
    assert by_key[("chat.example.com.", "A")].values == ("192.0.2.1", "192.0.2.2")
    assert by_key[("chat.example.com.", "AAAA")].values == ("2001:db8::1",)
    assert by_key[("www.example.com.", "CNAME")].values == ("chat.example.com.",)
    assert by_key[("_x._tcp.example.com.", "SRV")].values == ("0 5 5060 sip.example.com.",)
    txt = by_key[("t.example.com.", "TXT")]
    assert [len(c) for c in txt.layout("é" * 200)] == [254, 146]


def test_idn_names():
    assert normalize_name("bücher.example") == "xn--bcher-kva.example."


def test_chunk_size_option():
    rrsets = compute_record_set({"legacy": legacy(), "txt_chunk_size": 128})
    key = [r for r in rrsets if r.rtype == "TXT"][0]
    assert [len(c) for c in key.layout(SINGLE)] == [128, 128, 128, 58]


@pytest.mark.parametrize("intent, needle", [
    ({"legacy": legacy(domain="bad domain")}, "legacy.domain"),
    ({"legacy": legacy(domain="-bad.example.com")}, "legacy.domain"),
    ({"legacy": legacy(domain="a" * 64 + ".com")}, "legacy.domain"),
    ({"legacy": legacy(domain="")}, "legacy.domain"),
    ({"legacy": legacy(target="chat..example.com")}, "legacy.target"),
    ({"legacy": legacy(port=0)}, "legacy.port: 0 is out of range"),
    ({"legacy": legacy(port=70000)}, "legacy.port: 70000 is out of range"),
    ({"legacy": legacy(priority=-1)}, "legacy.priority: -1 is out of range"),
    ({"legacy": legacy(weight=65536)}, "legacy.weight"),
    ({"legacy": legacy(public_key="hello")}, "legacy.public_key"),
    ({"legacy": legacy(protocol="gopher")}, "legacy.protocol"),
    ({"matrix": {"server_name": "example.com", "port": 0}}, "matrix.port"),
    ({"matrix": {"server_name": "example.com", "priority": -5}}, "matrix.priority"),
    ({"matrix": {"server_name": "ex ample.com"}}, "matrix.server_name"),
    ({"ttl": 0, "matrix": {"server_name": "example.com"}}, "ttl"),
    ({"txt_chunk_size": 0, "matrix": {"server_name": "example.com"}}, "txt_chunk_size"),
    ({"txt_chunk_size": 300, "matrix": {"server_name": "example.com"}}, "txt_chunk_size"),
    ({}, "nothing to publish"),
    ({"records": [{"name": "a.example.com", "type": "MX", "values": ["10 mx"]}]}, "records[0].type"),
    ({"records": [{"name": "a.example.com", "type": "A", "values": ["300.1.1.1"]}]}, "records[0].values[0]"),
    ({"records": [{"name": "a.example.com", "type": "AAAA", "values": ["1.2.3.4"]}]}, "records[0].values[0]"),
    ({"records": [{"name": "a.example.com", "type": "A", "values": []}]}, "records[0].values"),
    ({"records": [{"name": "a.example.com", "type": "SRV", "values": ["1 1 443"]}]}, "records[0].values[0]"),
    ({"records": [{"name": "a.example.com", "type": "SRV", "values": ["1 1 0 t.example.com"]}]}, "port: 0"),
    ({"records": [{"name": "a.example.com", "type": "CNAME", "values": ["b.example.com", "c.example.com"]}]},
     "exactly one target"),
    ({"records": [{"name": "a.example.com", "type": "CNAME", "values": ["b.example.com"]},
                  {"name": "a.example.com", "type": "A", "values": ["192.0.2.1"]}]}, "next to the CNAME"),
    # SRV target that is a CNAME is refused
    ({"matrix": {"server_name": "example.com", "target": "matrix.example.com"},
      "records": [{"name": "matrix.example.com", "type": "CNAME", "values": ["host.example.net"]}]},
     "SRV target matrix.example.com. is a CNAME"),
    ({"legacy": legacy(),
      "records": [{"name": "chat.example.com", "type": "CNAME", "values": ["lb.example.net"]}]},
     "SRV target chat.example.com. is a CNAME"),
    # the same RRset twice
    ({"legacy": legacy(), "records": [{"name": "rocketchat-public-key.example.com", "type": "TXT", "values": ["x"]}]},
     "already produced by legacy.public_key"),
])
def test_bad_inputs(intent, needle):
    with pytest.raises(DNSInputError) as err:
        compute_record_set(intent)
    assert needle in err.value.msg


def test_rrset_comparison_on_joined_txt():
    wanted = txt_rrset("k.example.com.", 300, ["a" * 300])
    other_layout = RRSet("k.example.com.", "TXT", 300, ["a" * 300], chunks={"a" * 300: (b"a" * 100, b"a" * 200)})
    assert wanted.same_as(other_layout)
    assert not wanted.same_as(other_layout, compare_layout=True)
    assert not wanted.same_as(RRSet("k.example.com.", "TXT", 301, ["a" * 300]))
    assert not wanted.same_as(None)


def test_srv_targets_and_canonical():
    rrsets = [RRSet("_a._tcp.x.", "SRV", 1, ["1 1 1 t.x.", "2 1 1 .", "3 1 1 t.x."]), None,
              RRSet("x.", "A", 1, ["192.0.2.1"])]
    assert srv_targets(rrsets) == ["t.x."]
    assert canonical_value("SRV", "1 2 3 T.X") == "1 2 3 t.x."
    to_dict = txt_rrset("k.x.", 5, ["hi"]).to_dict()
    assert to_dict == {"name": "k.x.", "type": "TXT", "ttl": 5, "values": ["hi"], "strings": [["hi"]]}
