# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The appservice ping through the homeserver, with a fake HTTP client."""

from __future__ import annotations

import json

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check import _appservice as appservice
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _https as h

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
