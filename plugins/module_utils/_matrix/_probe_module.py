# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""fedops.rocketchat.federation_probe: its argument specification and its one call."""

from __future__ import annotations

import traceback

from ansible_collections.fedops.rocketchat.plugins.module_utils import _deps
from ansible_collections.fedops.rocketchat.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _client, _probe

ACCOUNT = dict(
    homeserver_url=dict(type="str", required=True),
    access_token=dict(type="str", no_log=True),
    as_token=dict(type="str", no_log=True),
    user_id=dict(type="str"),
    ca_path=dict(type="path"),
    validate_certs=dict(type="bool", default=True),
)


def federation_probe_spec():
    return ArgumentSpec(argument_spec=dict(
        local=dict(type="dict", required=True, options=ACCOUNT),
        remote=dict(type="dict", required=True, options=dict(ACCOUNT, homeserver_url=dict(type="str"))),
        typing=dict(type="bool", default=True),
        reaction=dict(type="bool", default=True),
        media=dict(type="bool", default=True),
        bridge_media=dict(type="str", default="fail", choices=list(_probe.BRIDGE_MEDIA_CHOICES)),
        timeout=dict(type="float", default=30.0),
        total_timeout=dict(type="float", default=180.0),
        room_name=dict(type="str", default="fedops federation probe"),
        fail_on_error=dict(type="bool", default=True),
    ))


def run_federation_probe(module):
    """The probe of ``module.params``; the result, or ``fail_json`` when it failed and fail_on_error."""
    if not _client.HAS_REQUESTS:
        module.fail_json(msg=_deps.REQUESTS.missing(), exception=_client.REQUESTS_IMPORT_ERROR)
    params = module.params
    for name in ("timeout", "total_timeout"):
        if params[name] <= 0:
            module.fail_json(msg="%s must be a positive number of seconds, got %s" % (name, params[name]))
    for name in ("local", "remote"):
        problem = _probe.account_problem(name, params[name])
        if problem:
            module.fail_json(msg=problem)
    try:
        result = _probe.run_from_params(params, check_mode=module.check_mode)
    except Exception as exc:  # pylint: disable=broad-except
        module.fail_json(msg="federation probe could not run: %s" % exc, exception=traceback.format_exc())
    for warning in result.pop("warnings", None) or []:
        module.warn(warning)
    if params["fail_on_error"] and result["ok"] is False:
        module.fail_json(msg=result["verdict"], changed=False, **result)
    return dict(result, changed=False)
