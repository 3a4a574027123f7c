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
  - Writes the results of M(fedops.rocketchat.federation_check) and M(fedops.rocketchat.federation_probe), the age of
    the federation signing key and the days left on the Enterprise licence (native federation) as Prometheus
    metrics in the text exposition format, to a C(.prom) file that node_exporter's textfile collector
    (C(--collector.textfile.directory)) serves. Run it on a schedule after the check and the probe.
  - 'Metrics, each labelled C(workspace): C(fedops_federation_ok) (1/0), C(fedops_federation_check_ok{check}) (1/0 per
    check, C(name target); a warning counts as ok, skipped checks are left out),
    C(fedops_tls_certificate_days_left{target}), C(fedops_federation_probe_ok) (1/0),
    C(fedops_federation_probe_round_trip_seconds), C(fedops_signing_key_age_days), C(fedops_license_days_left),
    C(fedops_monitor_last_run_timestamp_seconds).'
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
  license_expires:
    description:
      - Native federation - when the Enterprise licence expires, as epoch seconds or an ISO 8601 date and time
        (C(2027-01-31T00:00:00Z)).
    type: str
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
