# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Matrix client-server API client: retries, auth failures, identity assertion, media fallback (fake transport)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._client import (
    MatrixClient,
    MatrixError,
    TransportError,
    unrecognized_endpoint,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._retry import RetryPolicy


class Scripted(object):
    """Answers from a list, one per request: (status, body dict) or an exception to raise."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = []

    def __call__(self, method, url, headers, body, timeout, verify):
        self.calls.append({"method": method, "url": url, "headers": headers, "body": body, "timeout": timeout,
                           "verify": verify})
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, data = answer
        return status, {}, data if isinstance(data, bytes) else json.dumps(data).encode("utf-8")


def client(answers, **kwargs):
    transport = Scripted(answers)
    sleeps = []
    kwargs.setdefault("policy", RetryPolicy(attempts=4, base_delay=0.5, factor=2.0, max_delay=4.0, jitter=0))
    c = MatrixClient("https://hs.example/", "secret-token", transport=transport, sleep=sleeps.append, **kwargs)
    return c, transport, sleeps


def test_connection_errors_are_retried_with_backoff_then_succeed():
    c, transport, sleeps = client([TransportError("refused"), TransportError("reset"), (200, {"user_id": "@a:x"})])
    assert c.whoami() == {"user_id": "@a:x"}
    assert len(transport.calls) == 3
    assert sleeps == [0.5, 1.0]
    assert c.stats == {"requests": 3, "retries": 2, "rate_limited": 0}


def test_retries_are_bounded():
    c, transport, sleeps = client([TransportError("refused")] * 10)
    with pytest.raises(MatrixError) as info:
        c.whoami()
    assert len(transport.calls) == 4
    assert len(sleeps) == 3
    assert info.value.status is None and "refused" in str(info.value)


def test_429_waits_retry_after_ms():
    c, transport, sleeps = client([(429, {"errcode": "M_LIMIT_EXCEEDED", "retry_after_ms": 1500}),
                                   (200, {"joined_rooms": ["!r:x"]})])
    assert c.joined_rooms() == ["!r:x"]
    assert sleeps == [1.5]
    assert c.stats["rate_limited"] == 1


def test_429_wait_is_capped_by_the_policy():
    c, _transport, sleeps = client([(429, {"errcode": "M_LIMIT_EXCEEDED", "retry_after_ms": 600000}), (200, {})])
    c.whoami()
    assert sleeps == [4.0]


@pytest.mark.parametrize("status,errcode", [(401, "M_UNKNOWN_TOKEN"), (403, "M_FORBIDDEN"), (400, "M_BAD_JSON"),
                                            (404, "M_NOT_FOUND")])
def test_client_errors_fail_at_once(status, errcode):
    c, transport, sleeps = client([(status, {"errcode": errcode, "error": "nope"})] * 4)
    with pytest.raises(MatrixError) as info:
        c.whoami()
    assert len(transport.calls) == 1 and sleeps == []
    assert info.value.status == status and info.value.errcode == errcode
    assert info.value.auth is (status in (401, 403))


def test_tls_errors_are_not_retried():
    c, transport, _sleeps = client([TransportError("TLS error: certificate verify failed", tls=True)] * 4)
    with pytest.raises(MatrixError) as info:
        c.whoami()
    assert len(transport.calls) == 1 and info.value.tls


def test_deadline_stops_retries_early():
    now = [100.0]
    c, transport, _sleeps = client([TransportError("refused")] * 4, clock=lambda: now[0])
    with pytest.raises(MatrixError):
        c.whoami(deadline=100.2)  # the first backoff (0.5 s) would pass the deadline
    assert len(transport.calls) == 1


def test_token_in_header_never_in_url_and_tls_verified_by_default():
    c, transport, _sleeps = client([(200, {"user_id": "@a:x"})])
    c.whoami()
    call = transport.calls[0]
    assert call["headers"]["Authorization"] == "Bearer secret-token"
    assert "secret-token" not in call["url"]
    assert call["verify"] is True
    assert call["url"] == "https://hs.example/_matrix/client/v3/account/whoami"


def test_application_service_asserts_the_user_on_every_request():
    c, transport, _sleeps = client([(200, {}), (200, {"room_id": "!r:x"})], user_id="@rc_bob:x", assert_user=True)
    c.whoami()
    c.join("!r:x", via=["a.example", "b.example"])
    for call in transport.calls:
        query = parse_qs(urlsplit(call["url"]).query)
        assert query["user_id"] == ["@rc_bob:x"]
    assert parse_qs(urlsplit(transport.calls[1]["url"]).query)["server_name"] == ["a.example", "b.example"]
    assert "%21r%3Ax" in transport.calls[1]["url"]


def test_a_client_without_a_token_sends_no_authorization():
    transport = Scripted([(200, b"bytes")])
    c = MatrixClient("https://hs.example", None, transport=transport)
    assert c.request("GET", "/_matrix/media/r0/download/b.example/m1")[2] == b"bytes"
    assert "Authorization" not in transport.calls[0]["headers"]


def test_user_id_is_not_sent_without_assertion():
    c, transport, _sleeps = client([(200, {})], user_id="@a:x")
    c.whoami()
    assert "user_id" not in transport.calls[0]["url"]


def test_sync_http_timeout_outlasts_the_long_poll():
    c, transport, _sleeps = client([(200, {"next_batch": "s2"})], timeout=5)
    c.sync(since="s1", timeout_ms=20000, filter_json={"room": {"rooms": []}})
    call = transport.calls[0]
    assert call["timeout"] > 20
    query = parse_qs(urlsplit(call["url"]).query)
    assert query["since"] == ["s1"] and query["timeout"] == ["20000"]
    assert json.loads(query["filter"][0]) == {"room": {"rooms": []}}


def test_send_puts_with_transaction_id_and_returns_event_id():
    c, transport, _sleeps = client([(200, {"event_id": "$e"})])
    assert c.send("!r:x", "m.room.message", {"body": "hi"}, "txn1") == "$e"
    assert transport.calls[0]["method"] == "PUT"
    assert transport.calls[0]["url"].endswith("/rooms/%21r%3Ax/send/m.room.message/txn1")


def test_download_falls_back_to_the_legacy_endpoint_on_older_servers():
    c, transport, _sleeps = client([(404, {"errcode": "M_UNRECOGNIZED", "error": "Unrecognized request"}),
                                    (200, b"bytes")])
    assert c.download("a.example", "m1") == (b"bytes", "media/v3")
    assert "/_matrix/client/v1/media/download/a.example/m1" in transport.calls[0]["url"]
    assert "/_matrix/media/v3/download/a.example/m1" in transport.calls[1]["url"]


def test_download_does_not_fall_back_when_the_media_is_missing():
    c, transport, _sleeps = client([(404, {"errcode": "M_NOT_FOUND", "error": "Remote media not found"})])
    with pytest.raises(MatrixError) as info:
        c.download("a.example", "m1")
    assert info.value.status == 404 and len(transport.calls) == 1


def test_upload_sends_raw_bytes_with_content_type():
    c, transport, _sleeps = client([(200, {"content_uri": "mxc://a.example/m1"})])
    assert c.upload(b"\x00\x01", "application/octet-stream", "f.bin") == "mxc://a.example/m1"
    call = transport.calls[0]
    assert call["body"] == b"\x00\x01" and call["headers"]["Content-Type"] == "application/octet-stream"
    assert "filename=f.bin" in call["url"]


def test_unrecognized_endpoint():
    assert unrecognized_endpoint(MatrixError("GET", "/p", 404, "M_UNRECOGNIZED"))
    assert unrecognized_endpoint(MatrixError("GET", "/p", 405))
    assert not unrecognized_endpoint(MatrixError("GET", "/p", 404, "M_NOT_FOUND"))
    assert not unrecognized_endpoint(MatrixError("GET", "/p", 502))


def test_bad_base_url_is_refused():
    with pytest.raises(ValueError, match="homeserver_url"):
        MatrixClient("matrix.example.org", "t")


def test_non_json_answer_is_an_error():
    c, _transport, _sleeps = client([(200, b"<html>")])
    with pytest.raises(MatrixError, match="not JSON"):
        c.whoami()
