# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS DOC FRAGMENT IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

from __future__ import annotations


class ModuleDocFragment(object):

    DOCUMENTATION = r"""
options: {}
"""

    ACTIONGROUP_KEYS = r"""
options: {}
attributes:
  action_group:
    description:
      - Use C(group/fedops.rocketchat.keys) in C(module_defaults) to set defaults for this module, for example the
        C(owner), C(group) and C(mode) that every key and secret file of a service should get.
    support: full
    membership:
      - fedops.rocketchat.keys
"""
