# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""HiddenResultActionBase: runs the module, hides a successful result when asked, never hides a failure."""

from __future__ import annotations

from unittest.mock import MagicMock

import pytest

from ansible.plugins.action import ActionBase

from ansible_collections.fedops.rocketchat.plugins.plugin_utils._hidden_result import HiddenResultActionBase


def make_action(cls, args, module_result, async_val=0, native_async=False):
    task = MagicMock()
    task.args = args
    task.async_val = async_val
    connection = MagicMock()
    connection.has_native_async = native_async
    connection._shell.tmpdir = "/nonexistent/ansible-tmp"  # pylint: disable=protected-access
    action = cls(task, connection, MagicMock(), loader=None, templar=None, shared_loader_obj=None)
    action.executed = []

    def execute_module(**kwargs):
        action.executed.append(kwargs)
        return dict(module_result)

    action._execute_module = execute_module  # pylint: disable=protected-access
    action._remove_tmp_path = MagicMock()  # pylint: disable=protected-access
    return action


@pytest.fixture(autouse=True)
def no_base_run(monkeypatch):
    monkeypatch.setattr(ActionBase, "run", lambda self, tmp=None, task_vars=None: {})


class Hide(HiddenResultActionBase):
    def hide_result(self):
        return True


class Show(HiddenResultActionBase):
    def hide_result(self):
        return False


def test_success_hidden_only_when_asked():
    result = make_action(Hide, {}, {"changed": True, "value": "s3cret"}).run(task_vars={})
    assert result["_ansible_no_log"] is True and result["value"] == "s3cret"
    result = make_action(Show, {}, {"changed": True, "value": "public"}).run(task_vars={})
    assert "_ansible_no_log" not in result and result["value"] == "public"


def test_failure_is_never_hidden():
    result = make_action(Hide, {}, {"failed": True, "msg": "path: cannot write"}).run(task_vars={})
    assert "_ansible_no_log" not in result and result["msg"] == "path: cannot write"


def test_runs_the_module_once_and_cleans_up_unless_async():
    action = make_action(Hide, {}, {"changed": False})
    action.run(task_vars={"x": 1})
    assert action.executed == [{"task_vars": {"x": 1}, "wrap_async": 0}]
    action._remove_tmp_path.assert_called_once_with("/nonexistent/ansible-tmp")  # pylint: disable=protected-access
    action = make_action(Hide, {}, {"changed": False}, async_val=10)
    action.run(task_vars={})
    assert action.executed[0]["wrap_async"] is True
    action._remove_tmp_path.assert_not_called()  # pylint: disable=protected-access


def test_base_requires_a_decision():
    with pytest.raises(NotImplementedError):
        make_action(HiddenResultActionBase, {}, {"changed": False}).run(task_vars={})
