# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS PLUGIN UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""The fleet path of the ``federation`` role: many workspaces converged by one task on the controller.

Four steps, each a task of ``fedops.rocketchat.federation_fleet``:

``validate`` (per host, the role's per-host paths)
    checks the role's variables: its argument spec, then its rules (``__federation_broken``);
``plan`` (per host)
    does the same check (unless the run already made it), then records the workspace's desired state from the role's
    variables as that host's task sees them (Ansible's variable precedence, play vars included), checked against the
    argument specs of the calls it will make; a bad value fails that host before anything is written;
``converge`` (``run_once``)
    takes the plans of the hosts of the batch that recorded one in the same block, and converges every workspace
    concurrently with the same calls the role's per-host tasks make (``fedops.rocketchat.federation`` per
    generation, the native key version, the legacy public key read, ``fedops.rocketchat.federation_dns``), in
    bounded threads; the DNS records of all workspaces are written through ``_dns._batch`` (one UPDATE per zone);
    an error of one workspace is that workspace's result and stops nothing else;
``report`` (per host)
    returns that workspace's part: changed, diff, the failure with its message.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.fedops.rocketchat.plugins.module_utils._dns import _batch
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._module import (
    check_requirements,
    dns_failure,
    federation_dns_spec,
    make_provider,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._federation import (
    federation_spec,
    run_federation,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._info import (
    federation_info_spec,
    run_federation_info,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._settings import run_settings, settings_spec
from ansible_collections.fedops.rocketchat.plugins.plugin_utils._in_process import (
    InProcessModule,
    ModuleExit,
    plain,
    run_in_process,
)
from ansible_collections.fedops.rocketchat.plugins.plugin_utils._role_vars import check_argument_spec

ROLE = "federation"

MODES = ("legacy", "matrix_bridge", "native")
# The calls a workspace's convergence makes, by step: (task action, argument spec, call).
CALLS = {
    "settings": ("fedops.rocketchat.federation", federation_spec, run_federation),
    "key_version": ("fedops.rocketchat.settings", settings_spec, run_settings),
    "public_key": ("fedops.rocketchat.federation_info", federation_info_spec, run_federation_info),
}


# The role's variables (roles/federation/vars/main.yml) that its rules and its calls' arguments use over and over, read
# first: each is then templated once (RoleVars).
ROLE_BASICS = ("__federation_modes", "__federation_matrix_modes", "__federation_dns_records", "__federation_srv_wanted")
# The arguments of each generation's settings call, by the generation that needs them.
ROLE_SETTINGS = (("legacy", "__federation_legacy_settings"), ("matrix_bridge", "__federation_bridge_settings"),
                 ("native", "__federation_native_settings"))


def role_check(role_vars):
    """``None`` when the role's variables meet its argument spec and its rules, else the failed result."""
    failure = check_argument_spec(ROLE, role_vars)
    if failure:
        return failure
    role_vars.all(ROLE_BASICS)
    broken = role_vars.get("__federation_broken") or []
    if broken:
        return {"failed": True, "msg": " ".join(broken)}
    return None


def role_plan_args(role_vars):
    """The plan's arguments, from the role's variables (those tasks/present.yml gives the same calls)."""
    role_vars.all(ROLE_BASICS)
    modes = list(role_vars.get("__federation_modes") or [])
    args = {"rocketchat": role_vars.get("__federation_rocketchat"), "modes": modes,
            "disable_other_modes": role_vars.get("__federation_disable_other_modes")}
    for mode, name in ROLE_SETTINGS:
        if mode in modes:
            args[mode] = role_vars.get(name)
    if "native" in modes:
        args["key_version"] = role_vars.get("__federation_key_version_settings")
    records = boolean(role_vars.get("__federation_dns_records"), strict=False)
    if records and role_vars.get("federation_dns_provider") != "none":
        role_vars.all(("__federation_dns_legacy", "__federation_dns_matrix"))
        args["dns"] = role_vars.get("__federation_dns_args")
    return args


def _strip(value, omit):
    """``value`` without ``None`` and ``omit`` placeholders in its mappings (what a task's ``omit`` removes)."""
    if isinstance(value, dict):
        return dict((k, _strip(v, omit)) for k, v in value.items() if v is not None and v != omit)
    if isinstance(value, list):
        return [_strip(v, omit) for v in value]
    return value


def settings_args(plan_):
    """The arguments of the ``fedops.rocketchat.federation`` call of each generation, in order."""
    calls = []
    for mode in plan_["modes"] or ["disabled"]:
        args = dict(plan_["rocketchat"], mode=mode, disable_other_modes=plan_["disable_other_modes"])
        if mode in MODES and plan_.get(mode):
            args[mode] = plan_[mode]
        calls.append((mode, args))
    return calls


def _validate(name, spec, args):
    """``None`` when ``args`` fit ``spec``, else the failure the task would return."""
    try:
        InProcessModule(name, spec(), args)
    except ModuleExit as failure:
        return failure.result
    return None


def plan(args, omit=None):
    """The plan a host records: its arguments, plain and without omitted values; ``(plan, failure)``."""
    recorded = _strip(plain(args), omit)
    recorded.setdefault("modes", [])
    for mode, call_args in settings_args(recorded):
        failure = _validate(CALLS["settings"][0], CALLS["settings"][1], call_args)
        if failure:
            return None, dict(failure, msg="%s (generation %s): %s" % (CALLS["settings"][0], mode, failure["msg"]))
    if recorded.get("dns"):
        dns_args = dict(recorded["dns"])
        if "legacy" in dns_args:
            dns_args["legacy"] = dict(dns_args["legacy"], public_key=dns_args["legacy"].get("public_key") or "x")
        failure = _validate("fedops.rocketchat.federation_dns", federation_dns_spec, dns_args)
        if failure:
            return None, dict(failure, msg="fedops.rocketchat.federation_dns: %s" % failure["msg"])
    return recorded, None


class Workspace(object):
    """One workspace's convergence: its calls' results in order, then its DNS job."""

    def __init__(self, name, plan_, check_mode, diff):
        self.name = name
        self.plan = plan_
        self.check_mode = check_mode
        self.diff = diff
        self.steps = []            # each call's result, with ``step`` (and ``item``: the generation of a settings call)
        self.failed = None
        self.dns_module = None
        self.dns_provider = None

    def call(self, step, args, **extra):
        action, spec, func = CALLS[step]
        result = run_in_process(action, spec(), func, args, check_mode=self.check_mode, diff=self.diff)
        self._record(result, action, step=step, **extra)
        return result

    def _record(self, result, action, **fields):
        """A step's result, without its call's arguments: the plan holds them, and each host's result stays in the
        controller's memory for the rest of the play."""
        result.pop("invocation", None)
        self.steps.append(dict(result, **fields))
        if result.get("failed"):
            self.failed = dict(result, step=action)

    def converge_settings(self):
        """The settings of each generation, the key version and the legacy key: what comes before DNS."""
        for mode, args in settings_args(self.plan):
            self.call("settings", args, item=mode)
            if self.failed:
                return
        if self.plan.get("key_version"):
            self.call("key_version", dict(self.plan["rocketchat"], settings=self.plan["key_version"]))
            if self.failed:
                return
        self.prepare_dns()

    def legacy_public_key(self):
        """The key the settings calls read, else read on its own (as the per-host tasks do)."""
        keys = [s["legacy_public_key"] for s in self.steps if s.get("legacy_public_key")]
        if keys:
            return keys[0]
        return self.call("public_key", dict(self.plan["rocketchat"])).get("legacy", {}).get("public_key") or ""

    def prepare_dns(self):
        """The validated ``federation_dns`` call and its provider, for the batch."""
        args = self.plan.get("dns")
        if not args:
            return
        args = dict(args)
        if "legacy" in args:
            args["legacy"] = dict(args["legacy"], public_key=self.legacy_public_key())
            if self.failed:
                return
        try:
            module = InProcessModule("fedops.rocketchat.federation_dns", federation_dns_spec(), args,
                                     check_mode=self.check_mode, diff=self.diff)
            check_requirements(module)
            try:
                provider = make_provider(module.params, warn=module.warn)
            except Exception as exc:  # pylint: disable=broad-except
                module.fail_json(**dns_failure(exc, None))
        except ModuleExit as failure:
            self.dns_step(failure.result)
            return
        self.dns_module, self.dns_provider = module, provider

    def finish_dns(self, outcome):
        """The DNS step's result from the batch's ``outcome`` (its module result, or the exception)."""
        try:
            try:
                if isinstance(outcome, Exception):
                    self.dns_module.fail_json(**dns_failure(outcome, self.dns_provider))
                self.dns_module.exit_json(**outcome)
            finally:
                self.dns_provider.close()
        except ModuleExit as done:
            self.dns_step(done.result)

    def dns_step(self, result):
        self._record(result, "fedops.rocketchat.federation_dns", step="dns")

    def report(self):
        """The host's result: each step's result in order (``step``: settings, key_version, public_key, dns), what
        changed, the diffs, the failure."""
        result = {"results": self.steps, "changed": any(s.get("changed") for s in self.steps)}
        warnings = [w for s in self.steps for w in s.get("warnings", [])]
        if warnings:
            result["warnings"] = warnings
        diffs = [s["diff"] for s in self.steps if s.get("changed") and s.get("diff")]
        if diffs:
            result["diff"] = diffs
        if self.failed:
            result.update(failed=True, msg="%s: %s" % (self.failed["step"], self.failed.get("msg")))
        return result


def converge(plans, check_mode=False, diff=False, max_workers=16):
    """Converge every workspace of ``plans`` (``{host: plan}``); ``{host: its report}``."""
    workspaces = [Workspace(name, p, check_mode, diff) for name, p in sorted(plans.items())]
    if not workspaces:
        return {}
    with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(workspaces)))) as pool:
        for future in [pool.submit(w.converge_settings) for w in workspaces]:
            future.result()
    pending = [w for w in workspaces if w.dns_module is not None and not w.failed]
    outcomes = _batch.run_many([(w.dns_provider, w.dns_module.params) for w in pending],
                               check_mode=check_mode, want_diff=diff, max_workers=max_workers)
    for workspace, outcome in zip(pending, outcomes):
        workspace.finish_dns(outcome)
    return dict((w.name, w.report()) for w in workspaces)
