# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Glue between Ansible modules and the Rocket.Chat layer: the shared connection options, building the
client from module parameters, and turning errors into ``fail_json``."""

from __future__ import annotations

import os
import traceback

from ansible.module_utils.basic import env_fallback

from ansible_collections.fedops.rocketchat.plugins.module_utils import _deps
from ansible_collections.fedops.rocketchat.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._client import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    RocketChatClient,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._errors import (
    RocketChatError,
    RocketChatValidationError,
)


def connection_argument_spec():
    """Options documented by the fedops.rocketchat.rocketchat doc fragment."""
    return dict(
        url=dict(type="str", required=True, fallback=(env_fallback, ["ROCKETCHAT_URL"])),
        user_id=dict(type="str", fallback=(env_fallback, ["ROCKETCHAT_USER_ID"])),
        auth_token=dict(type="str", no_log=True, fallback=(env_fallback, ["ROCKETCHAT_AUTH_TOKEN"])),
        username=dict(type="str"),
        password=dict(type="str", no_log=True),
        two_factor_code=dict(type="str", no_log=True),
        two_factor_method=dict(type="str", choices=["totp", "email", "password"]),
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        timeout=dict(type="float", default=30.0),
        retries=dict(type="int", default=3),
        rate_limit_max_wait=dict(type="float", default=120.0),
        max_workers=dict(type="int", default=8),
    )


CONNECTION_CONSTRAINTS = dict(
    required_together=[("user_id", "auth_token")],
    required_one_of=[("auth_token", "username")],
    mutually_exclusive=[("auth_token", "username")],
    required_by={"username": "password"},
)


def connection_spec(argument_spec=None, **constraints):
    """``ArgumentSpec`` of a Rocket.Chat module: the connection options and constraints, then the module's own."""
    spec = ArgumentSpec(argument_spec=connection_argument_spec(), **CONNECTION_CONSTRAINTS)
    return spec.merge(ArgumentSpec(argument_spec=argument_spec, **constraints))


def create_client(module):
    if not HAS_REQUESTS:
        module.fail_json(msg=_deps.REQUESTS.missing(), exception=REQUESTS_IMPORT_ERROR)
    p = module.params
    for option, hint in (("url", "the base URL of Rocket.Chat, for example https://chat.example.com"),
                         ("user_id", "the id of the user who owns auth_token (X-User-Id)"),
                         ("auth_token", "a personal access token of user_id (X-Auth-Token)"),
                         ("username", "the login name or e-mail address"),
                         ("password", "the password of username")):
        value = p.get(option)
        if value is not None and not str(value).strip():
            module.fail_json(msg="%s is empty; give %s (an empty value would make every call anonymous)."
                             % (option, hint))
    for option in ("timeout", "rate_limit_max_wait"):
        if p[option] is not None and p[option] < 0:
            module.fail_json(msg="%s must not be negative (got %s)." % (option, p[option]))
    if p["retries"] < 0 or p["max_workers"] < 1:
        module.fail_json(msg="retries must be 0 or more and max_workers 1 or more.")
    if p["url"] and not p["url"].startswith(("http://", "https://")):
        module.fail_json(msg="url must start with https:// (or http://), for example https://chat.example.com; got %r."
                         % p["url"])
    return RocketChatClient(
        p["url"], user_id=p["user_id"], auth_token=p["auth_token"], username=p["username"], password=p["password"],
        two_factor_code=p["two_factor_code"], two_factor_method=p["two_factor_method"],
        validate_certs=p["validate_certs"], ca_path=p["ca_path"], timeout=p["timeout"], retries=p["retries"],
        rate_limit_max_wait=p["rate_limit_max_wait"], max_workers=p["max_workers"],
        user_agent="fedops.rocketchat (Ansible %s)" % getattr(module, "ansible_version", "?"),
        rate_limit_state_dir=os.path.join(os.path.expanduser("~"), ".cache", "fedops.rocketchat"))


def with_diff(module, result):
    """``result`` with its ``diff`` kept only when the task runs with --diff."""
    diff = result.pop("diff")
    if module._diff:
        result["diff"] = diff
    return result


def run_action(module, action):
    """``action(client)`` -> its result with the request counts; errors end in ``fail_json``; the session is closed."""
    client = create_client(module)
    try:
        result = action(client)
    except RocketChatError as exc:
        failure = {"msg": exc.msg}
        if exc.status is not None:
            failure["status"] = exc.status
        if not isinstance(exc, RocketChatValidationError):
            # error_kind: the shared HTTP vocabulary (_http_contract KINDS), or "error" for the rest; callers that
            # keep going after a failure (the federation monitor) report it without parsing the message. Refused
            # options (validation) have none, as the failures before the client exists.
            failure["error_kind"] = getattr(exc, "kind", None) or "error"
            failure["requests"] = client.stats()
        client.close()
        module.fail_json(**failure)
    except Exception as exc:  # pylint: disable=broad-except
        client.close()
        module.fail_json(msg="unexpected error talking to Rocket.Chat at %s: %s" % (module.params["url"], exc),
                         error_kind="error", exception=traceback.format_exc())
    client.close()
    result["requests"] = client.stats()
    for warning in result.pop("warnings", []):
        module.warn(warning)
    return result
