# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""fedops.rocketchat.federation_fleet: its argument specification. Its steps run in its action, on the controller
(plugins/plugin_utils/_fleet.py); the module itself only says so."""

from __future__ import annotations

from ansible_collections.fedops.rocketchat.plugins.module_utils._argspec import ArgumentSpec

STEPS = ("validate", "plan", "converge", "report")


def federation_fleet_spec():
    return ArgumentSpec(
        argument_spec=dict(
            step=dict(type="str", required=True, choices=list(STEPS)),
            validated=dict(type="bool", default=False),
            plans_from=dict(type="str", default="__federation_fleet_plan"),
            results_from=dict(type="str", default="__federation_fleet"),
            max_workers=dict(type="int", default=16),
        ),
    )


def run_federation_fleet(module):
    module.fail_json(msg="fedops.rocketchat.federation_fleet runs on the controller through its action plugin: run the "
                         "task with the controller's connection (ansible_connection=local), or set federation_fleet to "
                         "false for workspaces reached over another connection.")
