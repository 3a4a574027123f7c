# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Pipeline reports of the drift, check and probe runs: JUnit XML and a short Markdown summary. Pure functions.

A run becomes a list of *cases*, one per check (federation_check), per step (federation_probe) or one for the
workspace's drift, each a dict ``name``, ``status`` (``pass``, ``warn``, ``fail``, ``skip``, ``error``),
``message`` (the hint: what to fix), ``detail`` (what was found) and ``seconds`` (or None). JUnit readers (GitLab,
GitHub Actions test reporters, Jenkins) show one test per case, the hint as the failure message; a warning passes
with its hint in ``system-out``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

KINDS = ("drift", "check", "probe")
_TITLES = {"drift": "drift", "check": "peer-side check", "probe": "federation probe"}
_ICONS = {"pass": "pass", "warn": "warn", "fail": "FAIL", "skip": "skip", "error": "ERROR"}


def _text(value):
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _case(name, status, message="", detail="", seconds=None):
    return {"name": _text(name), "status": status, "message": _text(message), "detail": _text(detail),
            "seconds": seconds}


def _run_error(result):
    """A task that failed before producing its records (bad options, unreachable controller ...)."""
    return [_case("run", "error", result.get("msg") or "the task failed without a message",
                  "the task failed before it produced its results")]


def cases_from_check(result):
    """fedops.rocketchat.federation_check's result: one case per check, named ``name`` or ``name target``."""
    if not isinstance(result, dict):
        raise ValueError("a check result is a mapping (the registered result of federation_check)")
    checks = result.get("checks")
    if not isinstance(checks, list):
        return _run_error(result)
    cases = []
    for check in checks:
        if not isinstance(check, dict):
            continue
        name = check.get("name") or "check"
        if check.get("target"):
            name = "%s %s" % (name, check["target"])
        status = check.get("status") if check.get("status") in ("pass", "warn", "fail", "skip") else "error"
        cases.append(_case(name, status, check.get("hint") or check.get("detail") or "", check.get("detail")))
    return cases or [_case("checks", "skip", "", "no check applied to this workspace")]


def cases_from_probe(result):
    """fedops.rocketchat.federation_probe's result: one case per step with its duration."""
    if not isinstance(result, dict):
        raise ValueError("a probe result is a mapping (the registered result of federation_probe)")
    steps = result.get("steps")
    if not isinstance(steps, list):
        return _run_error(result)
    cases = []
    for step in steps:
        if not isinstance(step, dict):
            continue
        status = {"pass": "pass", "fail": "fail", "skip": "skip", "planned": "skip"}.get(step.get("status"), "error")
        millis = step.get("duration_ms")
        seconds = millis / 1000.0 if isinstance(millis, (int, float)) and not isinstance(millis, bool) else None
        cases.append(_case(step.get("name") or "step", status, step.get("hint") or step.get("detail") or "",
                           step.get("detail"), seconds))
    return cases or _run_error(result)


def cases_from_drift(result):
    """The federation role's ``federation_changes`` (a list of lines), or a mapping with ``changes`` (and ``msg``
    when the run failed first): one case, failing with the differences."""
    if isinstance(result, dict):
        if not isinstance(result.get("changes"), list):
            return _run_error(result)
        changes = result["changes"]
    elif isinstance(result, list):
        changes = result
    else:
        raise ValueError("a drift result is the list of changes (federation_changes) or a mapping with changes")
    changes = [_text(line) for line in changes]
    if not changes:
        return [_case("in sync", "pass", "", "the workspace matches the inventory")]
    message = "%d difference(s) from the inventory: run fedops.rocketchat.federate to apply the inventory, or " \
              "change the inventory to what is live" % len(changes)
    return [_case("in sync", "fail", message, "\n".join(changes))]


CASES = {"drift": cases_from_drift, "check": cases_from_check, "probe": cases_from_probe}


def cases_for(kind, result):
    if kind not in CASES:
        raise ValueError("kind must be one of %s, got %r" % (", ".join(KINDS), kind))
    return CASES[kind](result)


def counts(cases):
    tally = {"tests": len(cases), "failures": 0, "errors": 0, "skipped": 0, "warnings": 0}
    for case in cases:
        key = {"fail": "failures", "error": "errors", "skip": "skipped", "warn": "warnings"}.get(case["status"])
        if key:
            tally[key] += 1
    return tally


def _seconds(value):
    return "%.3f" % (value or 0.0)


def junit_xml(kind, workspaces):
    """JUnit XML for ``workspaces``, a list of (workspace name, cases): one ``testsuite`` per workspace, one
    ``testcase`` per case (classname = workspace). Deterministic: no timestamps, so an unchanged outcome writes the
    same bytes."""
    if kind not in KINDS:
        raise ValueError("kind must be one of %s, got %r" % (", ".join(KINDS), kind))
    total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    total_time = 0.0
    root = ET.Element("testsuites", name="fedops.rocketchat %s" % kind)
    for workspace, cases in workspaces:
        tally = counts(cases)
        suite_time = sum(case["seconds"] or 0.0 for case in cases)
        suite = ET.SubElement(root, "testsuite", name="%s: %s" % (kind, workspace), tests=str(tally["tests"]),
                              failures=str(tally["failures"]), errors=str(tally["errors"]),
                              skipped=str(tally["skipped"]), time=_seconds(suite_time))
        for case in cases:
            element = ET.SubElement(suite, "testcase", name=case["name"], classname="%s.%s" % (kind, workspace),
                                    time=_seconds(case["seconds"]))
            if case["status"] == "fail":
                ET.SubElement(element, "failure", message=case["message"], type=kind).text = case["detail"]
            elif case["status"] == "error":
                ET.SubElement(element, "error", message=case["message"], type=kind).text = case["detail"]
            elif case["status"] == "skip":
                ET.SubElement(element, "skipped", message=case["detail"] or case["message"])
            elif case["status"] == "warn":
                ET.SubElement(element, "system-out").text = "warning: %s\nfix: %s" % (case["detail"], case["message"])
        for key in total:
            total[key] += tally[key]
        total_time += suite_time
    for key, value in total.items():
        root.set(key, str(value))
    root.set("time", _seconds(total_time))
    if hasattr(ET, "indent"):   # Python 3.9+; older ones write it on one line, which readers take as well
        ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _cell(text):
    return " ".join(_text(text).split()).replace("|", "\\|") or "-"


def markdown(kind, workspaces, max_rows=20):
    """A short Markdown summary for a merge-request comment: one verdict line per workspace, then a table of what
    failed or warned (at most ``max_rows`` rows per workspace) with the fix."""
    lines = ["### fedops.rocketchat %s" % _TITLES.get(kind, kind), ""]
    for workspace, cases in workspaces:
        tally = counts(cases)
        bad = [case for case in cases if case["status"] in ("fail", "error", "warn")]
        verdict = "FAILED" if tally["failures"] or tally["errors"] else "ok"
        lines.append("- **%s**: %s, %d passed, %d failed, %d warning(s), %d skipped" % (
            workspace, verdict, tally["tests"] - tally["failures"] - tally["errors"] - tally["skipped"]
            - tally["warnings"], tally["failures"] + tally["errors"], tally["warnings"], tally["skipped"]))
        if bad:
            lines += ["", "  | result | %s | fix |" % ("check" if kind == "check" else "step" if kind == "probe"
                                                       else "what"),
                      "  | --- | --- | --- |"]
            for case in bad[:max_rows]:
                lines.append("  | %s | %s | %s |" % (_ICONS[case["status"]], _cell(case["name"]),
                                                     _cell(case["message"])))
            if len(bad) > max_rows:
                lines.append("  | ... | %d more | see the JUnit report |" % (len(bad) - max_rows))
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
