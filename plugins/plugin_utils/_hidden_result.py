# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS PLUGIN UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Base for action plugins that run their module and may hide a successful result from the output.

A module cannot mark its own result as no_log. The registered variable still holds the value; callbacks
(including -vvv output) only see that it was hidden. A failure is never hidden: it carries no secret (the modules
mask secrets in their messages) and its message must be seen.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase
from ansible.utils.vars import merge_hash


class HiddenResultActionBase(ActionBase):
    """Runs the task's module (async supported) and sets _ansible_no_log on a successful result when
    :meth:`hide_result` says so."""

    _supports_check_mode = True
    _supports_async = True

    def hide_result(self):
        """Whether a successful result of this task must be hidden."""
        raise NotImplementedError

    def execute(self, task_vars):
        """The task's own result: the module's (``async`` supported)."""
        wrap_async = self._task.async_val and not self._connection.has_native_async
        result = self._execute_module(task_vars=task_vars, wrap_async=wrap_async)
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)  # pylint: disable=protected-access
        return result

    def run(self, tmp=None, task_vars=None):
        result = super(HiddenResultActionBase, self).run(tmp, task_vars)
        del tmp
        result = merge_hash(result, self.execute(task_vars))
        if not result.get("failed") and self.hide_result():
            result["_ansible_no_log"] = True
        return result
