# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""fedops.rocketchat.federation_metrics: its argument specification and its one call (the metrics themselves:
``_metrics``)."""

from __future__ import annotations

import datetime
import os
import time

from ansible_collections.fedops.rocketchat.plugins.module_utils import _metrics
from ansible_collections.fedops.rocketchat.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.fedops.rocketchat.plugins.module_utils._files import (
    FileAccessError,
    publish_text_files,
)


def federation_metrics_spec():
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


def run_federation_metrics(module):
    """Write the textfile metrics of ``module.params``; the module's result."""
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
        changed, diffs = publish_text_files(module, [(params["path"], text)])
    except FileAccessError as exc:
        module.fail_json(msg="cannot write the metrics (path): %s" % exc)
    return dict(changed=changed, metrics=text, diff=diffs[params["path"]])
