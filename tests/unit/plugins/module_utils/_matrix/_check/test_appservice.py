# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The appservice ping through the homeserver (fake HTTP client), and the transaction probe against local bridges
that authenticate the way matrix-appservice 0.10.0 does (query string only) or the way the spec asks (header)."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check import _appservice as appservice
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _https as h
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check import _orchestrate as orch

from tests.unit.plugins.module_utils._matrix._check.fakes import Resp, ctx_with


@pytest.mark.parametrize("status, body, result, hint", [
    (200, {"duration_ms": 12}, "pass", None),
    (403, {"errcode": "M_FORBIDDEN"}, "fail", "as_token"),
    (401, {"errcode": "M_UNKNOWN_TOKEN"}, "fail", "app_service_config_files"),
    (400, {"errcode": "M_URL_NOT_SET"}, "fail", "url: null"),
    (502, {"errcode": "M_BAD_STATUS", "status": 403, "body": "{}"}, "fail", "hs_token"),
    (502, {"errcode": "M_BAD_STATUS", "status": 500}, "fail", "bridge's log"),
    (502, {"errcode": "M_CONNECTION_FAILED"}, "fail", "cannot reach the bridge"),
    (504, {"errcode": "M_CONNECTION_TIMEOUT"}, "fail", "in time"),
    (404, {"errcode": "M_UNRECOGNIZED"}, "fail", "1.84"),
])
def test_appservice_ping_outcomes(status, body, result, hint):
    ctx = ctx_with(Resp(status, body))
    rec = appservice.check_appservice(ctx, "https://matrix.example.org/")
    assert rec["status"] == result
    if hint:
        assert hint in rec["hint"]
    method, url, headers, sent = ctx.http.calls[0]
    assert method == "POST" and url == "https://matrix.example.org/_matrix/client/v1/appservice/rc%7C1/ping"
    assert headers == {"Authorization": "Bearer secret-as"} and sent["transaction_id"] == "fedops-check-1000000"
    assert "secret-as" not in json.dumps(rec)


def test_appservice_ping_connection_error():
    rec = appservice.check_appservice(ctx_with(h.HttpError("refused", "connection refused")), "https://m.example.org")
    assert rec["status"] == "fail" and "connection refused" in rec["detail"]


# ---- transaction probe against local bridges ------------------------------------------------------------------

HS_TOKEN = "hs-token-0123456789abcdef"


class _BridgeHandler(BaseHTTPRequestHandler):
    """A bridge's transaction endpoint. ``auth``: ``query`` accepts only ``?access_token=`` (matrix-appservice
    0.10.0, isInvalidToken), ``header`` accepts only ``Authorization: Bearer`` (the spec since v1.4); ``status``
    forces an answer."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_PUT(self):  # noqa: N802
        bridge = self.server.bridge
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        bridge["seen"].append({"path": parts.path, "query": query, "authorization": self.headers.get("Authorization"),
                               "content_type": self.headers.get("Content-Type"), "body": json.loads(body or b"null")})
        if bridge.get("status"):
            return self._send(bridge["status"], {"errcode": "M_UNKNOWN"})
        if not parts.path.startswith("/_matrix/app/v1/transactions/"):
            return self._send(404, {"errcode": "M_UNRECOGNIZED"})
        if bridge["auth"] == "query":
            ok = query.get("access_token") == [bridge["token"]]
        else:
            ok = self.headers.get("Authorization") == "Bearer %s" % bridge["token"]
        if not ok:
            return self._send(403, {"errcode": "M_FORBIDDEN", "error": "Bad token supplied,"})
        return self._send(200, {})

    def _send(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def bridge_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _BridgeHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def bridge(bridge_server):
    bridge_server.bridge = {"auth": "query", "token": HS_TOKEN, "seen": [], "status": None}
    bridge_server.bridge["url"] = "http://127.0.0.1:%d" % bridge_server.server_address[1]
    return bridge_server.bridge


def probe(url, token=HS_TOKEN, legacy=False):
    opts = {"server_name": "example.org",
            "appservice": {"id": "rc", "as_token": "a", "hs_token": token, "url": url,
                           "legacy_authorization": legacy}}
    ctx = orch.CheckContext(opts, None, h.HttpsClient(timeout=5), None, now=1234.5)
    return appservice.check_appservice_transaction(ctx)


def test_header_only_transaction_refused_by_a_query_only_bridge_names_the_synapse_option(bridge):
    rec = probe(bridge["url"])
    assert rec["status"] == "fail" and rec["name"] == "appservice_transaction" and rec["target"] == "rc"
    assert "use_appservice_legacy_authorization: true" in rec["hint"] and "homeserver.yaml" in rec["hint"]
    assert "HTTP 403 M_FORBIDDEN" in rec["detail"] and "matrix-appservice 0.10.0" in rec["detail"]
    first, second = bridge["seen"]
    # sent exactly as Synapse >= 1.90 sends it without legacy authorization: header only, empty events
    assert first["path"] == "/_matrix/app/v1/transactions/fedops-check-1234500000"
    assert first["query"] == {} and first["authorization"] == "Bearer %s" % HS_TOKEN
    assert first["body"] == {"events": []} and first["content_type"] == "application/json"
    # then once more the legacy way, to tell the two faults apart
    assert second["query"] == {"access_token": [HS_TOKEN]} and second["path"] != first["path"]
    assert rec["data"]["status"] == 403 and rec["data"]["legacy_status"] == 200
    assert HS_TOKEN not in json.dumps(rec)


def test_legacy_authorization_is_accepted_by_a_query_only_bridge(bridge):
    rec = probe(bridge["url"], legacy=True)
    assert rec["status"] == "pass" and "legacy authorization" in rec["detail"]
    (seen,) = bridge["seen"]
    assert seen["query"] == {"access_token": [HS_TOKEN]} and seen["authorization"] == "Bearer %s" % HS_TOKEN
    assert HS_TOKEN not in json.dumps(rec)


def test_header_bridge_accepts_the_header_only_transaction(bridge):
    bridge["auth"] = "header"
    rec = probe(bridge["url"] + "/")
    assert rec["status"] == "pass" and "Authorization header only" in rec["detail"]
    assert len(bridge["seen"]) == 1 and bridge["seen"][0]["path"].startswith("/_matrix/app/v1/transactions/")


@pytest.mark.parametrize("legacy", [False, True])
def test_wrong_hs_token_is_named_when_the_legacy_probe_fails_too(bridge, legacy):
    rec = probe(bridge["url"], token="not-the-bridge-token", legacy=legacy)
    assert rec["status"] == "fail" and "hs_token differs" in rec["hint"]
    assert "use_appservice_legacy_authorization" not in rec["hint"]
    assert len(bridge["seen"]) == (1 if legacy else 2)


@pytest.mark.parametrize("status, fragment", [(404, "base URL"), (500, "bridge's log")])
def test_other_answers(bridge, status, fragment):
    bridge["status"] = status
    rec = probe(bridge["url"])
    assert rec["status"] == "fail" and fragment in rec["hint"] and "HTTP %d" % status in rec["detail"]


def test_no_bridge_listening():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    rec = probe("http://127.0.0.1:%d" % port)
    assert rec["status"] == "fail" and "connection refused" in rec["detail"]
    assert "Federation_Matrix_bridge_url" in rec["hint"]


def test_localhost_bridge_url_is_loopback_whatever_the_nameservers(bridge):
    bridge["auth"] = "header"
    rec = probe(bridge["url"].replace("127.0.0.1", "localhost"))
    assert rec["status"] == "pass"
