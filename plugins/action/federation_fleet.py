# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action for fedops.rocketchat.federation_fleet: its steps, on the controller (plugin_utils/_fleet.py)."""

from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.fedops.rocketchat.plugins.module_utils._fleet_module import federation_fleet_spec
from ansible_collections.fedops.rocketchat.plugins.plugin_utils import _fleet
from ansible_collections.fedops.rocketchat.plugins.plugin_utils._in_process import InProcessModule, ModuleExit
from ansible_collections.fedops.rocketchat.plugins.plugin_utils._role_vars import RoleVars, argument_spec

# Read here, when the strategy loads this action before it starts a worker: every worker then has it already.
argument_spec(_fleet.ROLE)


class ActionModule(ActionBase):

    _supports_check_mode = True
    _supports_async = False

    def _block_id(self):
        """The block the plan, converge and report steps share: plans recorded by another block (an earlier play or
        role) are not this converge step's."""
        return getattr(self._task._parent, "_uuid", None)  # pylint: disable=protected-access

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        try:
            module = InProcessModule(self._task.action, federation_fleet_spec(), self._task.args)
        except ModuleExit as failure:
            # the task's own arguments carry every workspace credential: a refusal shows the message, not them
            failure.result.pop("invocation", None)
            return dict(result, **failure.result)
        params = module.params
        step = getattr(self, "_" + params["step"])
        result.update(step(params, task_vars or {}))
        return result

    def _validate(self, params, task_vars):
        failure = _fleet.role_check(RoleVars(self._templar, task_vars))
        return failure or {"changed": False, "msg": "The role variables are valid"}

    def _plan(self, params, task_vars):
        role_vars = RoleVars(self._templar, task_vars)
        failure = None if params["validated"] else _fleet.role_check(role_vars)
        if failure:
            return failure
        plan, failure = _fleet.plan(_fleet.role_plan_args(role_vars), omit=task_vars.get("omit"))
        if failure:
            return failure
        # The plan holds the workspace's credentials: never shown.
        return {"changed": False, "plan": plan, "block": self._block_id(), "_ansible_no_log": True}

    def _converge(self, params, task_vars):
        hostvars = task_vars.get("hostvars", {})
        plans = {}
        for host in task_vars.get("ansible_play_batch", []):
            recorded = hostvars[host].get(params["plans_from"]) if host in hostvars else None
            if isinstance(recorded, dict) and recorded.get("block") == self._block_id() and "plan" in recorded:
                plans[host] = recorded["plan"]
        workspaces = _fleet.converge(plans, check_mode=bool(self._task.check_mode), diff=bool(self._task.diff),
                                     max_workers=params["max_workers"])
        return {"changed": False, "workspaces": workspaces, "_ansible_no_log": True}

    def _report(self, params, task_vars):
        host = task_vars.get("inventory_hostname")
        converged = task_vars.get(params["results_from"]) or {}
        workspaces = converged.get("workspaces") if isinstance(converged, dict) else None
        if not isinstance(workspaces, dict) or host not in workspaces:
            return {"failed": True, "msg": "%s recorded no result for %s: the converge step did not run for it (it "
                                           "must run once, in the same block, after the plan step)."
                                           % (params["results_from"], host)}
        return dict(workspaces[host])
