# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The HTTPS client: error classes, redirects, retries and address selection (network replaced)."""

from __future__ import annotations

import socket
import ssl

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils import _http_contract as contract
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _https as h
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _servername as sn

from tests.unit.plugins.module_utils._matrix.fakes import FakeDns


def test_classify_error():
    refused = h.classify_error(ConnectionRefusedError())
    assert (refused.kind, refused.cause, refused.refused) == (contract.UNREACHABLE, "refused", True)
    assert isinstance(refused, contract.UnreachableFailure) and isinstance(refused, h.HttpError)
    timeout = h.classify_error(socket.timeout())
    assert (timeout.kind, timeout.cause) == (contract.TIMEOUT, "timeout")
    assert isinstance(timeout, contract.TimeoutFailure)
    verify = ssl.SSLCertVerificationError(1, "certificate verify failed")
    verify.verify_message = "Hostname mismatch"
    err = h.classify_error(verify)
    assert (err.kind, err.cause, err.verify_message) == (contract.TLS, "tls_verify", "Hostname mismatch")
    assert isinstance(err, contract.TLSFailure)
    handshake = h.classify_error(ssl.SSLError(1, "wrong version number"))
    assert (handshake.kind, handshake.cause) == (contract.TLS, "tls")
    connect = h.classify_error(OSError(113, "No route to host"))
    assert (connect.kind, connect.cause, connect.refused) == (contract.UNREACHABLE, "connect", False)
    assert h.HttpError("url", "redirect loop").kind == contract.CLIENT_ERROR


@pytest.mark.parametrize("cause, method, retried", [
    ("refused", "POST", True),       # the request never left
    ("connect", "GET", True),
    ("connect", "POST", False),
    ("timeout", "GET", True),
    ("timeout", "POST", False),
    ("tls_verify", "GET", False),
    ("tls", "GET", False),
    ("url", "GET", False),
])
def test_errors_retry_as_the_contract_decides(cause, method, retried):
    assert (h.HttpError(cause, cause).retry(method) is not False) == retried


class Hop(object):
    def __init__(self, status, location=None):
        self.status = status
        self.headers = {"location": location} if location else {}


def client_with(answers):
    client = h.HttpsClient()
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
    client, _unused = client_with({"https://a.example/x": h.HttpError("refused", "connection refused")})
    response, hops, error = client.fetch("https://a.example/x")
    assert response is None and error.cause == "refused" and hops[0]["error"] == "connection refused"


def test_open_retries_faults_once_but_not_certificates():
    client = h.HttpsClient()
    slept = []
    client.sleep = slept.append
    conn = client.connection("192.0.2.1", 443, "example.org")
    attempts = []

    def flaky():
        attempts.append(1)
        if len(attempts) == 1:
            raise h.HttpError("connect", "cannot connect: reset")
        conn._conn = object()

    conn._open_once = flaky
    conn.open()
    assert len(attempts) == 2 and len(slept) == 1 and 0 < slept[0] <= 0.25
    # Opening sends no request: refused and timed-out connects are retried once, certificates never.
    for kind, tries in (("refused", 2), ("timeout", 2), ("tls_verify", 1), ("tls", 1)):
        conn = client.connection("192.0.2.1", 443, "example.org")
        attempts = []

        def failing(kind=kind):
            attempts.append(1)
            raise h.HttpError(kind, kind)

        conn._open_once = failing
        with pytest.raises(h.HttpError):
            conn.open()
        assert len(attempts) == tries, kind


def test_addresses_from_override_literal_and_dns():
    dns = FakeDns({("m.example.org", "A"): ["192.0.2.1"], ("m.example.org", "AAAA"): ["2001:db8::1"]})
    client = h.HttpsClient(dns, sn.AddressOverrides({"o.example.org": "127.0.0.9"}))
    assert client.addresses("o.example.org", 443)[0] == [("127.0.0.9", 443)]
    assert client.addresses("192.0.2.5", 80) == ([("192.0.2.5", 80)], None)
    assert client.addresses("m.example.org", 8448) == ([("192.0.2.1", 8448), ("2001:db8::1", 8448)], None)
    with pytest.raises(h.HttpError, match="no A or AAAA"):
        client.addresses("none.example.org", 443)


def test_localhost_is_loopback_without_dns():
    dns = FakeDns()
    client = h.HttpsClient(dns)
    assert client.addresses("localhost", 3300) == ([("127.0.0.1", 3300), ("::1", 3300)], None)
    assert client.addresses("LOCALHOST.", 80)[0][0] == ("127.0.0.1", 80)
    assert dns.asked == []


def test_check_ca_bundle(tmp_path):
    from tests.support.pki import TestCA  # pylint: disable=import-outside-toplevel
    ca = TestCA(str(tmp_path / "pki"))
    h.check_ca_bundle(ca.cert_path)
    with pytest.raises(ValueError, match="does not exist"):
        h.check_ca_bundle(str(tmp_path / "missing.pem"))
    with pytest.raises(ValueError, match="is a directory"):
        h.check_ca_bundle(str(tmp_path))
    key_only = tmp_path / "key.pem"
    key_only.write_text("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    with pytest.raises(ValueError, match="holds no PEM certificate"):
        h.check_ca_bundle(str(key_only))
    broken = tmp_path / "broken.pem"
    broken.write_text("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    with pytest.raises(ValueError, match="not a usable PEM bundle"):
        h.check_ca_bundle(str(broken))


def answering(statuses, headers=None):
    """A connection whose requests answer ``statuses`` in turn; the client's waits go to ``slept``."""
    client = h.HttpsClient()
    slept = []
    client.sleep = slept.append
    conn = client.connection("192.0.2.1", 443, "example.org")
    sent = []

    def send(method, path, host_header, headers_, body, max_body):
        sent.append(method)
        status = statuses[len(sent) - 1]
        if isinstance(status, Exception):
            raise status
        return h.HttpResponse(status, "", dict(headers or {}), b"{}", False, ("192.0.2.1", 443), None)

    conn._request = send
    return conn, sent, slept


@pytest.mark.parametrize("method, statuses, headers, sends, waited", [
    ("GET", [429, 200], {"retry-after": "3"}, 2, 3.0),          # Retry-After honoured
    ("POST", [429, 200], {"retry-after": "3"}, 2, 3.0),         # a 429 was refused before anything was done
    ("GET", [429, 200], {"retry-after": "3600"}, 2, 10.0),      # up to the client's bound
    ("GET", [503, 200], {}, 2, None),
    ("POST", [503, 200], {}, 1, None),                          # never repeat a POST the server may have done
    ("GET", [503, 503, 200], {}, 2, None),                      # bounded: the last answer is returned
    ("GET", [404, 200], {}, 1, None),
    ("GET", [h.HttpError("timeout", "timed out"), 200], {}, 2, None),
    ("POST", [h.HttpError("timeout", "timed out"), 200], {}, 1, None),
])
def test_request_retries_as_the_contract_decides(method, statuses, headers, sends, waited):
    conn, sent, slept = answering(statuses, headers)
    try:
        response = conn.request(method, "/x", "example.org")
    except h.HttpError:
        response = None
    assert len(sent) == sends
    assert len(slept) == sends - 1
    if waited is not None:
        assert slept == [waited]
    if response is not None:
        assert response.status == statuses[sends - 1]
