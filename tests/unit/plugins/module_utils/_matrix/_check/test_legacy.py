# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Legacy Rocket.Chat federation: Rocket.Chat's lookup order, TXT joining, key comparison, settings API."""

from __future__ import annotations

import pytest

from tests.emulator.rocketchat.profiles import legacy_public_key

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _dnsclient as dc
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _https as h
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check import _legacy as legacy

from tests.unit.plugins.module_utils._matrix._check.fakes import DOMAIN, KEY, SRV_443, Resp, ctx_with, rc_answers, split_key, statuses


def test_join_like_rocketchat():
    answer = dc.DnsAnswer("k", "TXT", "ok", [[b"ab", b"cd"], [b"zz"]])
    assert legacy.join_rocketchat_txt(answer) == "abcd"
    assert legacy.join_rocketchat_txt(dc.DnsAnswer("k", "TXT", "nxdomain")) is None


def test_public_key_der():
    assert legacy.public_key_der(KEY) is not None
    multi = KEY.replace("-----BEGIN PUBLIC KEY-----", "-----BEGIN PUBLIC KEY-----\n").replace(
        "-----END", "\n-----END")
    assert legacy.public_key_der(multi) == legacy.public_key_der(KEY)
    assert legacy.public_key_der("hello") is None
    assert legacy.public_key_der("-----BEGIN PUBLIC KEY-----AAAA-----END PUBLIC KEY-----") is None
    assert legacy.public_key_der(None) is None


def test_rocketchat_correct_split_key():
    records, url = legacy.rocketchat_legacy_records(DOMAIN, rc_answers(https=SRV_443, key=[split_key(KEY)]), KEY, "given")
    assert statuses(records) == {"rocketchat_srv": "pass", "rocketchat_protocol": "pass",
                                 "rocketchat_public_key_txt": "pass", "rocketchat_public_key": "pass"}
    assert url == "https://chat.example.com:443"


def test_rocketchat_order_https_before_http_before_tcp():
    http_srv = [dc.SrvRecord(1, 1, 80, "h." + DOMAIN)]
    records, url = legacy.rocketchat_legacy_records(DOMAIN, rc_answers(https=SRV_443, http=http_srv, tcp=http_srv,
                                                                  key=[[KEY.encode()]]), KEY, "given")
    assert url.startswith("https://chat.example.com")
    records, url = legacy.rocketchat_legacy_records(DOMAIN, rc_answers(http=http_srv, tcp=SRV_443,
                                                                  key=[[KEY.encode()]]), KEY, "given")
    assert url == "http://h.chat.example.com:80" and statuses(records)["rocketchat_srv"] == "warn"


def test_rocketchat_first_srv_record_only():
    records_list = [dc.SrvRecord(10, 1, 443, "b." + DOMAIN), dc.SrvRecord(1, 1, 8443, "a." + DOMAIN)]
    records, url = legacy.rocketchat_legacy_records(DOMAIN, rc_answers(https=records_list, key=[[KEY.encode()]]))
    assert url == "https://b.chat.example.com:443"      # first as returned, priority ignored like Rocket.Chat
    assert statuses(records)["rocketchat_srv"] == "warn"


def test_rocketchat_tcp_only_warns_and_http_protocol_fails():
    records, url = legacy.rocketchat_legacy_records(DOMAIN, rc_answers(tcp=SRV_443, key=[[KEY.encode()]],
                                                                  protocol=[[b"https"]]))
    assert statuses(records)["rocketchat_protocol"] == "warn" and url.startswith("https://")
    records, url = legacy.rocketchat_legacy_records(DOMAIN, rc_answers(tcp=SRV_443, key=[[KEY.encode()]],
                                                                  protocol=[[b"http"]]))
    rec = [r for r in records if r["name"] == "rocketchat_protocol"][0]
    assert rec["status"] == "fail" and url.startswith("https://") and "_rocketchat._http." in rec["hint"]


def test_rocketchat_missing_and_broken_records():
    records, url = legacy.rocketchat_legacy_records(DOMAIN, rc_answers())
    assert statuses(records) == {"rocketchat_srv": "fail", "rocketchat_protocol": "skip",
                                 "rocketchat_public_key_txt": "fail", "rocketchat_public_key": "skip"}
    assert url is None
    records, _unused = legacy.rocketchat_legacy_records(DOMAIN, rc_answers(**{"_rocketchat._https." + DOMAIN: "error"}))
    assert "SERVFAIL" in records[0]["detail"]
    records, _unused = legacy.rocketchat_legacy_records(DOMAIN, rc_answers(https=SRV_443, key=[[b"not a key"]]), KEY, "given")
    assert statuses(records)["rocketchat_public_key_txt"] == "fail"
    records, _unused = legacy.rocketchat_legacy_records(DOMAIN, rc_answers(https=SRV_443, key=[[KEY.encode()], [b"x"]]),
                                                   KEY, "given")
    assert statuses(records)["rocketchat_public_key_txt"] == "warn"


def test_rocketchat_key_comparison():
    other = legacy_public_key()
    records, _unused = legacy.rocketchat_legacy_records(DOMAIN, rc_answers(https=SRV_443, key=[split_key(KEY)]), other,
                                                   "settings API")
    rec = [r for r in records if r["name"] == "rocketchat_public_key"][0]
    assert rec["status"] == "fail" and "settings API" in rec["detail"]
    multiline = KEY.replace("-----BEGIN PUBLIC KEY-----", "-----BEGIN PUBLIC KEY-----\n")
    records, _unused = legacy.rocketchat_legacy_records(DOMAIN, rc_answers(https=SRV_443, key=[split_key(KEY)]), multiline,
                                                   "given")
    assert statuses(records)["rocketchat_public_key"] == "pass"



@pytest.mark.parametrize("status, body, fragment", [
    (401, {"success": False, "error": "You must be logged in to do this."}, "not valid"),
    (403, {"success": False, "error": "unauthorized"}, "view-privileged-setting"),
    (400, {"success": False}, "7.11"),
    (200, {"_id": "FEDERATION_Public_Key", "value": "", "success": True}, "enable legacy federation"),
])
def test_workspace_key_errors(status, body, fragment):
    ctx = ctx_with(Resp(status, body))
    key, source, rec = legacy.fetch_workspace_key(ctx, {"domain": DOMAIN, "url": "https://chat.example.com/",
                                                   "user_id": "u", "auth_token": "t"})
    assert key is None and rec["status"] == "fail" and rec["name"] == "rocketchat_settings"
    assert fragment in (rec["hint"] or "")
    assert ctx.http.calls[0][1] == "https://chat.example.com/api/v1/settings/FEDERATION_Public_Key"
    assert ctx.http.calls[0][2] == {"X-User-Id": "u", "X-Auth-Token": "t"}


def test_workspace_key_given_or_read():
    ctx = ctx_with(Resp(200, {"_id": "FEDERATION_Public_Key", "value": KEY, "success": True}))
    assert legacy.fetch_workspace_key(ctx, {"domain": DOMAIN, "public_key": "K"}) == ("K", "given", None)
    assert ctx.http.calls == []
    assert legacy.fetch_workspace_key(ctx, {"domain": DOMAIN}) == (None, None, None)
    key, source, rec = legacy.fetch_workspace_key(ctx, {"domain": DOMAIN, "url": "http://rc:3000", "user_id": "u",
                                                   "auth_token": "t"})
    assert (key, source, rec) == (KEY, "settings API", None)
