# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""fedops.rocketchat.federation_probe in-process against two fake homeservers: results, failure, check mode,
argument errors, tokens kept out of the output."""

from __future__ import annotations

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _probe
from ansible_collections.fedops.rocketchat.plugins.modules import federation_probe

from tests.unit.plugins.module_utils._matrix.fake_homeserver import (
    A_URL,
    AS_TOKEN,
    B_URL,
    LOCAL_TOKEN,
    REMOTE_TOKEN,
    FakeFederation,
)
from tests.unit.plugins.modules.utils import run_module, warnings_of


@pytest.fixture
def fed(monkeypatch):
    fake = FakeFederation()
    monkeypatch.setattr(_probe, "requests_transport", lambda: fake)
    return fake


def args(**extra):
    base = {"local": {"homeserver_url": A_URL, "access_token": LOCAL_TOKEN},
            "remote": {"homeserver_url": B_URL, "access_token": REMOTE_TOKEN},
            "timeout": 5, "total_timeout": 60}
    base.update(extra)
    return base


def run(capsys, module_args, check=False):
    return run_module(federation_probe.main, capsys, module_args, check=check)


def assert_no_token(result):
    for token in (LOCAL_TOKEN, REMOTE_TOKEN):
        assert token not in result["_raw"] and token not in result["_err"]


def test_pass_reports_steps_unchanged(capsys, fed):
    result = run(capsys, args())
    assert result["_rc"] == 0, result
    assert result["changed"] is False
    assert result["ok"] is True and result["failed_step"] is None
    assert [s["name"] for s in result["steps"]] == [n for n, _d in _probe.STEPS]
    assert result["verdict"].startswith("federation probe @probe:a.example -> @probe:b.example: OK")
    assert isinstance(result["round_trip_ms"], int) and result["room_id"].startswith("!")
    assert fed.member_anywhere("@probe:a.example") == [] and fed.member_anywhere("@probe:b.example") == []
    assert_no_token(result)


def test_failure_fails_the_task_with_the_verdict_and_still_cleans_up(capsys, fed):
    fed.fault("join", 403, {"errcode": "M_FORBIDDEN", "error": "Server is banned from this room"})
    result = run(capsys, args())
    assert result["_rc"] == 1 and result["failed"] is True
    assert result["changed"] is False
    assert result["failed_step"] == "join"
    assert result["msg"] == result["verdict"] and "federation_domain_whitelist" in result["msg"]
    assert fed.member_anywhere("@probe:a.example") == [] and fed.member_anywhere("@probe:b.example") == []
    assert_no_token(result)


def test_fail_on_error_false_returns_ok_false(capsys, fed):
    fed.fault("invite", 403, {"errcode": "M_FORBIDDEN"})
    result = run(capsys, args(fail_on_error=False))
    assert result["_rc"] == 0 and result["ok"] is False and result["failed_step"] == "invite"


def test_check_mode_sends_nothing(capsys, fed):
    result = run(capsys, args(typing=False), check=True)
    assert result["_rc"] == 0 and result["changed"] is False
    assert fed.requests == [] and fed.rooms == {}
    assert set(s["status"] for s in result["steps"]) == {"planned"}
    assert "typing" not in [s["name"] for s in result["steps"]]
    assert result["ok"] is None
    assert_no_token(result)


@pytest.mark.parametrize("bad,words", [
    ({"local": {"homeserver_url": A_URL, "access_token": LOCAL_TOKEN, "as_token": "as-token-value"}},
     "local needs exactly one of access_token and as_token"),
    ({"remote": {"homeserver_url": B_URL, "as_token": "as-token-value"}}, "remote.as_token acts as"),
    ({"remote": {"homeserver_url": "b.example", "access_token": REMOTE_TOKEN}}, "remote.homeserver_url"),
    ({"timeout": 0}, "timeout must be a positive number"),
    ({"total_timeout": -1}, "total_timeout must be a positive number"),
])
def test_bad_arguments_fail_before_any_request(capsys, fed, bad, words):
    result = run(capsys, args(**bad))
    assert result["_rc"] == 1 and words in result["msg"], result["msg"]
    assert fed.requests == []
    assert "Traceback" not in result["_raw"]
    assert_no_token(result)


def test_tokens_are_no_log(capsys, fed):
    fed.fault("whoami", 401, {"errcode": "M_UNKNOWN_TOKEN", "error": "Invalid access token passed."})
    result = run(capsys, args())
    assert result["_rc"] == 1 and result["failed_step"] == "accounts"
    assert "token" in result["steps"][0]["hint"]
    assert_no_token(result)


BRIDGE_LOCAL = {"homeserver_url": A_URL, "as_token": AS_TOKEN, "user_id": "@rc_probe:a.example"}


def test_bridge_account_fails_on_rocket_chat_s_media_path_by_default(capsys, fed):
    result = run(capsys, args(local=BRIDGE_LOCAL, typing=False, reaction=False))
    assert result["_rc"] == 1 and result["failed_step"] == "media", result
    assert "FAILED at media" in result["msg"] and "synapse_enable_authenticated_media" in result["msg"]
    assert AS_TOKEN not in result["_raw"]


def test_bridge_media_warn_warns_and_passes(capsys, fed):
    result = run(capsys, args(local=BRIDGE_LOCAL, typing=False, reaction=False, bridge_media="warn"))
    assert result["_rc"] == 0 and result["ok"] is True, result
    assert "enable_authenticated_media: false on a.example" in warnings_of(result)
