# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The signing_key action hides the result exactly when return_content asks for the private key."""

from __future__ import annotations

import pytest

from ansible.plugins.action import ActionBase

from ansible_collections.fedops.rocketchat.plugins.action.signing_key import ActionModule

from tests.unit.plugins.plugin_utils.test_hidden_result import make_action


@pytest.fixture(autouse=True)
def no_base_run(monkeypatch):
    monkeypatch.setattr(ActionBase, "run", lambda self, tmp=None, task_vars=None: {})


@pytest.mark.parametrize("return_content, hidden", [
    (None, False), (False, False), ("no", False), (True, True), ("yes", True), ("true", True),
    ("not-a-bool", True),  # the module refuses the value; hide anyway
])
def test_hidden_with_return_content(return_content, hidden):
    args = {"path": "/k"}
    if return_content is not None:
        args["return_content"] = return_content
    result = make_action(ActionModule, args, {"changed": False, "private_key": "x"}).run(task_vars={})
    assert result.get("_ansible_no_log", False) is hidden


def test_failure_shown_even_with_return_content():
    result = make_action(ActionModule, {"return_content": True}, {"failed": True, "msg": "m"}).run(task_vars={})
    assert "_ansible_no_log" not in result
