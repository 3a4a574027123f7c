# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The _keys doc fragment: the keys action group matches meta/runtime.yml and the modules that use it."""

from __future__ import annotations

from ansible_collections.fedops.rocketchat.plugins.doc_fragments import _keys

from tests.unit.plugins.doc_fragments.fragments import action_group, attributes_of, fragment_users, parse


def test_blocks_parse():
    assert attributes_of(_keys) == ["ACTIONGROUP_KEYS", "DOCUMENTATION"]
    assert parse(_keys)["options"] == {}


def test_keys_action_group_is_the_keys_group_of_runtime_yml(runtime):
    group, membership = action_group(_keys, "ACTIONGROUP_KEYS")
    assert membership == ["fedops.rocketchat.keys"]
    assert group["support"] == "full"
    assert "group/fedops.rocketchat.keys" in group["description"]
    users = fragment_users(_keys, "ACTIONGROUP_KEYS")
    assert users, "no module extends fedops.rocketchat._keys.actiongroup_keys"
    assert sorted(users) == sorted(runtime["action_groups"]["keys"])
