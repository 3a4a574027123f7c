# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fleet path's plan step: what a host records, and the bad values it refuses before anything is written."""

from __future__ import annotations

from ansible_collections.fedops.rocketchat.plugins.plugin_utils import _fleet

OMIT = "__omit_place_holder__0123"
RC = {"url": "https://chat.example.com", "user_id": "u", "auth_token": "t"}
DNS = {"provider": "rfc2136", "zone": "example.com", "rfc2136": {"server": "127.0.0.1", "allow_unsigned": True},
       "legacy": {"domain": "chat.example.com", "public_key": ""}}


def test_the_plan_keeps_the_arguments_without_omitted_values():
    plan, failure = _fleet.plan({"rocketchat": dict(RC, ca_path=OMIT), "modes": ["legacy"], "disable_other_modes": True,
                                 "legacy": {"domain": "chat.example.com", "discovery_method": None}, "dns": DNS},
                                omit=OMIT)
    assert failure is None
    assert plan["rocketchat"] == RC and plan["legacy"] == {"domain": "chat.example.com"}
    assert _fleet.settings_args(plan) == [("legacy", dict(RC, mode="legacy", disable_other_modes=True,
                                                          legacy={"domain": "chat.example.com"}))]


def test_no_generation_switches_federation_off():
    plan, _failure = _fleet.plan({"rocketchat": RC, "modes": [], "disable_other_modes": True})
    assert [mode for mode, _args in _fleet.settings_args(plan)] == ["disabled"]


def test_a_bad_value_fails_the_plan_naming_the_call_and_the_option():
    _plan, failure = _fleet.plan({"rocketchat": dict(RC, url=None), "modes": ["legacy"], "disable_other_modes": True,
                                  "legacy": {"domain": "chat.example.com"}})
    assert failure["failed"] and "fedops.rocketchat.federation (generation legacy)" in failure["msg"]
    assert "url" in failure["msg"]
    _plan, failure = _fleet.plan({"rocketchat": RC, "modes": ["legacy"], "disable_other_modes": True,
                                  "legacy": {"domain": "chat.example.com"}, "dns": dict(DNS, provider="bind")})
    assert "fedops.rocketchat.federation_dns" in failure["msg"] and "provider" in failure["msg"]
