# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action for fedops.rocketchat.secret: runs the module and always hides a successful result from the output.

A module cannot mark its own result as no_log, and the secret module's whole purpose is to return a secret.
The registered variable still holds the value; callbacks (including -vvv output) only see that it was hidden.
"""

from __future__ import annotations

from ansible_collections.fedops.rocketchat.plugins.plugin_utils._hidden_result import HiddenResultActionBase


class ActionModule(HiddenResultActionBase):

    def hide_result(self):
        # A failure carries no secret (the module masks the value in its messages) and its message must be seen;
        # the base never hides one.
        return True
