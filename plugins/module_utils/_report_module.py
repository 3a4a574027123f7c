# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""fedops.rocketchat.report: its argument specification and its one call (the reports themselves: ``_report``)."""

from __future__ import annotations

from ansible_collections.fedops.rocketchat.plugins.module_utils import _report
from ansible_collections.fedops.rocketchat.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.fedops.rocketchat.plugins.module_utils._files import (
    FileAccessError,
    publish_text_files,
)


def report_spec():
    return ArgumentSpec(
        argument_spec=dict(
            kind=dict(type="str", required=True, choices=list(_report.KINDS)),
            workspace=dict(type="str", required=True),
            result=dict(type="raw", required=True),
            junit_path=dict(type="path"),
            markdown_path=dict(type="path"),
        ),
        required_one_of=[["junit_path", "markdown_path"]],
        non_empty=["workspace", "junit_path", "markdown_path"],
        add_file_common_args=True,
    )


def run_report(module):
    """Write the JUnit and/or Markdown report of ``module.params``; the module's result."""
    params = module.params
    if not (params["junit_path"] or params["markdown_path"]):
        module.fail_json(msg="one of the following is required: junit_path, markdown_path (both null)")
    try:
        cases = _report.cases_for(params["kind"], params["result"])
    except ValueError as exc:
        module.fail_json(msg="result: %s; got %s." % (exc, type(params["result"]).__name__))
    workspaces = [(params["workspace"], cases)]
    summary = _report.markdown(params["kind"], workspaces)
    files = []
    if params["junit_path"]:
        files.append((params["junit_path"], _report.junit_xml(params["kind"], workspaces)))
    if params["markdown_path"]:
        files.append((params["markdown_path"], summary))
    try:
        changed, diffs = publish_text_files(module, files)
    except FileAccessError as exc:
        module.fail_json(msg="cannot write the report (junit_path, markdown_path): %s" % exc)
    tally = _report.counts(cases)   # not 'skipped'/'failed' at the top: Ansible reads those as the task's state
    out = dict(changed=changed, counts=tally, summary=summary)
    if params["junit_path"]:
        out["junit_path"] = params["junit_path"]
    if params["markdown_path"]:
        out["markdown_path"] = params["markdown_path"]
        out["diff"] = diffs[params["markdown_path"]]
    return out
