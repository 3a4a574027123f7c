# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action for fedops.rocketchat.federation.

Runs the module's call in the controller process when the task runs on the controller, the module otherwise
(see plugin_utils/_in_process.py).
"""

from __future__ import annotations

from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._federation import (
    federation_spec,
    run_federation,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._transport import HAS_REQUESTS
from ansible_collections.fedops.rocketchat.plugins.plugin_utils._in_process import InProcessActionBase


class ActionModule(InProcessActionBase):

    module_spec = federation_spec
    module_call = run_federation
    requirements = (HAS_REQUESTS,)
