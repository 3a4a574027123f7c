# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the module glue uses of AnsibleModule, for unit tests of ``run_<name>(module)`` without a process."""

from __future__ import annotations


class Exited(Exception):
    """``fail_json`` (``failed``) or ``exit_json`` was called with ``result``."""

    def __init__(self, failed, result):
        super(Exited, self).__init__(result.get("msg"))
        self.failed = failed
        self.result = result


class FakeModule(object):
    """``params`` are ``defaults`` updated with the keyword arguments; warnings are collected."""

    check_mode = False
    _diff = False
    ansible_version = "2.x"
    defaults = {}

    def __init__(self, **params):
        self.params = dict(self.defaults)
        self.params.update(params)
        self.warnings = []

    def fail_json(self, **result):
        raise Exited(True, result)

    def exit_json(self, **result):
        raise Exited(False, result)

    def warn(self, msg):
        self.warnings.append(msg)
