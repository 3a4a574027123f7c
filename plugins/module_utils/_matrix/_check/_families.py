# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Which families of peers can reach the server: Matrix spec / Synapse, and Rocket.Chat native federation (7.11+).

Both follow the specification's resolution order, with one difference that matters in practice. Rocket.Chat's
``@rocket.chat/federation-sdk`` 0.8.0 (``server-discovery/discovery.ts``, ``fromSRVDelegation``) asks Node's
``resolveSrv`` for ``_matrix-fed._tcp.<host>``; when that name has no SRV records the call rejects (ENODATA /
ENOTFOUND) before the deprecated ``_matrix._tcp.<host>`` is ever tried, and the SDK connects to the A/AAAA
address of ``<host>`` on port 8448. Its ``_matrix._tcp`` branch runs only when ``_matrix-fed._tcp`` has records
none of whose targets resolve. Synapse tries ``_matrix._tcp`` whenever ``_matrix-fed._tcp`` has no records. So a
server published only through ``_matrix._tcp`` is reached by Synapse peers and missed by Rocket.Chat peers, unless
the host answers on port 8448 as well.
"""

from __future__ import annotations

from ansible_collections.fedops.rocketchat.plugins.module_utils import _federation_names as names
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._discovery import DEFAULT_FEDERATION_PORT
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._https import HttpError
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check._report import FAIL, PASS, SKIP, WARN, record

MATRIX_SPEC = "matrix_spec"
ROCKETCHAT_NATIVE = "rocketchat_native"
FAMILIES = (MATRIX_SPEC, ROCKETCHAT_NATIVE)
FAMILY_NAMES = {MATRIX_SPEC: "Matrix spec / Synapse", ROCKETCHAT_NATIVE: "Rocket.Chat native (7.11+)"}

# The checks whose failure means no peer of any family gets a verified key response from the server.
REACHABILITY_CHECKS = frozenset((
    "wellknown_server", "srv", "srv_target", "addresses", "connection", "tls_certificate", "federation_version",
    "key_response", "key_server_name", "key_valid_until", "key_ed25519", "key_signatures", "keys_consistent"))
VERSION_PATH = "/_matrix/federation/v1/version"


def srv_record_text(name, srv_record):
    """The zone-file line of one SRV record at ``name``."""
    return "%s. 3600 IN SRV %d %d %d %s." % (name, srv_record.priority, srv_record.weight, srv_record.port,
                                             srv_record.target.rstrip("."))


def check_rocketchat_native(ctx, res, required=True):
    """The ``rocketchat_native_discovery`` record: does a Rocket.Chat 7.11+ peer land where Synapse peers land?"""
    name = "rocketchat_native_discovery"
    srv = res.srv
    if srv is None:
        return record(name, SKIP, "SRV is not consulted: Rocket.Chat native peers resolve it as Synapse does")
    if srv.used is None or not srv.deprecated:
        return record(name, PASS, "Rocket.Chat native peers resolve %s as Synapse does (%s)" % (
            srv.host, srv.used.name if srv.used is not None else "no SRV, port %d" % DEFAULT_FEDERATION_PORT),
            target=srv.host)
    host = srv.host
    fallback = "%s:%d" % (host, DEFAULT_FEDERATION_PORT)
    records = srv.records
    fed_name = names.matrix_srv_name(host)
    wanted = "; ".join(srv_record_text(fed_name, r) for r in records)
    data = {"srv_used": srv.used.name, "rocketchat_target": fallback, "records_to_add": wanted}
    why = ("only the deprecated %s exists; Rocket.Chat native peers (@rocket.chat/federation-sdk) look up %s and, "
           "finding no records, connect to %s instead (they never use _matrix._tcp then)"
           % (srv.used.name, fed_name, fallback))
    if all(r.target.rstrip(".").lower() == host.lower() and r.port == DEFAULT_FEDERATION_PORT for r in records):
        data["reachable"] = True
        return record(name, PASS, why + ", which is where the SRV record points as well", target=host, data=data)
    try:
        response = ctx.http.request_host(host, DEFAULT_FEDERATION_PORT, host, host, "GET", VERSION_PATH)
        answer = "HTTP %d" % response.status
        answered = response.status == 200
    except HttpError as exc:
        answer, answered = exc.message, False
    data["fallback_answer"] = answer
    data["reachable"] = answered
    hint = "publish %s (the same target and port as %s)" % (wanted, srv.used.name)
    if answered:
        return record(name, WARN, "%s, which answers %s (%s): make sure it is the same homeserver" % (
            why, VERSION_PATH, answer), hint, host, data)
    status = FAIL if required else WARN
    suffix = "" if required else " (Rocket.Chat native peers are not in peer_families)"
    return record(name, status, "%s, which fails: %s%s" % (why, answer, suffix), hint, host, data)


def family_summary(records, required):
    """``{family: {"name", "reachable", "required", "failed_checks"}}`` from the Matrix records."""
    general = sorted(set(r["name"] for r in records if r["status"] == FAIL and r["name"] in REACHABILITY_CHECKS))
    native_failed = [r["name"] for r in records
                     if r["name"] == "rocketchat_native_discovery" and r["data"].get("reachable") is False]
    out = {}
    for family in FAMILIES:
        failed = list(general)
        if family == ROCKETCHAT_NATIVE:
            failed += sorted(set(native_failed))
        out[family] = {"name": FAMILY_NAMES[family], "reachable": not failed, "required": family in required,
                       "failed_checks": failed}
    return out


def summary_lines(families):
    lines = []
    for family in (families[k] for k in FAMILIES):
        state = "reach it" if family["reachable"] else "cannot reach it (%s)" % ", ".join(family["failed_checks"])
        lines.append("%s peers: %s" % (family["name"], state))
    return lines
