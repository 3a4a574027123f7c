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

import datetime
import os
import time

from ansible_collections.fedops.rocketchat.plugins.module_utils import _metrics
from ansible_collections.fedops.rocketchat.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.fedops.rocketchat.plugins.module_utils._files import (
    FileAccessError,
    ensure_file,
    read_file,
    secret_file_args,
)


def argument_spec():
    return ArgumentSpec(
        argument_spec=dict(
            path=dict(type="path", required=True),
            workspace=dict(type="str", required=True),
            check=dict(type="raw"),
            probe=dict(type="raw"),
            signing_key_path=dict(type="path"),
            license_expires=dict(type="str"),
        ),
        non_empty=["path", "workspace", "signing_key_path", "license_expires"],
        add_file_common_args=True,
    )


def parse_expiry(value):
    """Epoch seconds from epoch seconds or ISO 8601; ValueError naming the accepted forms."""
    try:
        return float(value)
    except ValueError:
        pass
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("license_expires must be epoch seconds or an ISO 8601 date and time such as "
                         "2027-01-31T00:00:00Z, got %r" % value) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.timestamp()


def main():
    module = argument_spec().create_ansible_module(supports_check_mode=True)
    params = module.params
    now = time.time()
    expires = None
    if params["license_expires"] is not None:
        try:
            expires = parse_expiry(params["license_expires"])
        except ValueError as exc:
            module.fail_json(msg=str(exc))
    mtime = None
    if params["signing_key_path"]:
        try:
            mtime = os.stat(params["signing_key_path"]).st_mtime
        except OSError as exc:
            module.fail_json(msg="signing_key_path: cannot read %s (%s); give the key file of the workspace or leave "
                                 "the option out" % (params["signing_key_path"], exc.strerror))
    text = _metrics.render(_metrics.samples(params["workspace"], now, check=params["check"], probe=params["probe"],
                                            signing_key_mtime=mtime, license_expires=expires))
    try:
        before = read_file(params["path"]).content
        result = ensure_file(module, params["path"], text.encode("utf-8"),
                             secret_file_args(module, params["path"], default_mode=0o644))
    except FileAccessError as exc:
        module.fail_json(msg="cannot write the metrics (path): %s" % exc)
    module.exit_json(changed=result["changed"], metrics=text,
                     diff={"before": before.decode("utf-8", "replace") if before else "", "after": text,
                           "before_header": params["path"], "after_header": params["path"]})


if __name__ == "__main__":
    main()
