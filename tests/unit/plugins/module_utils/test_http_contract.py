# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The HTTP contract: the Rocket.Chat, Matrix and DNS clients, each on its real transport against one scripted
server on loopback, map the same HTTP situation to the same error class and make the same retry decision."""

from __future__ import annotations

import json
import random
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils import _http_contract as contract
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._cloudflare import CloudflareProvider
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._errors import DNSInputError
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._http import JSONClient
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._powerdns import PowerDNSProvider
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._client import MatrixClient
from ansible_collections.fedops.rocketchat.plugins.module_utils._retry import RetryPolicy
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._client import RocketChatClient

from tests.support.pki import untrusted_ca
from tests.support.procs import free_port

TIMEOUT = 0.5

# situation: (path, the contract's class, GET retried, POST retried)
SITUATIONS = {
    "rejected token": ("/s/401", contract.AuthFailure, False, False),
    "forbidden": ("/s/403", contract.AuthFailure, False, False),
    "not found": ("/s/404", contract.NotFoundFailure, False, False),
    "rate limited": ("/s/429", contract.RateLimitedFailure, True, True),
    "server error": ("/s/503", contract.ServerFailure, True, False),
    "bad request": ("/s/400", contract.ClientFailure, False, False),
    "timeout": ("/slow", contract.TimeoutFailure, True, False),
    "tls": ("/s/200", contract.TLSFailure, False, False),
    "refused": ("/s/200", contract.UnreachableFailure, True, True),
}


class _Handler(BaseHTTPRequestHandler):
    release = None  # threading.Event set at teardown: ends the held /slow answers

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.path.startswith("/slow"):
            self.release.wait(10)
            return
        status = int(self.path.split("/")[2]) if self.path.startswith("/s/") else 200
        body = {"success": status < 400, "error": "situation %d" % status, "errcode": "M_TEST"}
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        if status == 429:
            self.send_header("Retry-After", "0")
            self.send_header("X-RateLimit-Limit", "10")
            self.send_header("X-RateLimit-Remaining", "0")
            self.send_header("X-RateLimit-Reset", "0")
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


def _serve(host, context=None):
    server = ThreadingHTTPServer((host, free_port(host)), _Handler)
    server.daemon_threads = True
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return server


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    host = "127.%d.%d.%d" % (random.randint(100, 199), random.randint(1, 250), random.randint(2, 250))
    _Handler.release = threading.Event()
    plain = _serve(host)
    ca = untrusted_ca(str(tmp_path_factory.mktemp("contract-ca")))
    cert = ca.issue("contract", [host])
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert.cert_path, cert.key_path)
    tls = _serve(host, context)
    urls = {"plain": "http://%s:%d" % (host, plain.server_address[1]),
            "tls": "https://%s:%d" % (host, tls.server_address[1]),
            "refused": "http://%s:%d" % (host, free_port(host)), "ca_path": ca.cert_path}
    yield urls
    _Handler.release.set()
    for server in (plain, tls):
        server.shutdown()
        server.server_close()


def _no_sleep(_seconds):
    return None


def _outcome(call, count):
    """(the exception ``call`` raised, or None; requests the client sent)."""
    try:
        call()
    except Exception as exc:  # pylint: disable=broad-except
        return exc, count()
    return None, count()


def _body(method):
    return {} if method == "POST" else None


def rocketchat(url, method, path):
    client = RocketChatClient(url, user_id="u1", auth_token="t" * 20, retries=1, timeout=TIMEOUT, sleep=_no_sleep,
                              rate_limit_max_wait=5)
    try:
        # a 429 before any authenticated answer makes the client ask GET /api/v1/me once: not a retry
        return _outcome(lambda: client.request(method, path, body=_body(method), what="test the contract"),
                        lambda: client.stats()["requests"] - (1 if client._probed else 0))
    finally:
        client.session.close()


def matrix(url, method, path):
    client = MatrixClient(url, "token", timeout=TIMEOUT, sleep=_no_sleep,
                          policy=RetryPolicy(attempts=2, base_delay=0, jitter=0))
    return _outcome(lambda: client.request(method, path, body=_body(method)), lambda: client.stats["requests"])


def dns(url, method, path):
    sent = []
    client = JSONClient(url, {}, TIMEOUT, True, RetryPolicy(attempts=2, base_delay=0, jitter=0, sleep=_no_sleep),
                        sent.append, "Test API", "check the token")
    return _outcome(lambda: client.request(method, path, body=_body(method)), lambda: len(sent))


CLIENTS = {"rocketchat": rocketchat, "matrix": matrix, "dns": dns}


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("situation", sorted(SITUATIONS))
@pytest.mark.parametrize("name", sorted(CLIENTS))
def test_same_situation_same_error_class_and_retry_decision(servers, name, situation, method):
    path, failure, get_retried, post_retried = SITUATIONS[situation]
    url = servers["tls" if situation == "tls" else "refused" if situation == "refused" else "plain"]
    error, sent = CLIENTS[name](url, method, path)
    assert isinstance(error, failure), (name, situation, method, type(error), error)
    assert error.kind == failure.kind
    assert (sent > 1) is (get_retried if method == "GET" else post_retried), (name, situation, method, sent)


def test_dns_providers_verify_the_api_against_ca_path(servers):
    """The TLS failure above is cured by the provider option ``ca_path`` (the bundle of the CA that signed it)."""
    provider = PowerDNSProvider({"api_url": servers["tls"], "api_key": "k", "ca_path": servers["ca_path"]},
                                timeout=TIMEOUT, retries=0)
    assert provider.client.request("GET", "/s/200") == (200, {"success": True, "error": "situation 200",
                                                              "errcode": "M_TEST"})
    without = PowerDNSProvider({"api_url": servers["tls"], "api_key": "k"}, timeout=TIMEOUT, retries=0)
    with pytest.raises(contract.TLSFailure, match="give ca_path"):
        without.client.request("GET", "/s/200")


def test_a_ca_path_that_is_no_ca_bundle_fails_naming_the_option(tmp_path):
    bogus = tmp_path / "ca.pem"
    bogus.write_text("not a certificate")
    with pytest.raises(DNSInputError, match="^powerdns.ca_path: .* holds no PEM certificate"):
        PowerDNSProvider({"api_url": "https://127.0.0.1:1", "api_key": "k", "ca_path": str(bogus)})
    with pytest.raises(DNSInputError, match="^cloudflare.ca_path: .* does not exist"):
        CloudflareProvider({"api_token": "t", "ca_path": str(tmp_path / "missing.pem")})


@pytest.mark.parametrize("method,kind,status,refused,expected", [
    ("GET", contract.SERVER_ERROR, 503, False, True),
    ("POST", contract.SERVER_ERROR, 503, False, False),
    ("GET", contract.SERVER_ERROR, 501, False, False),
    ("POST", contract.RATE_LIMITED, 429, False, True),
    ("POST", contract.UNREACHABLE, None, True, True),
    ("POST", contract.UNREACHABLE, None, False, False),
    ("PUT", contract.TIMEOUT, None, False, True),
    ("GET", contract.TLS, None, False, False),
    ("GET", contract.AUTH, 401, False, False),
])
def test_retry_decision(method, kind, status, refused, expected):
    assert contract.retry_decision(method, kind, status=status, refused=refused) is expected


def test_a_caller_may_declare_a_post_idempotent():
    """A settings write (POST of absolute values) is repeated after a lost connection, like a PUT."""
    assert contract.retry_decision("POST", contract.UNREACHABLE, idempotent=True) is True
    assert contract.retry_decision("POST", contract.SERVER_ERROR, status=503, idempotent=True) is True
    assert contract.retry_decision("GET", contract.TIMEOUT, idempotent=False) is False


def test_retry_after_is_read_from_the_header_then_the_matrix_body():
    assert contract.retry_after_seconds({"Retry-After": "7"}) == 7.0
    assert contract.retry_after_seconds({"Retry-After": "Wed, 21 Oct 2015 07:28:10 GMT"},
                                        clock=lambda: 1445412480.0) == 10.0
    assert contract.retry_after_seconds({}, {"retry_after_ms": 1500}) == 1.5
    assert contract.retry_after_seconds({"Retry-After": "soon"}) is None
    assert contract.retry_decision("POST", contract.RATE_LIMITED, retry_after=3.0) == 3.0


def test_kinds_of_status():
    assert [contract.kind_of_status(s) for s in (200, 401, 403, 404, 409, 429, 500)] == [
        None, "auth", "auth", "not_found", "client_error", "rate_limited", "server_error"]
