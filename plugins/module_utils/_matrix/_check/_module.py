# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""fedops.rocketchat.federation_check: its argument specification and its one call."""

from __future__ import annotations

import traceback

from ansible_collections.fedops.rocketchat.plugins.module_utils import _deps
from ansible_collections.fedops.rocketchat.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _dnsclient
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check import _options, _orchestrate, _tls


def federation_check_spec():
    return ArgumentSpec(
        argument_spec=dict(
            server_name=dict(type="str"),
            expected_signing_key=dict(type="raw", no_log=False),
            signing_key_path=dict(type="path"),
            client_wellknown=dict(type="bool", default=True),
            appservice=dict(type="dict", options=dict(
                id=dict(type="str", required=True),
                as_token=dict(type="str", required=True, no_log=True),
                hs_token=dict(type="str", no_log=True),
                url=dict(type="str"),
                legacy_authorization=dict(type="bool", default=False),
                homeserver_url=dict(type="str"),
            ), required_together=[["hs_token", "url"]]),
            rocketchat=dict(type="dict", options=dict(
                domain=dict(type="str", required=True),
                public_key=dict(type="str", no_log=False),
                url=dict(type="str"),
                user_id=dict(type="str"),
                auth_token=dict(type="str", no_log=True),
            )),
            peer_families=dict(type="list", elements="str", choices=["matrix_spec", "rocketchat_native"],
                               default=["matrix_spec", "rocketchat_native"]),
            nameservers=dict(type="list", elements="str"),
            resolve=dict(type="dict"),
            ca_path=dict(type="path"),
            timeout=dict(type="float", default=10.0),
            certificate_min_days=dict(type="int", default=14),
            fail_on_error=dict(type="bool", default=True),
        ),
        required_one_of=[["server_name", "rocketchat"]],
        mutually_exclusive=[["expected_signing_key", "signing_key_path"]],
    )


def run_federation_check(module):
    """Run every check of ``module.params``; the result, or ``fail_json`` when a check failed and fail_on_error."""
    if not _dnsclient.HAS_DNSPYTHON:
        module.fail_json(msg=_deps.DNSPYTHON.missing(), exception=_dnsclient.DNSPYTHON_IMPORT_ERROR)
    if not _tls.HAS_CRYPTOGRAPHY:
        module.fail_json(msg=_deps.CRYPTOGRAPHY.missing(), exception=_tls.CRYPTOGRAPHY_IMPORT_ERROR)
    try:
        options = _options.prepare(module.params)
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    try:
        result = _orchestrate.run_checks(options)
    except Exception as exc:  # pylint: disable=broad-except
        module.fail_json(msg="federation check could not run: %s" % exc, exception=traceback.format_exc())
    if module.params["fail_on_error"] and not result["federation_ok"]:
        module.fail_json(msg=_options.failure_message(result), changed=False, **result)
    return dict(result, changed=False)
