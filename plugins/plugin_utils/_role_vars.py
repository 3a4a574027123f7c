# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS PLUGIN UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""A role's variables as one host's task sees them, read in an action plugin: each templated once, and checked
against the role's argument spec.

ansible-core templates a role variable again at every use: a variable that uses another one five times templates it
five times, and 2.19 compiles each template anew. ``RoleVars`` templates a variable the first time it is read and
keeps its value for the variables read after it, so a role's derived variables, read in the order they use each
other, cost one template each.

``check_argument_spec`` does what Ansible's automatic check of a role's argument spec does (the values of the spec's
options among the task's variables, templated, then ``ArgumentSpecValidator``), with the same message, without the
automatic check's task: that task carries the whole spec in its arguments, so each host's result holds it until the
task has run on every host of the play.
"""

from __future__ import annotations

import os

import yaml

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

ROLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "roles")
_SPECS = {}


def argument_spec(role, entry_point="main"):
    """The options of ``role``'s argument spec entry point (plain YAML: no origin tags), read once per process."""
    key = (role, entry_point)
    if key not in _SPECS:
        path = os.path.join(ROLES, role, "meta", "argument_specs.yml")
        with open(path, "rb") as handle:
            specs = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        _SPECS[key] = specs["argument_specs"][entry_point].get("options") or {}
    return _SPECS[key]


class RoleVars(object):
    """The variables of one host's task (``task_vars``), each templated the first time it is read."""

    def __init__(self, templar, task_vars):
        self._templar = templar
        self._vars = dict(task_vars)
        self._templated = set()

    def __contains__(self, name):
        return name in self._vars

    def get(self, name, default=None):
        if name not in self._vars:
            return default
        if name not in self._templated:
            templar = self._templar.copy_with_new_env(available_variables=self._vars)
            self._vars[name] = templar.template(self._vars[name])
            self._templated.add(name)
        return self._vars[name]

    def all(self, names):
        """``{name: value}`` of those of ``names`` that are defined, in order."""
        return dict((name, self.get(name)) for name in names if name in self)


def check_argument_spec(role, role_vars, entry_point="main"):
    """``None`` when ``role_vars`` meet ``role``'s argument spec, else the failed result Ansible's check returns."""
    options = argument_spec(role, entry_point)
    validator = ArgumentSpecValidator(options)
    values = role_vars.all(options)
    # as Ansible's check calls it (cores that do not know the keyword take it through **kwargs)
    validation = validator.validate(values, validate_role_argument_spec=True)
    if not validation.error_messages:
        return None
    return {"failed": True, "argument_errors": list(validation.error_messages),
            "msg": "Validation of arguments failed:\n%s" % "\n".join(validation.error_messages),
            "validate_args_context": {"type": "role", "name": role, "argument_spec_name": entry_point}}
