# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""fedops.rocketchat.federation_check in-process: argument handling, verdict and fail_on_error (checks faked), and
the real checks against loopback servers (check mode, secrets never in the output)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _dnsclient, _keys
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check import _orchestrate, _report
from ansible_collections.fedops.rocketchat.plugins.modules import federation_check

from tests.support.pki import TestCA
from tests.support.procs import free_port
from tests.support.wellknown import FrontServer
from tests.unit.plugins.module_utils._matrix._check.fakes import key_doc
from tests.unit.plugins.modules.utils import run_module


def run(capsys, args, check=False):
    return run_module(federation_check.main, capsys, args, check=check)


def fake_result(failed=False):
    checks = [_report.record("server_name", "pass", "example.org")]
    if failed:
        checks.append(_report.record("tls_certificate", "fail", "certificate is for a, not b", "issue a cert for b",
                                     "192.0.2.1:8448"))
    ok, failed_recs, _warned = _report.verdict(checks)
    return {"federation_ok": ok, "checks": checks, "failed_checks": sorted(r["name"] for r in failed_recs),
            "warning_checks": [], "report": "r", "report_lines": ["r"], "stats": {}}


class _EchoHandler(BaseHTTPRequestHandler):
    """Answers every request 403/401 with the credentials it got in the error text (a hostile echo)."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        creds = "%s %s" % (self.headers.get("Authorization"), self.headers.get("X-Auth-Token"))
        self.server.seen.append(creds)
        status = 403 if self.path.startswith("/_matrix") else 401
        body = json.dumps({"errcode": "M_FORBIDDEN", "error": "refused %s" % creds}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = _answer  # noqa: N815


@pytest.fixture(scope="module")
def echo_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoHandler)
    server.daemon_threads = True
    server.seen = []
    server.url = "http://127.0.0.1:%d" % server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def tls_homeserver(tmp_path_factory):
    """A loopback homeserver with a certificate for 127.0.0.1 from a test CA, serving a signed key response."""
    ca = TestCA(str(tmp_path_factory.mktemp("hs-pki")))
    front = FrontServer("127.0.0.1", 0, ca.issue("hs", ["127.0.0.1"])).start()
    server_name = "127.0.0.1:%d" % front.port
    doc = key_doc(server=server_name, vut=int(time.time() * 1000) + 86400 * 1000)
    front.set_routes({"/_matrix/federation/v1/version": (200, {"server": {"name": "Synapse", "version": "1.0"}}),
                      "/_matrix/key/v2/server": (200, doc)})
    try:
        yield ca, front, server_name
    finally:
        front.stop()


@pytest.fixture
def fake_checks(monkeypatch):
    calls = []

    def fake(options, **kwargs):
        calls.append(options)
        return fake_result(failed=options.get("server_name") == "bad.example.org")

    monkeypatch.setattr(_orchestrate, "run_checks", fake)
    return calls


def test_success_is_never_changed_and_runs_in_check_mode(capsys, tls_homeserver):
    """The real checks in check mode against a loopback homeserver with a valid certificate and signed keys."""
    ca, homeserver, server_name = tls_homeserver
    before = len(homeserver.hits)
    result = run(capsys, {"server_name": server_name, "ca_path": ca.cert_path, "timeout": 5}, check=True)
    assert result["_rc"] == 0 and result["changed"] is False and result["federation_ok"] is True, result.get("report")
    assert set(c["status"] for c in result["checks"]) == {"pass", "skip"}
    passed = set(c["name"] for c in result["checks"] if c["status"] == "pass")
    assert passed >= {"connection", "tls_certificate", "federation_version", "key_response", "key_signatures"}
    assert result["server_name"] == server_name and result["version"] == {"name": "Synapse", "version": "1.0"}
    # only reads were sent
    assert [h[0] for h in homeserver.hits[before:]] == ["GET", "GET"]


def test_failure_fails_with_the_first_problem_and_fix(capsys, fake_checks):
    result = run(capsys, {"server_name": "bad.example.org"})
    assert result["_rc"] == 1 and result["failed"] is True and result["changed"] is False
    assert result["msg"] == ("federation check failed: tls_certificate. First: tls_certificate [192.0.2.1:8448]: "
                             "certificate is for a, not b. Fix: issue a cert for b")
    assert result["failed_checks"] == ["tls_certificate"] and result["checks"][1]["status"] == "fail"


def test_fail_on_error_false_reports_the_verdict(capsys, fake_checks):
    result = run(capsys, {"server_name": "bad.example.org", "fail_on_error": False})
    assert result["_rc"] == 0 and result["federation_ok"] is False and "failed" not in result


def test_expected_key_from_result_dict_and_file(capsys, fake_checks, tmp_path):
    key = _keys.generate_signing_key(version="a_Test")
    run(capsys, {"server_name": "example.org", "expected_signing_key": {"key_id": key.key_id,
                                                                        "public_key": key.public_key_b64}})
    assert fake_checks[-1]["_expected_keys"] == [(key.key_id, key.public_key_b64)]
    path = tmp_path / "hs.signing.key"
    other = _keys.generate_signing_key(version="a_Old")
    path.write_text(_keys.serialize_signing_keys([key, other]))
    result = run(capsys, {"server_name": "example.org", "signing_key_path": str(path)})
    assert fake_checks[-1]["_expected_keys"] == [(key.key_id, key.public_key_b64), (other.key_id,
                                                                                    other.public_key_b64)]
    seed_text = _keys.serialize_signing_keys([key]).split()[2]
    assert seed_text not in result["_raw"]


@pytest.mark.parametrize("args, fragment", [
    ({}, "one of the following is required: server_name, rocketchat"),
    ({"server_name": "example.org:99999"}, "server_name 'example.org:99999'"),
    ({"server_name": "example.org", "nameservers": ["10.0.0.1", "dns.example.org"]}, "nameservers: entry"),
    ({"server_name": "example.org", "resolve": {"example.org": "host"}}, "resolve: override for"),
    ({"server_name": "example.org", "expected_signing_key": "ed25519 a b"}, "expected_signing_key:"),
    ({"server_name": "example.org", "expected_signing_key": "x", "signing_key_path": "/x"}, "mutually exclusive"),
    ({"server_name": "example.org", "signing_key_path": "/nonexistent/key"}, "signing_key_path: cannot read"),
    ({"server_name": "example.org", "timeout": 0}, "timeout must be a positive"),
    ({"server_name": "example.org", "appservice": {"id": "x", "as_token": "token-123456", "homeserver_url": "matrix.org"}},
     "appservice.homeserver_url must start with https://"),
    ({"rocketchat": {"domain": "c.example.com", "url": "https://c.example.com"}}, "rocketchat.user_id"),
    ({"server_name": "example.org", "appservice": {"id": "x"}}, "as_token"),
    ({"server_name": "example.org", "peer_families": []}, "peer_families: name at least one"),
    ({"server_name": "example.org", "peer_families": ["synapse"]}, "peer_families"),
    ({"server_name": "example.org", "appservice": {"id": "x", "as_token": "token-as-1", "hs_token": "token-hs-1"}},
     "parameters are required together: hs_token, url"),
    ({"server_name": "example.org", "appservice": {"id": "x", "as_token": "token-as-1", "hs_token": "token-hs-1", "url": "rc:3300"}},
     "appservice.url must start with https:// or http://, got 'rc:3300'"),
])
def test_bad_input(capsys, fake_checks, args, fragment):
    result = run(capsys, args)
    assert result["_rc"] == 1 and fragment in result["msg"]
    assert fake_checks == []


@pytest.mark.parametrize("content, fragment", [
    (None, "does not exist"),
    ("dir", "is a directory"),
    (b"just text\n", "holds no PEM certificate"),
    (b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "is not a usable PEM bundle"),
])
def test_bad_ca_path_is_refused_before_any_check(capsys, fake_checks, tmp_path, content, fragment):
    """Without TLS in play (legacy check over http) as with it: the option and the value are named up front."""
    path = tmp_path / "ca.pem"
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    for args in ({"server_name": "example.org"}, {"rocketchat": {"domain": "c.example.com", "public_key": "k"}}):
        result = run(capsys, dict(args, ca_path=str(path)))
        assert result["_rc"] == 1 and result["msg"].startswith("ca_path: '%s' " % path) and fragment in result["msg"]
        assert "Errno" not in result["msg"]
    assert fake_checks == []


def test_good_ca_path_is_accepted(capsys, fake_checks, tls_homeserver):
    ca = tls_homeserver[0]
    result = run(capsys, {"server_name": "example.org", "ca_path": ca.cert_path})
    assert result["_rc"] == 0 and fake_checks[0]["ca_path"] == ca.cert_path


def test_bad_key_file(capsys, fake_checks, tmp_path):
    path = tmp_path / "k"
    path.write_text("ed25519 a_x notbase64!\n")
    result = run(capsys, {"server_name": "example.org", "signing_key_path": str(path)})
    assert result["_rc"] == 1 and "is not a Synapse signing key file" in result["msg"]


def test_missing_dnspython(capsys, fake_checks, monkeypatch):
    monkeypatch.setattr(_dnsclient, "HAS_DNSPYTHON", False)
    monkeypatch.setattr(_dnsclient, "DNSPYTHON_IMPORT_ERROR", "Traceback: no dns")
    result = run(capsys, {"server_name": "example.org"})
    assert result["_rc"] == 1 and "dnspython" in result["msg"] and "Failed to import" in result["msg"]


def test_secrets_are_not_logged_by_the_real_checks(capsys, echo_server, tls_homeserver):
    """The real checks send the tokens (the server saw them) and echo them back in error details; the module's
    output never carries them."""
    ca, homeserver, server_name = tls_homeserver
    result = run(capsys, {"server_name": server_name, "ca_path": ca.cert_path, "timeout": 2,
                          "nameservers": ["127.0.0.1:%d" % free_port()], "fail_on_error": False,
                          "appservice": {"id": "x", "as_token": "very-secret-as-token",
                                         "homeserver_url": echo_server.url},
                          "rocketchat": {"domain": "c.example.com", "url": echo_server.url, "user_id": "u",
                                         "auth_token": "very-secret-auth-token"}})
    assert result["_rc"] == 0 and result["federation_ok"] is False
    seen = " ".join(str(h) for h in echo_server.seen)
    assert "Bearer very-secret-as-token" in seen and "very-secret-auth-token" in seen
    ping = [c for c in result["checks"] if c["name"] == "appservice_ping"][0]
    assert ping["status"] == "fail" and "HTTP 403" in ping["detail"]
    assert "very-secret-as-token" not in result["_raw"] and "very-secret-auth-token" not in result["_raw"]
    assert "very-secret" not in result["_err"]


def test_unexpected_error_is_reported_not_raised(capsys, monkeypatch):
    def boom(options, **kwargs):
        raise RuntimeError("resolver exploded")

    monkeypatch.setattr(_orchestrate, "run_checks", boom)
    result = run(capsys, {"server_name": "example.org"})
    assert result["_rc"] == 1 and result["msg"] == "federation check could not run: resolver exploded"
