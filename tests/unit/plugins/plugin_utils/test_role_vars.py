# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A role's variables read in an action: each templated once, and checked against the role's argument spec."""

from __future__ import annotations

import os

import yaml

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.fedops.rocketchat.plugins.plugin_utils._role_vars import (
    ROLES,
    RoleVars,
    argument_spec,
    check_argument_spec,
)

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core before 2.19: every string is a template
    def trust_as_template(value):
        return value


class CountingTemplar(object):
    """A templar that records what it templates (the values of ``RoleVars``)."""

    def __init__(self, variables):
        self.templar = Templar(loader=DataLoader(), variables=variables)
        self.templated = []

    def copy_with_new_env(self, available_variables):
        self.templar = self.templar.copy_with_new_env(available_variables=available_variables)
        return self

    def template(self, value):
        self.templated.append(str(value))
        return self.templar.template(value)


def role_defaults():
    with open(os.path.join(ROLES, "federation", "defaults", "main.yml"), "rb") as handle:
        return yaml.safe_load(handle)


def test_a_variable_used_by_others_is_templated_once_and_its_value_reused():
    variables = {"mode": "legacy", "side": ["native"],
                 "modes": trust_as_template("{{ ([mode] + side) | unique | list }}"),
                 "joined": trust_as_template("{{ modes | join(',') }}"),
                 "first": trust_as_template("{{ modes | first }}")}
    templar = CountingTemplar(variables)
    role_vars = RoleVars(templar, variables)
    assert role_vars.get("modes") == ["legacy", "native"]
    assert role_vars.all(["joined", "first", "undefined"]) == {"joined": "legacy,native", "first": "legacy"}
    assert role_vars.get("joined") == "legacy,native" and role_vars.get("undefined", "x") == "x"
    # modes, joined and first once each: joined and first found modes' value, not its template
    assert [t.split("|")[0].strip("{ ") for t in templar.templated] == ["([mode] + side)", "modes", "modes"]
    assert variables["modes"] != ["legacy", "native"]   # the task's own variables are left as they are


def test_the_argument_spec_is_the_roles_own_and_read_once():
    options = argument_spec("federation")
    assert options["federation_mode"]["choices"] == ["legacy", "matrix_bridge", "native", "disabled"]
    assert argument_spec("federation") is options
    assert type(options["federation_mode"]["type"]) is str  # pylint: disable=unidiomatic-typecheck


def test_the_roles_defaults_meet_its_argument_spec():
    defaults = role_defaults()
    assert check_argument_spec("federation", RoleVars(CountingTemplar(defaults), defaults)) is None


def test_a_bad_value_fails_with_the_message_of_ansibles_own_check():
    variables = dict(role_defaults(), federation_mode="bridge", federation_legacy_port="https")
    failure = check_argument_spec("federation", RoleVars(CountingTemplar(variables), variables))
    assert failure["failed"] and failure["msg"].startswith("Validation of arguments failed:\n")
    assert any("federation_mode" in e and "bridge" in e for e in failure["argument_errors"])
    assert any("federation_legacy_port" in e for e in failure["argument_errors"])
    assert failure["validate_args_context"]["name"] == "federation"
