#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: federation_fleet
short_description: Converge the federation of many Rocket.Chat workspaces in one step (the federation role's fleet path)
version_added: 0.1.0
description:
  - The steps with which the C(fedops.rocketchat.federation) role checks its variables and converges every workspace
    of a play batch at once on the controller, instead of one task per step and workspace; the role uses it when its
    variable C(federation_fleet) is true (the default) and the workspace's tasks run on the controller. They read
    the role's variables themselves, so they serve the role only.
  - O(step=validate) runs per host and checks the role's variables as that host's task sees them - against the role's
    argument spec (what Ansible's automatic check does, so a playbook may import the role with
    C(rolespec_validate=false) and save that task), then against the role's rules - and fails that host with the
    message, before anything is written. The role's per-host tasks start with it.
  - O(step=plan) runs per host, makes the same check unless O(validated) says this run made it already, and records
    the workspace's desired state from the role's variables as that host's task sees them (with Ansible's variable
    precedence, play variables included), checked against the argument specifications of
    M(fedops.rocketchat.federation) and M(fedops.rocketchat.federation_dns); a bad value fails that host before
    anything is written. Each role variable is templated once. The recorded plan is hidden from the output (it holds
    credentials).
  - O(step=converge) runs once (C(run_once)) and converges every workspace of the batch that recorded a plan in the
    same block, concurrently in at most O(max_workers) threads, with the calls the role's per-host tasks make -
    M(fedops.rocketchat.federation) per generation, the native key version through M(fedops.rocketchat.settings),
    the legacy public key, M(fedops.rocketchat.federation_dns). The DNS records of all workspaces held by one RFC 2136
    server and zone go out in one UPDATE message (split below the 65,535-byte limit of a DNS message); when a
    prerequisite fails there (a concurrent edit) each workspace's own UPDATE is sent, so only the workspace whose
    records changed underneath fails, as it would on its own. An error of one workspace is reported on its host
    and stops nothing else.
  - O(step=report) runs per host and returns that workspace's result - V(changed), the diffs, the failure and its
    message - so C(--limit), C(serial), C(--check) and C(--diff) behave per host as with the per-host tasks.
  - Runs only on the controller, through its action plugin.
author:
  - fedops.rocketchat contributors (@fedops)
extends_documentation_fragment:
  - fedops.rocketchat._attributes
  - fedops.rocketchat._attributes.idempotent
attributes:
  check_mode:
    support: full
    details:
      - The converge step predicts exactly what a real run writes, per workspace, and writes nothing.
  diff_mode:
    support: full
    details:
      - The report step returns the settings and zone diffs of its workspace; secrets are masked.
  idempotent:
    support: full
options:
  step:
    description: Which step this task is.
    type: str
    required: true
    choices: [validate, plan, converge, report]
  validated:
    description:
      - O(step=plan) - the role's variables were checked earlier in this run (O(step=validate)); the plan does not
        check them again.
    type: bool
    default: false
  plans_from:
    description: O(step=converge) - the variable the plan step's results are registered as.
    type: str
    default: __federation_fleet_plan
  results_from:
    description: O(step=report) - the variable the converge step's result is registered as.
    type: str
    default: __federation_fleet
  max_workers:
    description: O(step=converge) - how many workspaces are converged at the same time.
    type: int
    default: 16
seealso:
  - module: fedops.rocketchat.federation
  - module: fedops.rocketchat.federation_dns
"""

EXAMPLES = r"""
# The fleet path of the fedops.rocketchat.federation role, in short (see its tasks/fleet.yml): inside the role, whose
# variables the plan step reads.
- name: Converge every workspace of the batch
  block:
    - name: Record this workspace's desired state
      fedops.rocketchat.federation_fleet:
        step: plan
      register: __federation_fleet_plan

    - name: Converge all workspaces at once
      fedops.rocketchat.federation_fleet:
        step: converge
      run_once: true
      register: __federation_fleet

    - name: Report each workspace's result
      fedops.rocketchat.federation_fleet:
        step: report
"""

RETURN = r"""
plan:
  description: O(step=plan) - the recorded plan (hidden from the output).
  returned: success and O(step=plan)
  type: dict
workspaces:
  description: O(step=converge) - each workspace's result, by inventory host name.
  returned: success and O(step=converge)
  type: dict
settings:
  description: O(step=report) - the results of M(fedops.rocketchat.federation), one per generation, under C(results).
  returned: O(step=report)
  type: dict
key_version:
  description: O(step=report) - the result of the key version's M(fedops.rocketchat.settings) call (native).
  returned: O(step=report) and native federation
  type: dict
dns:
  description: O(step=report) - the result of M(fedops.rocketchat.federation_dns).
  returned: O(step=report) and records to publish
  type: dict
"""

from ansible_collections.fedops.rocketchat.plugins.module_utils._fleet_module import (
    federation_fleet_spec,
    run_federation_fleet,
)


def main():
    module = federation_fleet_spec().create_ansible_module(supports_check_mode=True)
    run_federation_fleet(module)


if __name__ == "__main__":
    main()
