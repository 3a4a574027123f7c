# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shared argument spec helper: merging, AnsibleModule keyword arguments, empty values refused."""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._argspec import ArgumentSpec

from tests.unit.plugins.modules.utils import patch_module_args


def test_merge_combines_options_and_constraints():
    base = ArgumentSpec(argument_spec=dict(a=dict(type="str"), b=dict(type="int")), required_together=[("a", "b")],
                        required_by=dict(a="b"), non_empty=["a"])
    other = ArgumentSpec(argument_spec=dict(b=dict(type="str"), c=dict(type="bool")), mutually_exclusive=[("a", "c")],
                         required_by=dict(a=["c"], c=["b"]), non_empty=["a", "c"], add_file_common_args=True)
    assert base.merge(other) is base
    kwargs = base.to_kwargs()
    assert kwargs["argument_spec"] == dict(a=dict(type="str"), b=dict(type="str"), c=dict(type="bool"))
    assert kwargs["required_together"] == [("a", "b")] and kwargs["mutually_exclusive"] == [("a", "c")]
    assert kwargs["required_by"] == dict(a=["b", "c"], c=["b"])
    assert kwargs["add_file_common_args"] is True and base.non_empty == ["a", "c"]
    assert "required_if" not in kwargs and "supports_check_mode" not in kwargs
    # the merged spec is a copy: changing it later does not change the other spec
    base.argument_spec["c"]["type"] = "str"
    assert other.argument_spec["c"]["type"] == "bool"


def test_check_non_empty():
    spec = ArgumentSpec(non_empty=["path", "name"])
    assert spec.check_non_empty({"path": "/x", "name": None}) is None
    assert spec.check_non_empty({"path": " \t", "name": ""}) == ("path", " \t")
    assert spec.check_non_empty({"path": "/x", "name": ""}) == ("name", "")


def _create(spec, args, capsys):
    with patch_module_args(args):
        try:
            return spec.create_ansible_module(), None
        except SystemExit:
            return None, json.loads(capsys.readouterr().out)


def test_create_ansible_module_refuses_empty_values_naming_option_and_value(capsys):
    spec = ArgumentSpec(argument_spec=dict(path=dict(type="path"), n=dict(type="int")), non_empty=["path"])
    module, failure = _create(spec, {"path": "/etc/x", "n": 1}, capsys)
    assert failure is None and module.params["path"] == "/etc/x" and module.check_mode is False
    module, failure = _create(spec, {}, capsys)
    assert failure is None and module.params["path"] is None  # not given is fine
    module, failure = _create(spec, {"path": ""}, capsys)
    assert module is None and failure["failed"] is True
    assert failure["msg"] == "path must not be empty (got path=''); give a value or leave the option out"


def test_create_ansible_module_applies_the_constraints(capsys):
    spec = ArgumentSpec(argument_spec=dict(a=dict(type="str"), b=dict(type="str")), required_by=dict(a=["b"]))
    module, failure = _create(spec, {"a": "x"}, capsys)
    assert module is None and "missing parameter(s) required by 'a': b" in failure["msg"]


SPECS = {
    "signing_key": "_matrix._signing_key.signing_key_spec",
    "secret": "_secret_file.secret_spec",
    "settings": "_rocketchat._settings.settings_spec",
    "federation": "_rocketchat._federation.federation_spec",
    "federation_info": "_rocketchat._info.federation_info_spec",
    "federation_dns": "_dns._module.federation_dns_spec",
    "federation_check": "_matrix._check._module.federation_check_spec",
    "federation_probe": "_matrix._probe_module.federation_probe_spec",
    "permissions": "_rocketchat._permissions.permissions_spec",
    "report": "_report_module.report_spec",
    "federation_fleet": "_fleet_module.federation_fleet_spec",
    "federation_metrics": "_metrics_module.federation_metrics_spec",
    "acme_certificate": "_acme._issue.acme_certificate_spec",
}


def _spec_function(dotted):
    where, name = dotted.rsplit(".", 1)
    return getattr(__import__("ansible_collections.fedops.rocketchat.plugins.module_utils." + where, fromlist=["x"]),
                   name)


@pytest.mark.parametrize("module_name", ["signing_key", "secret"])
def test_modules_build_their_spec_with_it(module_name):
    spec = _spec_function(SPECS[module_name])()
    assert isinstance(spec, ArgumentSpec) and "path" in spec.non_empty and spec.add_file_common_args


def test_every_module_is_its_spec_and_one_call():
    """One convention: every module builds its ArgumentSpec from module_utils and makes one call with it."""
    modules = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "plugins", "modules")
    names = sorted(name[:-3] for name in os.listdir(modules) if name.endswith(".py") and name != "__init__.py")
    assert names == sorted(SPECS)
    for name in names:
        assert isinstance(_spec_function(SPECS[name])(), ArgumentSpec), name
        with open(os.path.join(modules, name + ".py"), encoding="utf-8") as handle:
            code = handle.read().split('"""\n\n', 3)[-1]
        assert "%s().create_ansible_module(supports_check_mode=True)" % SPECS[name].rsplit(".", 1)[1] in code, name
        assert "AnsibleModule(" not in code, name
        lines = [line for line in code.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        assert len(lines) <= 25, (name, len(lines))
