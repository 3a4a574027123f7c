# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check records, verdict and the printed report."""

from __future__ import annotations


from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check import _report as report


def test_report_orders_failures_then_warnings():
    records = [report.record("a", "pass", "fine"), report.record("b", "warn", "meh", "do x", "t1"),
               report.record("c", "fail", "bad", "do y"), report.record("d", "skip", "n/a")]
    lines = report.render_report("example.org", records, ["step one"])
    assert lines == ["federation check example.org: FAILED (1 passed, 1 failed, 1 warnings, 1 skipped)",
                     "  step one", "FAIL c: bad", "  fix: do y", "WARN b [t1]: meh", "  fix: do x"]
    assert report.record("x", "pass", "d", "hint")["hint"] is None
    assert report.record("x", "fail", "d", "hint")["ok"] is False
