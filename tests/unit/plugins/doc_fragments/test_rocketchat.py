# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The rocketchat doc fragment documents exactly the connection options the module glue builds."""

from __future__ import annotations

from ansible_collections.fedops.rocketchat.plugins.doc_fragments import rocketchat
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._module import connection_argument_spec

from tests.unit.plugins.doc_fragments.fragments import (
    action_group,
    fragment_users,
    option_problems,
    parse,
    spec_differences,
)


def test_every_option_has_a_description_and_type():
    assert option_problems(parse(rocketchat)["options"]) == []


def test_options_match_the_connection_argument_spec():
    options = parse(rocketchat)["options"]
    spec = connection_argument_spec()
    assert set(options) == set(spec)
    assert spec_differences(options, spec) == []


def test_secrets_are_no_log_and_env_fallbacks_are_documented():
    options = parse(rocketchat)["options"]
    for name, spec in connection_argument_spec().items():
        if name in ("auth_token", "password", "two_factor_code"):
            assert spec.get("no_log") is True, name
        if "fallback" in spec:
            for variable in spec["fallback"][1]:
                assert "E(%s)" % variable in " ".join(options[name]["description"]), name


def test_tls_is_verified_by_default_and_requests_is_a_requirement():
    data = parse(rocketchat)
    assert data["options"]["validate_certs"]["default"] is True
    assert any(r.startswith("requests") for r in data["requirements"])


def test_used_by_the_modules_of_the_rocketchat_action_group(runtime):
    users = fragment_users(rocketchat)
    assert users
    assert sorted(users) == sorted(runtime["action_groups"]["rocketchat"])
    dummy, membership = action_group(rocketchat, "ACTIONGROUP_ROCKETCHAT")
    assert membership == ["fedops.rocketchat.rocketchat"]
    assert sorted(fragment_users(rocketchat, "ACTIONGROUP_ROCKETCHAT")) == sorted(users)
