# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The JSON-over-HTTP client of the HTTP DNS providers, on a fake open_url: retries, error mapping."""

from __future__ import annotations

import io
import json
from urllib.error import HTTPError, URLError

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._dns import _http
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._errors import DNSAuthError, DNSNetworkError
from ansible_collections.fedops.rocketchat.plugins.module_utils._retry import RetryPolicy

BASE = "https://dns.example.com/api/v1/"


class Response(object):
    def __init__(self, status, body):
        self.status = status
        self.raw = json.dumps(body).encode() if body is not None else b""

    def read(self):
        return self.raw

    def getcode(self):
        return self.status


def http_error(code, body=None, headers=None):
    raw = json.dumps(body).encode() if body is not None else b""
    return HTTPError(BASE, code, "status %d" % code, headers or {}, io.BytesIO(raw))


@pytest.fixture
def transport(monkeypatch):
    """answers: a list of Response or exceptions served in order; calls: (method, url, data, headers)."""
    state = {"answers": [], "calls": []}

    def fake_open_url(url, method=None, data=None, headers=None, **kwargs):
        state["calls"].append((method, url, data, headers, kwargs))
        answer = state["answers"].pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(_http, "open_url", fake_open_url)
    return state


def make_client(retries=2):
    sleeps = []
    counted = []
    policy = RetryPolicy(retries=retries, jitter=0, sleep=sleeps.append)
    client = _http.JSONClient(BASE, {"X-API-Key": "k"}, 5, True, policy, counted.append, "PowerDNS",
                              "check api_key")
    return client, sleeps, counted


def test_success_parses_json_and_sends_the_body(transport):
    transport["answers"] = [Response(200, {"ok": 1})]
    client, sleeps, counted = make_client()
    assert client.request("PATCH", "/zones/x", query={"a": "b c"}, body={"rrsets": []}) == (200, {"ok": 1})
    method, url, data, headers, kwargs = transport["calls"][0]
    assert url == "https://dns.example.com/api/v1/zones/x?a=b+c"
    assert json.loads(data) == {"rrsets": []}
    assert headers["Content-Type"] == "application/json" and headers["X-API-Key"] == "k"
    assert kwargs["validate_certs"] is True
    assert counted == ["PATCH"] and sleeps == []


def test_empty_body_is_none(transport):
    transport["answers"] = [Response(204, None)]
    assert make_client()[0].request("DELETE", "/zones/x") == (204, None)


def test_server_errors_on_idempotent_calls_are_retried_with_backoff(transport):
    transport["answers"] = [http_error(503), http_error(502), Response(200, {})]
    client, sleeps, counted = make_client(retries=2)
    assert client.request("GET", "/zones") == (200, {})
    assert counted == ["GET"] * 3
    assert sleeps == [0.5, 1.0]


def test_retry_after_is_honoured(transport):
    transport["answers"] = [http_error(429, headers={"Retry-After": "3"}), Response(200, {})]
    client, sleeps, dummy = make_client()
    client.request("POST", "/zones")
    assert sleeps == [3.0]


def test_post_is_not_repeated_on_a_server_error(transport):
    transport["answers"] = [http_error(500, {"error": "boom"})]
    client, sleeps, counted = make_client()
    with pytest.raises(_http.HTTPResponseError) as info:
        client.request("POST", "/zones/x")
    assert counted == ["POST"] and sleeps == []
    assert info.value.status == 500
    assert info.value.msg == "PowerDNS answered HTTP 500 to POST /zones/x: boom"


def test_exhausted_retries_say_how_many_attempts(transport):
    body = {"errors": [{"message": "busy", "code": 10000}]}
    transport["answers"] = [http_error(503, body), http_error(503, body)]
    client = make_client(retries=1)[0]
    with pytest.raises(_http.HTTPResponseError, match=r"HTTP 503 to GET /zones after 2 attempts: busy \(code 10000\)"):
        client.request("GET", "/zones", query={"q": 1})


def test_auth_errors_fail_at_once_with_the_hint(transport):
    transport["answers"] = [http_error(401, {"error": "Unauthorized"})]
    client, sleeps, counted = make_client()
    with pytest.raises(DNSAuthError, match="PowerDNS rejected the credentials .*HTTP 401 on GET /zones.*check api_key"):
        client.request("GET", "/zones")
    assert counted == ["GET"]


def test_unreachable_server_after_retries(transport):
    transport["answers"] = [URLError(ConnectionRefusedError("refused"))] * 3
    client, sleeps, counted = make_client(retries=2)
    with pytest.raises(DNSNetworkError, match="unreachable after 3 attempt"):
        client.request("POST", "/zones")
    assert len(counted) == 3


def test_a_post_that_may_have_reached_the_server_is_not_repeated(transport):
    transport["answers"] = [URLError("timed out")]
    client, sleeps, counted = make_client()
    with pytest.raises(DNSNetworkError, match="is unreachable: timed out"):
        client.request("POST", "/zones")
    assert counted == ["POST"]


def test_describe():
    assert _http.JSONClient.describe({"error": "no such zone"}) == "no such zone"
    assert _http.JSONClient.describe({"errors": ["a", {"message": "b", "code": 7}]}) == "a; b (code 7)"
    assert _http.JSONClient.describe({"success": False}) is None
    assert _http.JSONClient.describe("text") is None
