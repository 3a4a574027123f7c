# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action for fedops.rocketchat.signing_key: runs the module; with return_content=true the result is hidden.

Without return_content the module returns public facts only and its result is shown as usual.
"""

from __future__ import annotations

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.fedops.rocketchat.plugins.plugin_utils._hidden_result import HiddenResultActionBase


class ActionModule(HiddenResultActionBase):

    def hide_result(self):
        try:
            return boolean(self._task.args.get("return_content", False), strict=True)
        except TypeError:
            return True  # the module rejects the value; hide the result anyway
