# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""One argument specification helper for every module of the collection.

An ``ArgumentSpec`` carries the options and every constraint ``AnsibleModule`` knows, plus the checks
``AnsibleModule`` lacks (``non_empty``: options that, when given, must not be empty or blank). Specs of shared
option groups (connection, DNS provider, file attributes) merge into a module's own spec::

    spec = ArgumentSpec(argument_spec=dict(path=dict(type="path", required=True)), non_empty=["path"])
    spec.merge(other_spec)
    module = spec.create_ansible_module(supports_check_mode=True)

Constraint lists are concatenated on merge, ``required_by`` mappings are merged key by key, options of the merged
spec override options of the same name.
"""

from __future__ import annotations

import copy

from ansible.module_utils.basic import AnsibleModule

_LIST_CONSTRAINTS = ("mutually_exclusive", "required_together", "required_one_of", "required_if")


class ArgumentSpec:

    def __init__(self, argument_spec=None, mutually_exclusive=None, required_together=None, required_one_of=None,
                 required_if=None, required_by=None, non_empty=None, add_file_common_args=False):
        self.argument_spec = copy.deepcopy(argument_spec or {})
        self.mutually_exclusive = list(mutually_exclusive or [])
        self.required_together = list(required_together or [])
        self.required_one_of = list(required_one_of or [])
        self.required_if = list(required_if or [])
        self.required_by = dict(required_by or {})
        self.non_empty = list(non_empty or [])
        self.add_file_common_args = add_file_common_args

    def merge(self, other):
        """Add ``other``'s options and constraints to this spec; returns ``self``."""
        self.argument_spec.update(copy.deepcopy(other.argument_spec))
        for name in _LIST_CONSTRAINTS:
            getattr(self, name).extend(getattr(other, name))
        for option, requires in other.required_by.items():
            mine = self.required_by.get(option, [])
            mine = [mine] if isinstance(mine, str) else list(mine)
            requires = [requires] if isinstance(requires, str) else list(requires)
            self.required_by[option] = mine + [req for req in requires if req not in mine]
        self.non_empty.extend(name for name in other.non_empty if name not in self.non_empty)
        self.add_file_common_args = self.add_file_common_args or other.add_file_common_args
        return self

    def to_kwargs(self):
        """Keyword arguments for ``AnsibleModule`` (without ``supports_check_mode``)."""
        kwargs = {"argument_spec": copy.deepcopy(self.argument_spec)}
        for name in _LIST_CONSTRAINTS:
            if getattr(self, name):
                kwargs[name] = list(getattr(self, name))
        if self.required_by:
            kwargs["required_by"] = dict(self.required_by)
        if self.add_file_common_args:
            kwargs["add_file_common_args"] = True
        return kwargs

    def check_non_empty(self, params):
        """The first ``(option, value)`` in ``non_empty`` that was given as an empty or blank string, or ``None``."""
        for name in self.non_empty:
            value = params.get(name)
            if isinstance(value, str) and not value.strip():
                return name, value
        return None

    def create_ansible_module(self, supports_check_mode=True, **kwargs):
        """``AnsibleModule`` for this spec; fails (naming option and value) when a ``non_empty`` option is empty."""
        options = self.to_kwargs()
        options.update(kwargs)
        module = AnsibleModule(supports_check_mode=supports_check_mode, **options)
        empty = self.check_non_empty(module.params)
        if empty is not None:
            module.fail_json(msg="%s must not be empty (got %s=%r); give a value or leave the option out"
                                 % (empty[0], empty[0], empty[1]))
        return module
