# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fleet path's plan step: what a host records, and the bad values it refuses before anything is written."""

from __future__ import annotations

from ansible_collections.fedops.rocketchat.plugins.plugin_utils import _fleet
from ansible_collections.fedops.rocketchat.plugins.plugin_utils._role_vars import RoleVars

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


class PlainRoleVars(RoleVars):
    """Role variables that are values already (what the templar gives back)."""

    class Identity(object):
        def copy_with_new_env(self, available_variables):
            return self

        def template(self, value):
            return value

    def __init__(self, variables):
        super(PlainRoleVars, self).__init__(self.Identity(), variables)


def test_the_plan_takes_each_generations_settings_and_the_records_from_the_role():
    role_vars = PlainRoleVars({
        "__federation_modes": ["legacy"], "__federation_matrix_modes": [], "__federation_dns_records": True,
        "__federation_srv_wanted": False, "__federation_rocketchat": RC, "__federation_disable_other_modes": True,
        "__federation_legacy_settings": {"domain": "chat.example.com"},
        "__federation_native_settings": {"domain": "never read"}, "federation_dns_provider": "rfc2136",
        "__federation_dns_legacy": DNS["legacy"], "__federation_dns_matrix": {}, "__federation_dns_args": DNS})
    assert _fleet.role_plan_args(role_vars) == {"rocketchat": RC, "modes": ["legacy"], "disable_other_modes": True,
                                                "legacy": {"domain": "chat.example.com"}, "dns": DNS}
    role_vars = PlainRoleVars({"__federation_modes": [], "__federation_rocketchat": RC,
                               "__federation_disable_other_modes": True, "__federation_dns_records": "False",
                               "federation_dns_provider": "rfc2136", "__federation_dns_args": DNS})
    assert "dns" not in _fleet.role_plan_args(role_vars)


def test_the_role_check_runs_the_argument_spec_then_the_rules():
    good = {"federation_mode": "legacy", "__federation_modes": ["legacy"], "__federation_broken": []}
    assert _fleet.role_check(PlainRoleVars(good)) is None
    broken = dict(good, __federation_broken=["Set federation_rocketchat_url.", "Set federation_legacy_domain."])
    assert _fleet.role_check(PlainRoleVars(broken))["msg"] == "Set federation_rocketchat_url. Set federation_legacy_domain."
    failure = _fleet.role_check(PlainRoleVars(dict(broken, federation_mode="bridge")))
    assert "Validation of arguments failed" in failure["msg"] and "federation_mode" in failure["msg"]
