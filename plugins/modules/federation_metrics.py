#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: federation_metrics
short_description: Write a workspace's federation health as Prometheus metrics for node_exporter's textfile collector
version_added: 0.1.0
description:
  - Writes the results of M(fedops.rocketchat.federation_check), M(fedops.rocketchat.federation_probe) and
    M(fedops.rocketchat.federation_info) (the licence and the federation mode, read from the workspace itself) and
    the age of the federation signing key as Prometheus metrics in the text exposition format, to a C(.prom) file that node_exporter's textfile collector
    (C(--collector.textfile.directory)) serves. Run it on a schedule after the check and the probe.
  - 'Metrics, each labelled C(workspace): C(fedops_federation_ok) (1/0), C(fedops_federation_check_ok{check}) (1/0 per
    check, C(name target); a warning counts as ok, skipped checks are left out),
    C(fedops_tls_certificate_days_left{target}), C(fedops_federation_probe_ok) (1/0),
    C(fedops_federation_probe_round_trip_seconds), C(fedops_signing_key_age_days),
    C(fedops_monitor_last_run_timestamp_seconds).'
  - 'From O(rocketchat): C(fedops_rocketchat_up) (1 when Rocket.Chat was read; 0 with an C(error) label: V(auth),
    V(tls), V(unreachable), V(timeout), V(server_error), V(rate_limited), V(not_found), V(client_error), V(error),
    or V(config) when the module refused its options before any request, for example an empty token),
    C(fedops_license_days_left) (when the licence has a period that invalidates it; negative once passed),
    C(fedops_license_federation_module) (1/0), C(fedops_federation_mode{mode}) (1 for the active generation) and
    C(fedops_native_federation_enabled) (1/0, releases with native federation).'
  - The file is replaced atomically, so the collector never reads half a file. It holds no token.
author:
  - fedops.rocketchat contributors (@fedops)
extends_documentation_fragment:
  - ansible.builtin.files
  - fedops.rocketchat._attributes
attributes:
  check_mode:
    support: full
    details:
      - Reports whether the file would change and writes nothing.
  diff_mode:
    support: full
    details:
      - Shows the metrics before and after.
options:
  path:
    description: The C(.prom) file to write. Its directory must exist. O(mode) defaults to V(0644).
    type: path
    required: true
  workspace:
    description: The workspace's name, the C(workspace) label of every metric.
    type: str
    required: true
  check:
    description: The registered result of M(fedops.rocketchat.federation_check) (run it with C(fail_on_error=false)).
    type: raw
  probe:
    description: The registered result of M(fedops.rocketchat.federation_probe) (with C(fail_on_error=false)).
    type: raw
  signing_key_path:
    description: The workspace's federation signing key file on the host the module runs on; its age in days is
      the time since it was last written.
    type: path
  rocketchat:
    description:
      - The registered result of M(fedops.rocketchat.federation_info) for the workspace, failed or not (run it with
        C(failed_when=false)). A failed read becomes C(fedops_rocketchat_up 0) with the error kind, not a failure of
        this module.
    type: raw
    version_added: 0.1.0
"""

EXAMPLES = r"""
- name: Check the workspace without failing
  fedops.rocketchat.federation_check:
    server_name: chat.example.org
    fail_on_error: false
  register: fedops_check

- name: Export the metrics for node_exporter
  fedops.rocketchat.federation_metrics:
    path: /var/lib/prometheus/node-exporter/fedops-chat.example.org.prom
    workspace: chat.example.org
    check: "{{ fedops_check }}"
    signing_key_path: /etc/rocketchat/federation.signing.key

- name: Read the licence and the federation mode from Rocket.Chat, keeping a failure
  fedops.rocketchat.federation_info:
    url: https://chat.example.org
    user_id: "{{ rocketchat_monitor_user_id }}"
    auth_token: "{{ lookup('ansible.builtin.file', '/etc/fedops-monitor/chat.example.org.token') }}"
  register: fedops_info
  failed_when: false

- name: Export the metrics with the licence's days left
  fedops.rocketchat.federation_metrics:
    path: /var/lib/prometheus/node-exporter/fedops-chat.example.org.prom
    workspace: chat.example.org
    check: "{{ fedops_check }}"
    rocketchat: "{{ fedops_info }}"
"""

RETURN = r"""
metrics:
  description: The metrics file's content.
  returned: always
  type: str
"""

from ansible_collections.fedops.rocketchat.plugins.module_utils._metrics_module import federation_metrics_spec, run_federation_metrics


def main():
    module = federation_metrics_spec().create_ansible_module(supports_check_mode=True)
    module.exit_json(**run_federation_metrics(module))


if __name__ == "__main__":
    main()
