# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Check records, the verdict and the printed report.

Each check yields one record ``{name, target, status, ok, detail, hint, data}``: ``status`` is ``pass``, ``warn``
(works, but worth fixing), ``fail`` or ``skip`` (not run because an earlier check failed or it does not apply);
``ok`` is false only for ``fail``; ``hint`` names the fix.
"""

from __future__ import annotations


PASS, WARN, FAIL, SKIP = "pass", "warn", "fail", "skip"


def record(name, status, detail, hint=None, target=None, data=None):
    return {"name": name, "target": target, "status": status, "ok": status != FAIL, "detail": detail,
            "hint": hint if status in (FAIL, WARN) else None, "data": data or {}}


def verdict(records):
    failed = [r for r in records if r["status"] == FAIL]
    warned = [r for r in records if r["status"] == WARN]
    return not failed, failed, warned


def render_report(subject, records, summary_lines=()):
    ok, failed, warned = verdict(records)
    passed = sum(1 for r in records if r["status"] == PASS)
    skipped = sum(1 for r in records if r["status"] == SKIP)
    lines = ["federation check %s: %s (%d passed, %d failed, %d warnings, %d skipped)"
             % (subject, "OK" if ok else "FAILED", passed, len(failed), len(warned), skipped)]
    lines.extend("  " + line for line in summary_lines)
    for rec in failed + warned:
        where = " [%s]" % rec["target"] if rec["target"] else ""
        lines.append("%s %s%s: %s" % (rec["status"].upper(), rec["name"], where, rec["detail"]))
        if rec["hint"]:
            lines.append("  fix: %s" % rec["hint"])
    return lines
