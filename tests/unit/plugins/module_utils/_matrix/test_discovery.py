# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Server-name grammar and the spec's resolution order, with fake DNS and HTTP (no server)."""

from __future__ import annotations

import json
import socket
import ssl
from concurrent.futures import Future

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _discovery as d


# ---- grammar -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, host, port, ip", [
    ("example.org", "example.org", None, None),
    ("example.org:8448", "example.org", 8448, None),
    ("matrix-1.example.org:1", "matrix-1.example.org", 1, None),
    ("192.0.2.10", "192.0.2.10", None, 4),
    ("192.0.2.10:65535", "192.0.2.10", 65535, 4),
    ("[2001:db8::1]", "2001:db8::1", None, 6),
    ("[::1]:8448", "::1", 8448, 6),
    ("localhost", "localhost", None, None),
])
def test_parse_server_name_valid(text, host, port, ip):
    name = d.parse_server_name(text)
    assert (name.host, name.port, name.ip, name.text) == (host, port, ip, text)
    assert name.is_ip == (ip is not None)


@pytest.mark.parametrize("text, fragment", [
    ("", "empty"),
    ("exa mple.org", "only letters"),
    (" example.org", "white space"),
    ("example.org:0", "between 1 and 65535"),
    ("example.org:65536", "between 1 and 65535"),
    ("example.org:http", "not a number"),
    ("example.org:", "not a number"),
    ("2001:db8::1", "in brackets"),
    ("[2001:db8::1", "closing"),
    ("[example.org]:80", "not an IPv6"),
    ("[::1]x", "unexpected"),
    ("192.0.2.300", "neither a valid IPv4"),
    ("a..b", "empty label"),
    (".example.org", "empty label"),
    ("a" * 64 + ".org", "longer than 63"),
    ("a" * 256, "maximum is 255"),
    ("exämple.org", "only letters"),
])
def test_parse_server_name_invalid(text, fragment):
    with pytest.raises(ValueError, match=fragment):
        d.parse_server_name(text)


def test_server_name_warnings():
    assert d.server_name_warnings(d.parse_server_name("example.org")) == []
    assert "lower case" in d.server_name_warnings(d.parse_server_name("Example.org"))[0]
    assert "trailing dot" in d.server_name_warnings(d.parse_server_name("example.org."))[0]
    assert d.server_name_warnings(d.parse_server_name("[::1]")) == []


def test_url_host_and_format():
    assert d.parse_server_name("[::1]:80").url_host == "[::1]"
    assert d.format_host_port("::1", 53) == "[::1]:53"
    assert d.format_host_port("10.0.0.1", None) == "10.0.0.1"


@pytest.mark.parametrize("text, expected", [
    ("10.0.0.1", ("10.0.0.1", 53)),
    ("10.0.0.1:5353", ("10.0.0.1", 5353)),
    ("::1", ("::1", 53)),
    ("[::1]:5353", ("::1", 5353)),
])
def test_parse_address(text, expected):
    assert d.parse_address(text, 53) == expected


@pytest.mark.parametrize("text", ["ns.example.org", "ns.example.org:53", "", "10.0.0.1:99999"])
def test_parse_address_invalid(text):
    with pytest.raises(ValueError):
        d.parse_address(text, 53)


def test_address_overrides():
    overrides = d.AddressOverrides({"matrix.example.org:8448": "10.0.0.5:9448", "Example.org": "10.0.0.4",
                                    "[::1]:443": "[::2]"})
    assert overrides
    assert overrides.lookup("matrix.example.org", 8448) == ("10.0.0.5", 9448)
    assert overrides.lookup("matrix.example.org", 443) is None
    assert overrides.lookup("example.org", 443) == ("10.0.0.4", 443)
    assert overrides.lookup("EXAMPLE.org.", 8448) == ("10.0.0.4", 8448)
    assert overrides.lookup("::1", 443) == ("::2", 443)
    assert not d.AddressOverrides({})
    with pytest.raises(ValueError, match="expected an IP"):
        d.AddressOverrides({"a.example.org": "b.example.org"})


def test_order_srv():
    records = [d.SrvRecord(20, 0, 1, "c."), d.SrvRecord(10, 5, 2, "b."), d.SrvRecord(10, 50, 3, "a.")]
    assert [r.target for r in d.order_srv(records)] == ["a", "b", "c"]


def test_dns_answer_properties():
    answer = d.DnsAnswer("alias.example.org.", "A", "ok", ["10.0.0.1"], "real.example.org.")
    assert answer.is_cname and answer.ok and not answer.missing
    assert answer.describe() == "alias.example.org A: 10.0.0.1"
    txt = d.DnsAnswer("t.example.org", "TXT", "ok", [[b"ab", b"cd"]])
    assert txt.describe() == 't.example.org TXT: "ab" "cd"'
    assert txt.as_dict()["records"] == [["ab", "cd"]]
    assert d.DnsAnswer("x", "SRV", "nxdomain").describe() == "x SRV: no such name"
    assert "lookup failed (timed out)" in d.DnsAnswer("x", "SRV", "error", error="timed out").describe()


def test_classify_error():
    assert d.classify_error(ConnectionRefusedError()).kind == "refused"
    assert d.classify_error(socket.timeout()).kind == "timeout"
    verify = ssl.SSLCertVerificationError(1, "certificate verify failed")
    verify.verify_message = "Hostname mismatch"
    err = d.classify_error(verify)
    assert err.kind == "tls_verify" and err.verify_message == "Hostname mismatch"
    assert d.classify_error(ssl.SSLError(1, "wrong version number")).kind == "tls"
    assert d.classify_error(OSError(113, "No route to host")).kind == "connect"


# ---- resolution with fakes ---------------------------------------------------------------------------------

class FakeDns(object):
    def __init__(self, records=None):
        self.records = records or {}
        self.asked = []

    def query(self, name, rdtype):
        self.asked.append((name, rdtype))
        value = self.records.get((name, rdtype))
        if value is None:
            return d.DnsAnswer(name, rdtype, "nxdomain")
        if isinstance(value, d.DnsAnswer):
            return value
        return d.DnsAnswer(name, rdtype, "ok", value)


class FakeResponse(object):
    def __init__(self, status, body, truncated=False):
        self.status = status
        self.reason = "R"
        self.body = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.truncated = truncated
        self.tls = None

    def json(self):
        return json.loads(self.body.decode())


class FakeHttp(object):
    def __init__(self, answers=None, overrides=None):
        self.answers = answers or {}
        self.overrides = d.AddressOverrides(overrides)
        self.fetched = []

    def fetch(self, url, max_body=0, verify=True):
        self.fetched.append(url)
        answer = self.answers.get(url)
        if answer is None:
            return None, [{"url": url, "status": None}], d.HttpError("refused", "connection refused")
        if isinstance(answer, d.HttpError):
            return None, [{"url": url, "status": None}], answer
        response, statuses = answer if isinstance(answer, tuple) else (answer, [answer.status])
        return response, [{"url": url, "status": s} for s in statuses], None


def submit(fn, *args):
    future = Future()
    future.set_result(fn(*args))
    return future


WK = "https://example.org/.well-known/matrix/server"


def resolve(name, dns=None, http=None):
    return d.resolve_server(d.parse_server_name(name), dns or FakeDns(), http or FakeHttp(), submit)


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
        ("_matrix-fed._tcp.matrix.example.org", "SRV"): [d.SrvRecord(10, 0, 8443, "fed.example.org."),
                                                         d.SrvRecord(5, 0, 8444, "fed2.example.org.")],
        ("_matrix._tcp.matrix.example.org", "SRV"): [d.SrvRecord(1, 0, 1, "old.example.org.")],
        ("fed.example.org", "A"): ["192.0.2.3"], ("fed2.example.org", "A"): ["192.0.2.4"],
    })
    http = FakeHttp({WK: FakeResponse(200, {"m.server": "matrix.example.org"})})
    res = resolve("example.org", dns, http)
    # certificate and Host header: the delegated host, not the SRV target; priority order
    assert endpoints(res) == [("192.0.2.4", 8444, "matrix.example.org", "matrix.example.org"),
                              ("192.0.2.3", 8443, "matrix.example.org", "matrix.example.org")]
    assert res.srv.used.name == "_matrix-fed._tcp.matrix.example.org" and not res.srv.deprecated


def test_deprecated_matrix_srv_is_used_when_matrix_fed_is_missing():
    dns = FakeDns({("_matrix._tcp.example.org", "SRV"): [d.SrvRecord(10, 0, 8443, "hs.example.org.")],
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
    dns = FakeDns({("_matrix-fed._tcp.example.org", "SRV"): d.DnsAnswer("_matrix-fed._tcp.example.org", "SRV",
                                                                        "error", error="SERVFAIL"),
                   ("example.org", "A"): ["192.0.2.6"]})
    res = resolve("example.org", dns)
    assert res.srv.errors and "SERVFAIL" in res.errors[0]


def test_override_replaces_dns_for_a_target():
    dns = FakeDns()
    http = FakeHttp({WK: FakeResponse(200, {"m.server": "matrix.example.org:443"})},
                    overrides={"matrix.example.org:443": "127.0.0.5:8443"})
    res = resolve("example.org", dns, http)
    assert endpoints(res) == [("127.0.0.5", 8443, "matrix.example.org", "matrix.example.org:443")]
    assert res.endpoints[0].note == "override"
    assert ("matrix.example.org", "A") not in dns.asked


def test_same_address_is_listed_once():
    dns = FakeDns({("_matrix-fed._tcp.example.org", "SRV"): [d.SrvRecord(10, 0, 8448, "a.example.org."),
                                                             d.SrvRecord(10, 0, 8448, "b.example.org.")],
                   ("a.example.org", "A"): ["192.0.2.7"], ("b.example.org", "A"): ["192.0.2.7"]})
    res = resolve("example.org", dns)
    assert [e.label for e in res.endpoints] == ["192.0.2.7:8448"]
    assert res.as_dict()["addresses"] == ["192.0.2.7:8448"]


# ---- well-known validation ---------------------------------------------------------------------------------

def wellknown(answer):
    return d.fetch_server_wellknown(FakeHttp({WK: answer}), d.parse_server_name("example.org"))


def test_wellknown_found():
    result = wellknown(FakeResponse(200, {"m.server": "matrix.example.org:443", "extra": 1}))
    assert result.state == "found" and result.m_server == "matrix.example.org:443"


@pytest.mark.parametrize("answer, state, fragment", [
    (FakeResponse(404, b"not found"), "absent", "HTTP 404"),
    (d.HttpError("refused", "connection refused"), "absent", "refused"),
    (d.HttpError("tls_verify", "certificate verification failed: x", "x"), "invalid", "certificate"),
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

class Hop(object):
    def __init__(self, status, location=None):
        self.status = status
        self.headers = {"location": location} if location else {}


def client_with(answers):
    client = d.HttpsClient()
    calls = []

    def request_url(url, method="GET", headers=None, body=None, verify=True, max_body=0):
        calls.append(url)
        answer = answers[url]
        if isinstance(answer, Exception):
            raise answer
        return answer

    client.request_url = request_url
    return client, calls


def test_fetch_follows_relative_and_absolute_redirects():
    client, calls = client_with({
        "https://a.example/x": Hop(301, "/y"),
        "https://a.example/y": Hop(302, "https://b.example/z"),
        "https://b.example/z": Hop(200),
    })
    response, hops, error = client.fetch("https://a.example/x")
    assert error is None and response.status == 200
    assert [h["status"] for h in hops] == [301, 302, 200]
    assert calls == ["https://a.example/x", "https://a.example/y", "https://b.example/z"]


def test_fetch_stops_loops_plain_http_and_long_chains():
    client, _unused = client_with({"https://a.example/x": Hop(302, "/y"), "https://a.example/y": Hop(302, "/x")})
    _response, _hops, error = client.fetch("https://a.example/x")
    assert "redirect loop" in error.message
    client, _unused = client_with({"https://a.example/x": Hop(301, "http://a.example/x")})
    _response, hops, error = client.fetch("https://a.example/x")
    assert "not https" in error.message and hops[-1]["error"] == "not https"
    chain = dict(("https://a.example/%d" % i, Hop(302, "/%d" % (i + 1))) for i in range(20))
    client, calls = client_with(chain)
    _response, _hops, error = client.fetch("https://a.example/0")
    assert "more than 10 redirects" in error.message and len(calls) == 11


def test_fetch_reports_connection_errors():
    client, _unused = client_with({"https://a.example/x": d.HttpError("refused", "connection refused")})
    response, hops, error = client.fetch("https://a.example/x")
    assert response is None and error.kind == "refused" and hops[0]["error"] == "connection refused"


def test_open_retries_transient_faults_once_only():
    client = d.HttpsClient()
    slept = []
    client.sleep = slept.append
    conn = client.connection("192.0.2.1", 443, "example.org")
    attempts = []

    def flaky():
        attempts.append(1)
        if len(attempts) == 1:
            raise d.HttpError("connect", "cannot connect: reset")
        conn._conn = object()

    conn._open_once = flaky
    conn.open()
    assert len(attempts) == 2 and len(slept) == 1 and 0 < slept[0] <= 0.25
    for kind in ("refused", "timeout", "tls_verify"):
        conn = client.connection("192.0.2.1", 443, "example.org")
        attempts = []

        def failing(kind=kind):
            attempts.append(1)
            raise d.HttpError(kind, kind)

        conn._open_once = failing
        with pytest.raises(d.HttpError):
            conn.open()
        assert len(attempts) == 1


def test_addresses_from_override_literal_and_dns():
    dns = FakeDns({("m.example.org", "A"): ["192.0.2.1"], ("m.example.org", "AAAA"): ["2001:db8::1"]})
    client = d.HttpsClient(dns, d.AddressOverrides({"o.example.org": "127.0.0.9"}))
    assert client.addresses("o.example.org", 443)[0] == [("127.0.0.9", 443)]
    assert client.addresses("192.0.2.5", 80) == ([("192.0.2.5", 80)], None)
    assert client.addresses("m.example.org", 8448) == ([("192.0.2.1", 8448), ("2001:db8::1", 8448)], None)
    with pytest.raises(d.HttpError, match="no A or AAAA"):
        client.addresses("none.example.org", 443)
