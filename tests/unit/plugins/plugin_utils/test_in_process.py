# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""InProcessActionBase: when the call runs in this process, when the module runs; InProcessModule: plain arguments,
validation, no_log masking, fail_json that the module_utils' broad except clauses cannot swallow."""

from __future__ import annotations

from unittest.mock import MagicMock

import pytest

from ansible.plugins.action import ActionBase

from ansible_collections.fedops.rocketchat.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.fedops.rocketchat.plugins.plugin_utils._in_process import (
    InProcessActionBase,
    run_in_process,
)

SPEC = ArgumentSpec(argument_spec=dict(name=dict(type="str", required=True), token=dict(type="str", no_log=True),
                                       values=dict(type="dict", default={})), non_empty=["name"])


class Tagged(str):
    """Stands for ansible-core 2.19's tagged strings: a str subclass."""


def call(module):
    if module.params["name"] == "boom":
        try:
            module.fail_json(msg="boom failed for %s" % module.params["token"])
        except Exception:  # pylint: disable=broad-except  # as run_action's broad except clause
            return {"changed": False, "swallowed": True}
    module.warn("careful")
    types = sorted(set(type(v).__name__ for v in module.params["values"].values()))
    return {"changed": not module.check_mode, "diff_wanted": module._diff, "types": types,  # pylint: disable=protected-access
            "echo": module.params["token"]}


def spec():
    return SPEC


class Action(InProcessActionBase):
    module_spec = spec
    module_call = call
    requirements = (True,)


def make_action(args, connection="local", async_val=0, become=False, environment=None, requirements=(True,)):
    task = MagicMock()
    task.args = args
    task.action = "fedops.rocketchat.example"
    task.async_val = async_val
    task.environment = environment if environment is not None else [{}]
    task.check_mode = False
    task.diff = True
    conn = MagicMock()
    conn._load_name = connection  # pylint: disable=protected-access
    conn.has_native_async = False
    play_context = MagicMock()
    play_context.become = become
    action = Action(task, conn, play_context, loader=None, templar=None, shared_loader_obj=None)
    action.requirements = requirements
    action.executed = []

    def execute_module(**kwargs):
        action.executed.append(kwargs)
        return {"changed": False, "ran": "module"}

    action._execute_module = execute_module  # pylint: disable=protected-access
    action._remove_tmp_path = MagicMock()  # pylint: disable=protected-access
    return action


@pytest.fixture(autouse=True)
def no_base_run(monkeypatch):
    monkeypatch.setattr(ActionBase, "run", lambda self, tmp=None, task_vars=None: {})
    monkeypatch.delenv("FEDOPS_ROCKETCHAT_IN_PROCESS", raising=False)


def test_local_task_runs_in_process():
    action = make_action({"name": "a", "token": "t0ken-xyz"})
    result = action.run(task_vars={})
    assert action.executed == [] and result["changed"] is True and result["diff_wanted"] is True
    assert result["echo"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert result["invocation"]["module_args"]["token"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert result["warnings"] == ["careful"]


@pytest.mark.parametrize("kwargs", [
    {"connection": "ssh"}, {"connection": "ansible.builtin.ssh"}, {"async_val": 30}, {"become": True},
    {"environment": [{"HTTPS_PROXY": "http://proxy:3128"}]}, {"requirements": (True, False)},
])
def test_module_runs_otherwise(kwargs):
    action = make_action({"name": "a"}, **kwargs)
    assert action.run(task_vars={})["ran"] == "module" and len(action.executed) == 1


def test_switch_off(monkeypatch):
    monkeypatch.setenv("FEDOPS_ROCKETCHAT_IN_PROCESS", "false")
    action = make_action({"name": "a"})
    assert action.run(task_vars={})["ran"] == "module"


def test_arguments_are_plain_python():
    result = run_in_process("x", SPEC, call, {"name": Tagged("a"), "values": {Tagged("k"): Tagged("v"), "n": 1}})
    assert result["types"] == ["int", "str"]


def test_validation_and_non_empty_fail_like_the_module():
    result = run_in_process("fedops.rocketchat.example", SPEC, call, {"name": "a", "colour": "red"})
    assert result["failed"] and result["msg"] == \
        "Unsupported parameters for (fedops.rocketchat.example) module: colour. Supported parameters include: " \
        "name, token, values."
    result = run_in_process("x", SPEC, call, {})
    assert result["failed"] and result["msg"] == "missing required arguments: name"
    result = run_in_process("x", SPEC, call, {"name": " "})
    assert result["failed"] and "name must not be empty" in result["msg"]


def test_fail_json_is_not_swallowed_and_masks_secrets():
    result = run_in_process("x", SPEC, call, {"name": "boom", "token": "t0ken-xyz"})
    assert result["failed"] and "swallowed" not in result
    assert result["msg"] == "boom failed for ********"
    assert "exception" not in result
