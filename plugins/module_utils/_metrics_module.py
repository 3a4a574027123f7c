# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""fedops.rocketchat.federation_metrics: its argument specification and its one call (the metrics themselves:
``_metrics``)."""

from __future__ import annotations

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
            rocketchat=dict(type="raw"),
        ),
        non_empty=["path", "workspace", "signing_key_path"],
        add_file_common_args=True,
    )


def run_federation_metrics(module):
    """Write the textfile metrics of ``module.params``; the module's result."""
    params = module.params
    now = time.time()
    mtime = None
    if params["signing_key_path"]:
        try:
            mtime = os.stat(params["signing_key_path"]).st_mtime
        except OSError as exc:
            module.fail_json(msg="signing_key_path: cannot read %s (%s); give the key file of the workspace or leave "
                                 "the option out" % (params["signing_key_path"], exc.strerror))
    text = _metrics.render(_metrics.samples(params["workspace"], now, check=params["check"], probe=params["probe"],
                                            signing_key_mtime=mtime, rocketchat=params["rocketchat"]))
    try:
        changed, diffs = publish_text_files(module, [(params["path"], text)])
    except FileAccessError as exc:
        module.fail_json(msg="cannot write the metrics (path): %s" % exc)
    return dict(changed=changed, metrics=text, diff=diffs[params["path"]])
