# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action for fedops.rocketchat.secret: runs the module and always hides a successful result from the output.

A module cannot mark its own result as no_log, and the secret module's whole purpose is to return a secret.
The registered variable still holds the value; callbacks (including -vvv output) only see that it was hidden.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase
from ansible.utils.vars import merge_hash


class ActionModule(ActionBase):

    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        wrap_async = self._task.async_val and not self._connection.has_native_async
        result = merge_hash(result, self._execute_module(task_vars=task_vars, wrap_async=wrap_async))
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)  # pylint: disable=protected-access
        # A failure carries no secret (the module masks the value in its messages) and its message must be seen.
        if not result.get("failed"):
            result["_ansible_no_log"] = True
        return result
