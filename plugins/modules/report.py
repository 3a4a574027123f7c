#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: report
short_description: Write a drift, check or probe result as a JUnit XML report and a Markdown summary for CI
version_added: 0.1.0
description:
  - Turns the result of a drift run (the federation role's C(federation_changes)), of
    M(fedops.rocketchat.federation_check) or of M(fedops.rocketchat.federation_probe) into the files a CI pipeline
    shows - a JUnit XML report (GitLab merge-request test reports, GitHub Actions test-report actions, Jenkins' JUnit
    publisher) and a short Markdown summary to post as a merge-request comment.
  - One JUnit C(testsuite) per workspace, one C(testcase) per check (C(name target)), per probe step (with its
    duration) or, for drift, one C(in sync) case whose failure lists the differences. A failed check or step is a
    C(failure) whose message is the hint (what to fix) and whose text is what was found; a warning passes with its
    hint in C(system-out); a skipped check or step is C(skipped); a task that failed before it produced its records
    (its result has only C(msg)) is one C(error) case.
  - The files hold no timestamps, so an unchanged outcome rewrites nothing (idempotent). They are written
    atomically. They hold what the checks found (host names, addresses, hints), never a token.
  - The C(drift) and C(check) playbooks run it for every workspace when C(fedops_report_dir) is set, writing
    C(<kind>-<workspace>.xml) and C(<kind>-<workspace>.md) there.
  - Runs where the files should be, usually on the controller (C(delegate_to) V(localhost)).
author:
  - fedops.rocketchat contributors (@fedops)
extends_documentation_fragment:
  - ansible.builtin.files
  - fedops.rocketchat._attributes
  - fedops.rocketchat._attributes.idempotent
attributes:
  check_mode:
    support: full
    details:
      - Reports whether the files would change and writes nothing.
  diff_mode:
    support: full
    details:
      - Shows the Markdown summary before and after.
  idempotent:
    support: full
options:
  kind:
    description: What O(result) is the result of.
    type: str
    required: true
    choices: [drift, check, probe]
  workspace:
    description: The workspace the result is for (usually C(inventory_hostname)); the test suite's name.
    type: str
    required: true
  result:
    description:
      - For V(check), the registered result of M(fedops.rocketchat.federation_check) (with C(fail_on_error=false) it
        carries every check); for V(probe), the registered result of M(fedops.rocketchat.federation_probe); for
        V(drift), the list of differences (the federation role's C(federation_changes)) or a mapping with
        C(changes).
      - A result without its records (a failed task, only C(msg)) becomes one error case with that message.
    type: raw
    required: true
  junit_path:
    description: Where to write the JUnit XML report. Its directory must exist.
    type: path
  markdown_path:
    description: Where to write the Markdown summary. Its directory must exist.
    type: path
seealso:
  - module: fedops.rocketchat.federation_check
  - module: fedops.rocketchat.federation_probe
notes:
  - O(junit_path), O(markdown_path) or both must be given. O(mode) defaults to V(0644); O(owner), O(group) and the
    other file options apply to both files.
"""

EXAMPLES = r"""
- name: Check the workspace without failing the task
  fedops.rocketchat.federation_check:
    server_name: example.org
    fail_on_error: false
  register: fedops_check

- name: Write the report for the pipeline
  fedops.rocketchat.report:
    kind: check
    workspace: "{{ inventory_hostname }}"
    result: "{{ fedops_check }}"
    junit_path: "reports/check-{{ inventory_hostname }}.xml"
    markdown_path: "reports/check-{{ inventory_hostname }}.md"
  delegate_to: localhost
"""

RETURN = r"""
counts:
  description: Test cases in the report, and how many failed, were errors (a task that failed before producing its
    records), were skipped, or passed with a warning.
  returned: always
  type: dict
  sample: {tests: 18, failures: 1, errors: 0, skipped: 3, warnings: 1}
summary:
  description: The Markdown summary.
  returned: always
  type: str
junit_path:
  description: The JUnit file, when O(junit_path) is set.
  returned: when O(junit_path) is set
  type: str
markdown_path:
  description: The Markdown file, when O(markdown_path) is set.
  returned: when O(markdown_path) is set
  type: str
"""

from ansible_collections.fedops.rocketchat.plugins.module_utils._report_module import report_spec, run_report


def main():
    module = report_spec().create_ansible_module(supports_check_mode=True)
    module.exit_json(**run_report(module))


if __name__ == "__main__":
    main()
