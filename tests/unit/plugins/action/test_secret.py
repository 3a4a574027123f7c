# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The secret action always hides a successful result (it holds the secret), never a failure."""

from __future__ import annotations

import pytest

from ansible.plugins.action import ActionBase

from ansible_collections.fedops.rocketchat.plugins.action.secret import ActionModule

from tests.unit.plugins.plugin_utils.test_hidden_result import make_action


@pytest.fixture(autouse=True)
def no_base_run(monkeypatch):
    monkeypatch.setattr(ActionBase, "run", lambda self, tmp=None, task_vars=None: {})


@pytest.mark.parametrize("args", [{}, {"path": "/x"}, {"master_secret": "m", "label": "l"}])
def test_success_always_hidden(args):
    result = make_action(ActionModule, args, {"changed": False, "value": "s3cret"}).run(task_vars={})
    assert result["_ansible_no_log"] is True and result["value"] == "s3cret"


def test_failure_shown():
    result = make_action(ActionModule, {}, {"failed": True, "msg": "length: must be"}).run(task_vars={})
    assert "_ansible_no_log" not in result
