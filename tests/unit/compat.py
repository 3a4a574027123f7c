# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the unit tests need from ansible-core, on every core the collection claims (2.16 and later).

``patch_module_args`` arrived in ansible-core 2.19 (``ansible.module_utils.testing``); older cores read the
module arguments from ``ansible.module_utils.basic._ANSIBLE_ARGS``, which the fallback sets the same way. Older
cores also keep module warnings in a process-wide list and return them in the result instead of printing them:
the fallback empties that list for each run, and ``warnings_text`` gives what 2.19 would have printed.
"""

from __future__ import annotations

try:
    from ansible.module_utils.testing import patch_module_args
    HAS_NATIVE_PATCH_MODULE_ARGS = True
except ImportError:  # ansible-core < 2.19
    import contextlib
    import json

    from ansible.module_utils import basic
    from ansible.module_utils.common import warnings as _warnings

    HAS_NATIVE_PATCH_MODULE_ARGS = False

    @contextlib.contextmanager
    def patch_module_args(args=None):
        """Make AnsibleModule() read ``args`` as its module arguments inside the block."""
        saved = basic._ANSIBLE_ARGS  # pylint: disable=protected-access
        basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": args or {}}).encode("utf-8")
        del _warnings._global_warnings[:]  # pylint: disable=protected-access
        del _warnings._global_deprecations[:]  # pylint: disable=protected-access
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved


def warnings_text(result):
    """The warnings of a module result as ansible-core 2.19 prints them to stderr in-process ('' on 2.19,
    where they are already there)."""
    if HAS_NATIVE_PATCH_MODULE_ARGS:
        return ""
    return "".join("[WARNING]: %s\n" % warning for warning in result.get("warnings") or [])


__all__ = ["patch_module_args", "warnings_text"]
