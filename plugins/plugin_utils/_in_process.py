# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS PLUGIN UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Base for action plugins that run their module's ``module_utils`` call in the controller process.

A module run on the controller costs a fresh Python that unpacks the module payload and imports
``ansible.module_utils.basic`` and the module's libraries (0.5 to 1 s of CPU); the API-only modules of the
collection do nothing on the managed host, so when the task runs on the controller anyway the same call runs here,
in the worker process, against the same ``ArgumentSpec``:

* the task arguments are turned into plain Python types first (as the module would receive them from JSON; tagged
  or unsafe string subclasses would otherwise make ``type(a) is type(b)`` comparisons fail);
* they are validated with ansible's ``ArgumentSpecValidator`` and the spec's own ``non_empty`` check, with the
  module's error messages;
* the call gets an object with the parts of ``AnsibleModule`` the ``module_utils`` code uses (``params``,
  ``check_mode``, ``_diff``, ``warn``, ``fail_json``, ``exit_json``, ``no_log_values``);
* the result gets ``invocation`` and ``warnings`` and has every ``no_log`` value masked, as ``AnsibleModule`` does.

Everything else runs the module as usual (``_execute_module``): a remote host or a ``delegate_to`` to one, ``async``,
``become``, a task ``environment``, a controller Python that lacks one of the module's libraries, or
``FEDOPS_ROCKETCHAT_IN_PROCESS=false`` in the controller's environment.
"""

from __future__ import annotations

import json
import os

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.parsing.ajson import AnsibleJSONEncoder
from ansible.release import __version__ as ANSIBLE_VERSION

from ansible_collections.fedops.rocketchat.plugins.plugin_utils._hidden_result import HiddenResultActionBase

SWITCH = "FEDOPS_ROCKETCHAT_IN_PROCESS"
LOCAL_CONNECTIONS = ("local", "ansible.builtin.local", "ansible.legacy.local")


class ModuleExit(BaseException):
    """Ends an in-process module call (as ``SystemExit`` ends a module): a ``BaseException``, so the broad
    ``except Exception`` of the ``module_utils`` code does not turn a ``fail_json`` into an unexpected error."""

    def __init__(self, result):
        super(ModuleExit, self).__init__(result.get("msg"))
        self.result = result


def plain(value):
    """``value`` as a module receives it: plain dict/list/str/int/float/bool/None (through JSON, as for a module)."""
    return json.loads(json.dumps(value, cls=AnsibleJSONEncoder))


class InProcessModule:
    """The part of ``AnsibleModule`` the collection's ``module_utils`` code uses, for one call in this process."""

    def __init__(self, name, spec, args, check_mode=False, diff=False):
        self._name = name
        self.check_mode = check_mode
        self._diff = diff
        self.ansible_version = ANSIBLE_VERSION
        self.no_log_values = set()
        self._warnings = []
        self.params = plain(args)
        kwargs = spec.to_kwargs()
        kwargs.pop("add_file_common_args", None)
        argument_spec = kwargs.pop("argument_spec")
        validator = ArgumentSpecValidator(argument_spec, **kwargs)
        validation = validator.validate(self.params)
        self.params.update(validation.validated_parameters)
        self.no_log_values.update(validation._no_log_values)  # pylint: disable=protected-access
        for alias in validation._warnings:  # pylint: disable=protected-access
            self.warn("Both option {option} and its alias {alias} are set.".format(**alias))
        if validation.error_messages:
            msg = validation.errors.msg
            if isinstance(validation.errors[0], UnsupportedError):
                msg = "Unsupported parameters for (%s) module: %s" % (name, msg)
            self.fail_json(msg=msg)
        empty = spec.check_non_empty(self.params)
        if empty is not None:
            self.fail_json(msg="%s must not be empty (got %s=%r); give a value or leave the option out"
                               % (empty[0], empty[0], empty[1]))

    def warn(self, warning):
        self._warnings.append(warning)

    def _formatted(self, result):
        result.setdefault("invocation", {"module_args": self.params})
        if self._warnings:
            result["warnings"] = list(self._warnings)
        preserved = dict((k, v) for k, v in result.items() if v is None or isinstance(v, bool))
        result = remove_values(result, self.no_log_values)
        result.update(preserved)
        return result

    def exit_json(self, **result):
        raise ModuleExit(self._formatted(result))

    def fail_json(self, msg, **result):
        # The traceback stays out of the result, as by default in ansible-core 2.19; the message names the fault.
        result.pop("exception", None)
        result.update(failed=True, msg=str(msg))
        raise ModuleExit(self._formatted(result))


def run_in_process(name, spec, call, args, check_mode=False, diff=False):
    """The result ``call(module)`` gives (or its failure), as the module would return it."""
    try:
        module = InProcessModule(name, spec, args, check_mode=check_mode, diff=diff)
        module.exit_json(**call(module))
    except ModuleExit as done:
        return done.result
    raise AssertionError("exit_json returned")  # pragma: no cover


class InProcessActionBase(HiddenResultActionBase):
    """Runs ``module_call(module)`` with ``module_spec()`` in this process when the task runs on the controller,
    the module otherwise. Subclasses set ``module_spec``, ``module_call`` and ``requirements`` (``HAS_*`` flags of
    the libraries the call needs; when one is missing here the module runs, whose interpreter may have it)."""

    module_spec = None
    module_call = None
    requirements = ()

    def hide_result(self):
        """Whether a successful result of this task must be hidden (``_ansible_no_log``)."""
        return False

    def runs_in_process(self):
        try:
            if not boolean(os.environ.get(SWITCH, "true"), strict=True):
                return False
        except TypeError:
            pass
        if self._task.async_val or self._play_context.become:
            return False
        if any(self._task.environment or ()):   # a list of mappings (or templates), [{}] when none is set
            return False
        if not all(self.requirements):
            return False
        connection = getattr(self._connection, "_load_name", None) or getattr(self._connection, "transport", None)
        return connection in LOCAL_CONNECTIONS

    def execute(self, task_vars):
        if not self.runs_in_process():
            return super(InProcessActionBase, self).execute(task_vars)
        return run_in_process(self._task.action, type(self).module_spec(), type(self).module_call, self._task.args,
                              check_mode=bool(self._task.check_mode), diff=bool(self._task.diff))
