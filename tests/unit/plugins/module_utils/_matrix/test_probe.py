# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The federation probe against two fake homeservers: step order, failure at each step, hints, cleanup, timeouts."""

from __future__ import annotations

import json

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _probe
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._client import MatrixClient, MatrixError
from ansible_collections.fedops.rocketchat.plugins.module_utils._retry import RetryPolicy

from tests.unit.plugins.module_utils._matrix.fake_homeserver import (
    A_URL,
    AS_TOKEN,
    B_URL,
    LOCAL_TOKEN,
    REMOTE_TOKEN,
    FakeFederation,
)

LOCAL = "@probe:a.example"
REMOTE = "@probe:b.example"
ALL_STEPS = ["accounts", "create_room", "invite", "invite_received", "join", "message_to_remote",
             "message_to_local", "typing", "reaction", "media", "cleanup"]


def make_client(fed, url, token, **kwargs):
    return MatrixClient(url, token, transport=fed, sleep=fed.clock.sleep, clock=fed.clock, timeout=10,
                        policy=RetryPolicy(attempts=3, base_delay=0.1, jitter=0), **kwargs)


def probe(fed, local_token=LOCAL_TOKEN, local_user=None, **options):
    options.setdefault("timeout", 20)
    options.setdefault("total_timeout", 300)
    local = make_client(fed, A_URL, local_token, user_id=local_user, assert_user=bool(local_user))
    remote = make_client(fed, B_URL, REMOTE_TOKEN)
    return _probe.run_probe(local, remote, clock=fed.clock, **options)


def statuses(result):
    return [(s["name"], s["status"]) for s in result["steps"]]


def assert_nothing_left(fed, users=(LOCAL, REMOTE)):
    for user in users:
        assert fed.member_anywhere(user) == [], "%s still in %s" % (user, fed.member_anywhere(user))


def test_pass_runs_every_step_in_order_and_leaves_nothing_behind():
    fed = FakeFederation()
    result = probe(fed)
    assert statuses(result) == [(name, "pass") for name in ALL_STEPS]
    assert result["ok"] is True and result["failed_step"] is None
    assert result["local_user"] == LOCAL and result["remote_user"] == REMOTE
    assert result["room_id"] in fed.rooms
    assert_nothing_left(fed)
    assert fed.forgotten == {LOCAL: {result["room_id"]}, REMOTE: {result["room_id"]}}
    assert result["verdict"].startswith("federation probe %s -> %s: OK" % (LOCAL, REMOTE))
    steps = dict((s["name"], s) for s in result["steps"])
    assert result["round_trip_ms"] == steps["message_to_remote"]["duration_ms"] + steps["message_to_local"]["duration_ms"]
    assert all(s["hint"] == "" for s in result["steps"])
    # the room is private and the remote joined through the local server
    room = fed.rooms[result["room_id"]]
    assert room["content"]["preset"] == "private_chat" and room["via"] == ["a.example"]
    # the reaction annotates the local message
    assert steps["reaction"]["detail"].endswith(result["event_ids"]["message_to_remote"])


def test_request_order_matches_the_steps():
    fed = FakeFederation()
    probe(fed, typing=False, reaction=False, media=False)
    paths = [(r["method"], r["url"].split("?")[0].split("/_matrix/")[1].split("/!")[0]) for r in fed.requests
             if "/sync" not in r["url"]]
    names = [p[1].split("/")[-1] if "rooms" not in p[1] else p[1] for p in paths]
    assert [p[0] for p in paths] == ["GET", "GET", "POST", "POST", "POST", "PUT", "PUT", "POST", "POST", "POST",
                                     "POST"]
    assert names[:3] == ["whoami", "whoami", "createRoom"]


def test_optional_steps_can_be_left_out():
    fed = FakeFederation()
    result = probe(fed, typing=False, reaction=False, media=False)
    assert [s["name"] for s in result["steps"]] == ["accounts", "create_room", "invite", "invite_received", "join",
                                                    "message_to_remote", "message_to_local", "cleanup"]
    assert result["ok"] is True
    assert not any("/typing/" in r["url"] or "/upload" in r["url"] for r in fed.requests)


# step -> (how to break it, words the hint must contain, who must leave)
FAILURES = {
    "accounts": (lambda f: f.fault("whoami", 401, {"errcode": "M_UNKNOWN_TOKEN"}), ["token"], False),
    "create_room": (lambda f: f.fault("create_room", 500, {"errcode": "M_UNKNOWN"}), ["create a room"], False),
    "invite": (lambda f: f.fault("invite", 403, {"errcode": "M_FORBIDDEN", "error": "Federation denied"}),
               ["federation_domain_whitelist", "b.example"], True),
    "invite_received": (lambda f: f.drop.add("invite"),
                        ["invite never arrived", "federation_check", "a.example and b.example"], True),
    "join": (lambda f: f.fault("join", 403, {"errcode": "M_FORBIDDEN"}),
             ["allow/block list", "federation_domain_whitelist", "m.room.server_acl"], True),
    "message_to_remote": (lambda f: f.drop.add("to_remote"), ["federation sender", "a.example"], True),
    "message_to_local": (lambda f: f.drop.add("to_local"), ["federation sender", "b.example"], True),
    "typing": (lambda f: f.drop.add("typing"), ["typing", "ephemeral"], True),
    "reaction": (lambda f: f.fault("send", 500, {"errcode": "M_UNKNOWN"}, after=2), ["refused"], True),
    "media": (lambda f: f.drop.add("media"), ["404", "media federation", "federation_custom_ca_list"], True),
}


@pytest.mark.parametrize("step", sorted(FAILURES))
def test_failure_at_each_step_names_it_gives_a_hint_and_cleans_up(step):
    fed = FakeFederation()
    breaker, words, room_made = FAILURES[step]
    breaker(fed)
    result = probe(fed)
    assert result["ok"] is False
    assert result["failed_step"] == step
    by_name = dict((s["name"], s) for s in result["steps"])
    assert [s["name"] for s in result["steps"]] == ALL_STEPS
    failed = by_name[step]
    assert failed["status"] == "fail"
    for word in words:
        assert word in failed["hint"], (word, failed["hint"])
    after = ALL_STEPS[ALL_STEPS.index(step) + 1:-1]
    assert all(by_name[name]["status"] == "skip" for name in after)
    before = ALL_STEPS[:ALL_STEPS.index(step)]
    assert all(by_name[name]["status"] == "pass" for name in before)
    assert by_name["cleanup"]["status"] == ("pass" if room_made else "skip")
    assert_nothing_left(fed)
    if room_made:
        assert result["room_id"] in fed.forgotten[LOCAL]
    assert "FAILED at %s" % step in result["verdict"] and failed["hint"] in result["verdict"]


def test_waits_are_bounded_by_the_step_timeout():
    fed = FakeFederation()
    fed.drop.add("invite")
    start = fed.clock()
    result = probe(fed, timeout=12)
    step = [s for s in result["steps"] if s["name"] == "invite_received"][0]
    assert 12000 <= step["duration_ms"] <= 12000 + 1000 * _probe.POLL_SECONDS
    assert "within 12.0 s" in step["detail"]
    # each long poll asked for at most POLL_SECONDS
    polls = [r for r in fed.requests if "/sync" in r["url"] and "since=" in r["url"]]
    assert polls and all("timeout=%d" % (_probe.POLL_SECONDS * 1000) in r["url"] or "timeout=2000" in r["url"]
                         for r in polls)
    assert fed.clock() - start < 60


def test_total_timeout_fails_the_next_step_and_still_cleans_up():
    fed = FakeFederation()
    fed.drop.add("invite")
    result = probe(fed, timeout=100, total_timeout=8)
    step = dict((s["name"], s) for s in result["steps"])["invite_received"]
    assert step["status"] == "fail" and step["duration_ms"] <= 8000 + 1000 * _probe.POLL_SECONDS
    assert_nothing_left(fed)


def test_same_homeserver_is_refused_before_anything_is_created():
    fed = FakeFederation(remote_server="a.example")
    result = probe(fed)
    assert result["failed_step"] == "accounts"
    assert "different homeservers" in result["steps"][0]["hint"]
    assert fed.rooms == {}


def test_cleanup_failure_is_reported():
    fed = FakeFederation()
    fed.fault("leave", 400, {"errcode": "M_UNKNOWN", "error": "nope"}, times=1)
    result = probe(fed, typing=False, reaction=False, media=False)
    cleanup = result["steps"][-1]
    assert cleanup["status"] == "fail" and REMOTE in cleanup["detail"] and "leave" in cleanup["hint"]
    assert result["ok"] is False and result["failed_step"] == "cleanup"
    assert fed.member_anywhere(LOCAL) == []  # the local side still left


def test_application_service_account_acts_as_its_user():
    fed = FakeFederation()
    fed.tokens["unused"] = "@rc_probe:a.example"
    result = probe(fed, local_token=AS_TOKEN, local_user="@rc_probe:a.example", typing=False, media=False)
    assert result["ok"] is True, result["verdict"]
    assert result["local_user"] == "@rc_probe:a.example"
    local_calls = [r for r in fed.requests if r["url"].startswith(A_URL)]
    assert all("user_id=%40rc_probe%3Aa.example" in r["url"] for r in local_calls)


def test_application_service_user_outside_namespace_fails_at_accounts():
    fed = FakeFederation()
    result = probe(fed, local_token=AS_TOKEN, local_user="@someone:a.example")
    assert result["failed_step"] == "accounts"
    assert "namespace" in result["steps"][0]["hint"]


def test_no_token_in_the_result():
    fed = FakeFederation()
    fed.drop.add("to_local")
    text = json.dumps(probe(fed))
    for token in (LOCAL_TOKEN, REMOTE_TOKEN):
        assert token not in text


def test_check_mode_result_sends_nothing_and_plans_every_step():
    result = _probe.check_mode_result(typing=False, local_url=A_URL, remote_url=B_URL)
    assert [s["status"] for s in result["steps"]] == ["planned"] * 10
    assert "typing" not in [s["name"] for s in result["steps"]]
    assert result["ok"] is None and result["room_id"] is None
    assert "nothing was sent" in result["verdict"]


def test_legacy_media_endpoint_is_used_on_older_servers():
    fed = FakeFederation(legacy_media=True)
    result = probe(fed, typing=False, reaction=False)
    media = dict((s["name"], s) for s in result["steps"])["media"]
    assert media["status"] == "pass" and "media/v3" in media["detail"]


# --- pure helpers -------------------------------------------------------------------------------------------
def test_hints_for_the_classic_failures():
    timeout = _probe.ProbeTimeout("x")
    assert "run fedops.rocketchat.federation_check on both server names (a and b)" in _probe.hint_for(
        "invite_received", timeout, "a", "b", "remote")
    assert "federation_domain_whitelist" in _probe.hint_for("join", MatrixError("POST", "/join", 403), "a", "b",
                                                            "remote")
    assert "make_join" in _probe.hint_for("join", MatrixError("POST", "/join", 502), "a", "b", "remote")
    assert "federation sender" in _probe.hint_for("message_to_remote", timeout, "a", "b", "remote")
    media = _probe.hint_for("media", MatrixError("GET", "/d", 404, "M_NOT_FOUND"), "a", "b", "remote")
    assert "federation_custom_ca_list" in media and "404" in media
    assert "ca_path" in _probe.hint_for("accounts", MatrixError("GET", "/w", tls=True, error="x"), "a", "b")
    assert "rate-limits" in _probe.hint_for("join", MatrixError("POST", "/j", 429), "a", "b", "remote")


def test_sync_parsers():
    sync = {"rooms": {"invite": {"!i:a": {}},
                      "join": {"!r:a": {"timeline": {"events": [{"event_id": "$1", "type": "m.room.message"}]},
                                        "ephemeral": {"events": [{"type": "m.typing",
                                                                  "content": {"user_ids": ["@u:a"]}}]}}}}}
    assert _probe.invite_in(sync, "!i:a") and not _probe.invite_in(sync, "!r:a") and not _probe.invite_in({}, "!i:a")
    assert _probe.timeline_event(sync, "!r:a", "$1")["type"] == "m.room.message"
    assert _probe.timeline_event(sync, "!r:a", "$2") is None
    assert _probe.typing_users(sync, "!r:a") == ["@u:a"] and _probe.typing_users(sync, "!x:a") == []


def test_ids():
    assert _probe.server_of("@a:example.org:8448") == "example.org:8448"
    assert _probe.parse_mxc("mxc://a.example/abc") == ("a.example", "abc")
    with pytest.raises(ValueError):
        _probe.server_of("a:example.org")
    with pytest.raises(ValueError):
        _probe.parse_mxc("https://a.example/abc")


@pytest.mark.parametrize("account,words", [
    ({"homeserver_url": "matrix.example.org", "access_token": "t"}, "local.homeserver_url"),
    ({"homeserver_url": "https://m", "access_token": "t", "as_token": "a"}, "exactly one of access_token and as_token"),
    ({"homeserver_url": "https://m"}, "exactly one"),
    ({"homeserver_url": "https://m", "as_token": "a"}, "local.user_id"),
    ({"homeserver_url": "https://m", "as_token": "a", "user_id": "rc_bob"}, "full Matrix user id"),
])
def test_account_problems_name_the_option(account, words):
    assert words in _probe.account_problem("local", account)


def test_good_account_has_no_problem():
    assert _probe.account_problem("remote", {"homeserver_url": "https://m", "access_token": "t"}) is None


# --- a federation-only remote (Rocket.Chat native: federation API, no client-server API) --------------------------
def federation_only_probe(fed, **options):
    options.setdefault("timeout", 20)
    options.setdefault("total_timeout", 300)
    local = make_client(fed, A_URL, LOCAL_TOKEN)
    return _probe.run_probe(local, None, clock=fed.clock, remote_user_id=REMOTE, **options)


def test_federation_only_remote_runs_what_the_local_side_can_prove_and_withdraws_the_invite():
    fed = FakeFederation()
    result = federation_only_probe(fed)
    expected = {"accounts": "pass", "create_room": "pass", "invite": "pass", "invite_received": "pass",
                "cleanup": "pass"}
    assert statuses(result) == [(n, expected.get(n, "skip")) for n in ALL_STEPS]
    skipped = [s for s in result["steps"] if s["status"] == "skip"]
    assert all("federation-only" in s["detail"] for s in skipped)
    assert result["ok"] is True and result["remote_user"] == REMOTE
    assert "federation-only remote" in result["verdict"]
    assert not any(B_URL in r["url"] for r in fed.requests)
    assert_nothing_left(fed)
    assert "invite withdrawn" in result["steps"][-1]["detail"]


def test_federation_only_remote_refusing_the_invite_fails_at_invite():
    fed = FakeFederation()
    fed.fault("invite", 400, {"errcode": "M_INCOMPATIBLE_ROOM_VERSION", "error": "Room version 12 is not supported"})
    result = federation_only_probe(fed)
    assert result["failed_step"] == "invite"
    step = dict((s["name"], s) for s in result["steps"])["invite"]
    assert "M_INCOMPATIBLE_ROOM_VERSION" in step["detail"]
    assert "M_INCOMPATIBLE_ROOM_VERSION" in step["hint"] and "default_room_version" in step["hint"]
    assert_nothing_left(fed)


def test_incompatible_room_version_is_named_with_the_fix():
    error = MatrixError("POST", "/createRoom", 400, "M_INCOMPATIBLE_ROOM_VERSION", "Room version 12 is not supported")
    for step in ("create_room", "invite", "join"):
        hint = _probe.hint_for(step, error, "org-b.test", "rc-native.test", "local")
        assert hint.startswith("M_INCOMPATIBLE_ROOM_VERSION: rc-native.test does not support")
        assert 'default_room_version to "11" on org-b.test' in hint


@pytest.mark.parametrize("account,words", [
    ({}, "remote.user_id alone"),
    ({"user_id": "probe"}, "full Matrix user id"),
])
def test_federation_only_remote_problems_name_the_option(account, words):
    assert words in _probe.account_problem("remote", account)


def test_federation_only_remote_is_only_for_remote():
    assert _probe.account_problem("remote", {"user_id": "@probe:rc.example"}) is None
    assert "local.homeserver_url" in _probe.account_problem("local", {"user_id": "@probe:rc.example"})


# --- Rocket.Chat's bridge way of downloading remote media (no token, legacy r0 on its own homeserver) ------------
BRIDGE = "@rc_probe:a.example"


def bridge_probe(fed, **options):
    return probe(fed, local_token=AS_TOKEN, local_user=BRIDGE, typing=False, reaction=False, **options)


def test_bridge_account_downloads_remote_media_the_bridge_way_and_fails_with_the_fix():
    fed = FakeFederation()  # Synapse's default: authenticated media on both sides
    result = bridge_probe(fed)
    assert result["ok"] is False and result["failed_step"] == "media", result["verdict"]
    media = dict((s["name"], s) for s in result["steps"])["media"]
    assert "/_matrix/media/r0/download" in media["detail"] and "404 M_NOT_FOUND" in media["detail"]
    for words in ("enable_authenticated_media: false on a.example", "synapse_enable_authenticated_media",
                  "b.example must serve media", "its admin's call", "bridge_media=warn"):
        assert words in media["hint"]
    # the bridge's request carries no token and no user_id, on the local homeserver, for the remote's upload
    bridge_calls = [r for r in fed.requests if "/_matrix/media/r0/download/" in r["url"]]
    assert len(bridge_calls) == 1
    assert bridge_calls[0]["url"].startswith(A_URL + "/_matrix/media/r0/download/b.example/")
    assert "Authorization" not in bridge_calls[0]["headers"] and "user_id" not in bridge_calls[0]["url"]
    assert result["steps"][-1]["status"] == "pass"  # cleanup still ran
    assert_nothing_left(fed, (BRIDGE, REMOTE))


@pytest.mark.parametrize("local_on, remote_on", [(True, False), (False, True)])
def test_bridge_media_fails_when_either_side_has_authenticated_media(local_on, remote_on):
    fed = FakeFederation()
    fed.authenticated_media.update({"a.example": local_on, "b.example": remote_on})
    result = bridge_probe(fed)
    assert result["failed_step"] == "media" and "enable_authenticated_media" in result["steps"][-2]["hint"]


def test_bridge_media_passes_with_authenticated_media_off_on_both_sides():
    fed = FakeFederation()
    fed.authenticated_media.update({"a.example": False, "b.example": False})
    result = bridge_probe(fed)
    assert result["ok"] is True, result["verdict"]
    media = dict((s["name"], s) for s in result["steps"])["media"]
    assert "Rocket.Chat's bridge way (no token, /_matrix/media/r0/download on a.example) fetched mxc://b.example/" \
        in media["detail"]
    assert result["warnings"] == []


def test_bridge_media_warn_passes_the_step_and_warns_with_the_hint():
    fed = FakeFederation()
    result = bridge_probe(fed, bridge_media="warn")
    assert result["ok"] is True, result["verdict"]
    media = dict((s["name"], s) for s in result["steps"])["media"]
    assert media["status"] == "pass" and "WARNING" in media["detail"] and "bridge_media=warn" in media["detail"]
    assert len(result["warnings"]) == 1 and "synapse_enable_authenticated_media" in result["warnings"][0]


def test_access_token_account_is_not_checked_the_bridge_way():
    fed = FakeFederation()
    result = probe(fed, typing=False, reaction=False)
    assert result["ok"] is True, result["verdict"]
    assert not [r for r in fed.requests if "/_matrix/media/r0/" in r["url"]]


def test_bridge_media_option_is_checked():
    with pytest.raises(ValueError, match="bridge_media must be one of fail, warn"):
        _probe.Probe(None, None, bridge_media="maybe")


def test_remote_upload_refused_is_named():
    fed = FakeFederation()
    fed.fault("upload", 500, {"errcode": "M_UNKNOWN"}, after=1)
    result = bridge_probe(fed)
    media = dict((s["name"], s) for s in result["steps"])["media"]
    assert media["detail"].startswith("remote:") and "remote homeserver (b.example) refused the upload" in media["hint"]
