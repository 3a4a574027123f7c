# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The federation role's change lines, from the per-host tasks' results and from the fleet path's report."""

from __future__ import annotations

from ansible_collections.fedops.rocketchat.plugins.filter.federation_changes import FilterModule, federation_changes

DNS = {"changed": True, "changes": [{"action": "create", "type": "SRV", "name": "_rocketchat._https.a.example."}]}
SETTINGS = {"results": [{"changed": True, "changed_settings": ["FEDERATION_Domain"], "item": "legacy"},
                        {"changed": False, "changed_settings": [], "item": "native"}, {"skipped": True}]}


def test_lines_in_the_order_the_steps_run():
    steps = {"settings": SETTINGS, "dns": DNS, "key": {"changed": True, "action": "created"},
             "key_version": {"changed": True}, "registration": {"changed": True}, "registration_path": "/etc/r.yaml",
             "permissions": {"changed_permissions": ["access-federation"]}}
    assert federation_changes(steps) == [
        "setting FEDERATION_Domain", "signing key: created", "setting Federation_Service_Matrix_Signing_Version",
        "registration file /etc/r.yaml", "permission access-federation", "dns create SRV _rocketchat._https.a.example."]


def test_the_fleet_report_stands_for_settings_key_version_and_dns():
    fleet = {"results": [dict(SETTINGS["results"][0], step="settings"), dict(DNS, step="dns")]}
    stale = {"results": [{"changed": True, "changed_settings": ["STALE"]}]}
    assert federation_changes({"fleet": fleet, "settings": stale, "dns": {"skipped": True}}) == [
        "setting FEDERATION_Domain", "dns create SRV _rocketchat._https.a.example."]


def test_missing_or_skipped_steps_add_nothing():
    assert federation_changes({"fleet": None, "settings": {"skipped": True}, "dns": {}}) == []
    assert federation_changes(None) == []
    assert FilterModule().filters()["federation_changes"] is federation_changes
