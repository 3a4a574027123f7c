# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The spec's resolution order and well-known validation, with fake DNS and HTTP (no server)."""

from __future__ import annotations

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _discovery as d
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _dnsclient as dc
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _https as h
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _servername as sn

from tests.unit.plugins.module_utils._matrix.fakes import FakeDns, FakeHttp, FakeResponse, submit


WK = "https://example.org/.well-known/matrix/server"


def resolve(name, dns=None, http=None):
    return d.resolve_server(sn.parse_server_name(name), dns or FakeDns(), http or FakeHttp(), submit)


def endpoints(res):
    return [(e.ip, e.port, e.target.tls_name, e.target.host_header) for e in res.endpoints]


def test_ip_literal_uses_8448_and_the_ip_as_tls_name():
    http = FakeHttp()
    res = resolve("192.0.2.1", http=http)
    assert endpoints(res) == [("192.0.2.1", 8448, "192.0.2.1", "192.0.2.1")]
    assert res.wellknown is None and http.fetched == []
    res = resolve("[2001:db8::1]:443")
    assert endpoints(res) == [("2001:db8::1", 443, "2001:db8::1", "[2001:db8::1]:443")]


def test_explicit_port_skips_wellknown_and_srv():
    dns = FakeDns({("example.org", "A"): ["192.0.2.1"], ("example.org", "AAAA"): ["2001:db8::1"]})
    http = FakeHttp()
    res = resolve("example.org:8449", dns, http)
    assert endpoints(res) == [("192.0.2.1", 8449, "example.org", "example.org:8449"),
                              ("2001:db8::1", 8449, "example.org", "example.org:8449")]
    assert http.fetched == [] and not any(t == "SRV" for _n, t in dns.asked)


def test_wellknown_with_port():
    dns = FakeDns({("matrix.example.org", "A"): ["192.0.2.2"]})
    http = FakeHttp({WK: FakeResponse(200, {"m.server": "matrix.example.org:443"})})
    res = resolve("example.org", dns, http)
    assert res.wellknown.state == "found" and res.delegated.text == "matrix.example.org:443"
    assert endpoints(res) == [("192.0.2.2", 443, "matrix.example.org", "matrix.example.org:443")]
    assert res.srv is None


def test_wellknown_ip_delegation():
    http = FakeHttp({WK: FakeResponse(200, {"m.server": "192.0.2.9"})})
    res = resolve("example.org", http=http)
    assert endpoints(res) == [("192.0.2.9", 8448, "192.0.2.9", "192.0.2.9")]


def test_wellknown_host_then_matrix_fed_srv():
    dns = FakeDns({
        ("_matrix-fed._tcp.matrix.example.org", "SRV"): [dc.SrvRecord(10, 0, 8443, "fed.example.org."),
                                                         dc.SrvRecord(5, 0, 8444, "fed2.example.org.")],
        ("_matrix._tcp.matrix.example.org", "SRV"): [dc.SrvRecord(1, 0, 1, "old.example.org.")],
        ("fed.example.org", "A"): ["192.0.2.3"], ("fed2.example.org", "A"): ["192.0.2.4"],
    })
    http = FakeHttp({WK: FakeResponse(200, {"m.server": "matrix.example.org"})})
    res = resolve("example.org", dns, http)
    # certificate and Host header: the delegated host, not the SRV target; priority order
    assert endpoints(res) == [("192.0.2.4", 8444, "matrix.example.org", "matrix.example.org"),
                              ("192.0.2.3", 8443, "matrix.example.org", "matrix.example.org")]
    assert res.srv.used.name == "_matrix-fed._tcp.matrix.example.org" and not res.srv.deprecated


def test_deprecated_matrix_srv_is_used_when_matrix_fed_is_missing():
    dns = FakeDns({("_matrix._tcp.example.org", "SRV"): [dc.SrvRecord(10, 0, 8443, "hs.example.org.")],
                   ("hs.example.org", "A"): ["192.0.2.5"]})
    res = resolve("example.org", dns, FakeHttp({WK: FakeResponse(404, b"")}))
    assert res.wellknown.state == "absent"
    assert res.srv.deprecated
    # step 5: the certificate must be valid for the server name, not the SRV target
    assert endpoints(res) == [("192.0.2.5", 8443, "example.org", "example.org")]


def test_no_wellknown_no_srv_falls_back_to_8448():
    dns = FakeDns({("example.org", "A"): ["192.0.2.6"]})
    res = resolve("example.org", dns)
    assert endpoints(res) == [("192.0.2.6", 8448, "example.org", "example.org")]
    assert res.srv.used is None and res.wellknown.state == "absent"
    assert "using port 8448" in res.steps[-1]


def test_srv_error_is_recorded():
    dns = FakeDns({("_matrix-fed._tcp.example.org", "SRV"): dc.DnsAnswer("_matrix-fed._tcp.example.org", "SRV",
                                                                         "error", error="SERVFAIL"),
                   ("example.org", "A"): ["192.0.2.6"]})
    res = resolve("example.org", dns)
    # the failed lookup is kept, named, and the resolution still falls back as Synapse does (to port 8448)
    assert [a.name for a in res.srv.errors] == ["_matrix-fed._tcp.example.org"]
    assert res.errors == ["_matrix-fed._tcp.example.org SRV: lookup failed (SERVFAIL)"]
    assert res.srv.used is None and endpoints(res) == [("192.0.2.6", 8448, "example.org", "example.org")]
    assert res.as_dict()["srv"]["lookups"][0]["status"] == "error"


def test_override_replaces_dns_for_a_target():
    dns = FakeDns()
    http = FakeHttp({WK: FakeResponse(200, {"m.server": "matrix.example.org:443"})},
                    overrides={"matrix.example.org:443": "127.0.0.5:8443"})
    res = resolve("example.org", dns, http)
    assert endpoints(res) == [("127.0.0.5", 8443, "matrix.example.org", "matrix.example.org:443")]
    assert res.endpoints[0].note == "override"
    assert ("matrix.example.org", "A") not in dns.asked


def test_same_address_is_listed_once():
    dns = FakeDns({("_matrix-fed._tcp.example.org", "SRV"): [dc.SrvRecord(10, 0, 8448, "a.example.org."),
                                                             dc.SrvRecord(10, 0, 8448, "b.example.org.")],
                   ("a.example.org", "A"): ["192.0.2.7"], ("b.example.org", "A"): ["192.0.2.7"]})
    res = resolve("example.org", dns)
    assert [e.label for e in res.endpoints] == ["192.0.2.7:8448"]
    assert res.as_dict()["addresses"] == ["192.0.2.7:8448"]


# ---- well-known validation ---------------------------------------------------------------------------------

def wellknown(answer):
    return d.fetch_server_wellknown(FakeHttp({WK: answer}), sn.parse_server_name("example.org"))


def test_wellknown_found():
    result = wellknown(FakeResponse(200, {"m.server": "matrix.example.org:443", "extra": 1}))
    assert result.state == "found" and result.m_server == "matrix.example.org:443"


@pytest.mark.parametrize("answer, state, fragment", [
    (FakeResponse(404, b"not found"), "absent", "HTTP 404"),
    (h.HttpError("refused", "connection refused"), "absent", "refused"),
    (h.HttpError("tls_verify", "certificate verification failed: x", "x"), "invalid", "certificate"),
    (FakeResponse(200, b"{not json"), "invalid", "not JSON"),
    (FakeResponse(200, {"server": "x"}), "invalid", "no \"m.server\""),
    (FakeResponse(200, {"m.server": ""}), "invalid", "no \"m.server\""),
    (FakeResponse(200, {"m.server": "bad host:1"}), "invalid", "only letters"),
    (FakeResponse(200, [1, 2]), "invalid", "no \"m.server\""),
    (FakeResponse(200, b"{}", truncated=True), "invalid", "larger than 51200"),
    ((FakeResponse(200, {"m.server": "m.example.org"}), [308, 200]), "invalid", "308"),
    ((FakeResponse(404, b""), [308, 404]), "invalid", "404"),
])
def test_wellknown_problems(answer, state, fragment):
    result = wellknown(answer)
    assert result.state == state
    assert fragment in result.error


def test_wellknown_301_is_fine():
    result = wellknown((FakeResponse(200, {"m.server": "m.example.org"}), [301, 200]))
    assert result.state == "found" and not result.redirect_308


# ---- HTTPS client logic (redirects, retries) with the network replaced -----------------------------------------
