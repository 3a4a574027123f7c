# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""federation_check's options: validated before anything is checked, and the task's failure message."""

from __future__ import annotations

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _https, _keys, _servername
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check import _keyserver


def prepare(params):
    """The options for :func:`run_checks` from the module's parameters; raises ``ValueError`` naming the option."""
    if params["timeout"] <= 0:
        raise ValueError("timeout must be a positive number of seconds")
    if params.get("certificate_min_days", 14) < 0:
        raise ValueError("certificate_min_days must be 0 or more days")
    if params["server_name"] is not None:
        try:
            _servername.parse_server_name(params["server_name"], "server_name")
        except ValueError as exc:
            raise ValueError("%s; give 'hostname', 'hostname:port', an IPv4 address or '[IPv6]'" % exc) from None
    try:
        for entry in params["nameservers"] or []:
            _servername.parse_address(entry, 53, "entry")
    except ValueError as exc:
        raise ValueError("nameservers: %s; give 'ip' or 'ip:port'" % exc) from None
    try:
        _servername.AddressOverrides(params["resolve"])
    except (ValueError, TypeError) as exc:
        raise ValueError("resolve: %s; give 'host[:port]': 'ip[:port]'" % exc) from None
    if not params["peer_families"]:
        raise ValueError("peer_families: name at least one of matrix_spec, rocketchat_native")
    if params["ca_path"] is not None:
        try:
            _https.check_ca_bundle(params["ca_path"])
        except ValueError as exc:
            raise ValueError("ca_path: %s" % exc) from None
    expected = None
    if params["expected_signing_key"] is not None:
        try:
            expected = _keyserver.normalise_expected(params["expected_signing_key"])
        except ValueError as exc:
            raise ValueError("expected_signing_key: %s" % exc) from None
    if params["signing_key_path"] is not None:
        expected = expected_from_file(params["signing_key_path"])
    for key in ("homeserver_url", "url"):
        value = (params["appservice"] or {}).get(key)
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("appservice.%s must start with https:// or http://, got %r" % (key, value))
    rc = params["rocketchat"]
    if rc and not rc.get("public_key") and rc.get("url") and not (rc.get("user_id") and rc.get("auth_token")):
        raise ValueError("rocketchat.url needs rocketchat.user_id and rocketchat.auth_token to read "
                         "FEDERATION_Public_Key; or give rocketchat.public_key")
    options = dict(params)
    options["_expected_keys"] = expected
    return options


def expected_from_file(path):
    """``[(key id, public key)]`` of every key in a Synapse signing key file; only public keys leave here."""
    if not path:
        raise ValueError("signing_key_path is empty; give the path of a Synapse signing key file")
    try:
        with open(path, "rb") as handle:
            content = handle.read()
    except (IOError, OSError) as exc:
        raise ValueError("signing_key_path: cannot read %r: %s" % (path, exc.strerror or exc)) from None
    try:
        keys = _keys.parse_signing_keys(content)
    except ValueError as exc:
        raise ValueError("signing_key_path: %r is not a Synapse signing key file: %s" % (path, exc)) from None
    return [(key.key_id, key.public_key_b64) for key in keys]


def failure_message(result):
    """The task's message when a check failed: the failed checks, the first problem and its fix."""
    first = [r for r in result["checks"] if r["status"] == "fail"][0]
    return "federation check failed: %s. First: %s%s: %s. Fix: %s" % (
        ", ".join(result["failed_checks"]), first["name"], " [%s]" % first["target"] if first["target"] else "",
        first["detail"], first["hint"])
