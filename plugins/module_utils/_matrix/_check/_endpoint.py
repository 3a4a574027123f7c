# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""One resolved federation address as a peer connects to it: connection, certificate, version, key response."""

from __future__ import annotations

from ansible_collections.fedops.rocketchat.plugins.module_utils import _http_contract as contract
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._https import HttpError
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check._keyserver import check_key_response
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check._report import FAIL, PASS, SKIP, WARN, record
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check._tls import (
    days_left,
    describe_certificate,
    explain_certificate_failure,
)


def _source_text(endpoint):
    target = endpoint.target
    text = "%s:%d from %s" % (target.host, target.port, target.source)
    if endpoint.note:
        text += ", %s" % endpoint.note
    return text


def _certificate_record(ctx, info, tls_name, label):
    """A verified certificate: pass, or warn when it expires within ``certificate_min_days``."""
    days = days_left(info, ctx.now)
    info["days_left"] = days
    min_days = ctx.options.get("certificate_min_days", 14)
    detail = "valid for %s, issued by %s, expires %s (%d days left)" % (
        tls_name, info.get("issuer_cn"), info.get("not_after"), days)
    if days < min_days:
        return record("tls_certificate", WARN, "%s, fewer than certificate_min_days=%d" % (detail, min_days),
                      "renew the certificate for %s before peers refuse it (fedops.rocketchat.acme_certificate "
                      "renews it automatically)" % tls_name, label, info)
    return record("tls_certificate", PASS, detail, target=label, data=info)


def check_endpoint(ctx, endpoint, server_name):
    """Connection, certificate, federation version and key checks for one resolved address.

    Returns ``(records, key response or None, verify keys)``: the key response is checked here, once, against
    ``server_name``; ``verify_keys`` maps key id to public key for the keys that decoded (for the consistency check).
    """
    label = endpoint.label
    out = []
    conn = _open_connection(ctx, endpoint, out)
    if conn is None:
        return out, None, {}
    try:
        out.append(_version_check(conn, endpoint.target, label))
        answered, response_doc = _fetch_key_response(conn, endpoint.target, label, out)
        if not answered:
            return out, None, {}
        records, good = check_key_response(response_doc, server_name, int(ctx.now * 1000), label)
        out.extend(records)
        return out, response_doc, good
    finally:
        conn.close()


def _open_connection(ctx, endpoint, out):
    """The TLS connection to the endpoint, verified; when only the verification fails, an unverified one so the
    other checks still run (the certificate record says what is wrong). None, recorded, without a connection."""
    label = endpoint.label
    target = endpoint.target
    conn = ctx.http.connection(endpoint.ip, endpoint.port, target.tls_name, verify=True)
    try:
        conn.open()
        info = describe_certificate(conn.tls.cert_der)
    except HttpError as exc:
        conn.close()
        if exc.cause == "tls_verify":
            return _open_unverified(ctx, endpoint, exc, out)
        out.append(record("connection", FAIL, "%s: %s (%s)" % (label, exc.message, _source_text(endpoint)),
                          _connection_hint(exc, endpoint), label))
        for name in ("tls_certificate", "federation_version", "key_response"):
            out.append(record(name, SKIP, "no connection", target=label))
        return None
    out.append(record("connection", PASS, "TLS %s to %s (%s)" % (conn.tls.version, label, _source_text(endpoint)),
                      target=label))
    out.append(_certificate_record(ctx, info, target.tls_name, label))
    return conn


def _open_unverified(ctx, endpoint, verify_error, out):
    label = endpoint.label
    target = endpoint.target
    conn = ctx.http.connection(endpoint.ip, endpoint.port, target.tls_name, verify=False)
    try:
        conn.open()
    except HttpError as exc:
        conn.close()
        out.append(record("connection", FAIL, "%s: %s" % (label, exc.message), _connection_hint(exc, endpoint),
                          label))
        return None
    info = describe_certificate(conn.tls.cert_der)
    if info:
        info["days_left"] = days_left(info, ctx.now)
    out.append(record("connection", PASS, "TLS %s to %s (%s)" % (conn.tls.version, label, _source_text(endpoint)),
                      target=label))
    why = " (the name the spec requires for %s)" % target.source
    detail, hint = explain_certificate_failure(verify_error.verify_message, info, target.tls_name, ctx.ca_desc,
                                               ctx.now, why)
    out.append(record("tls_certificate", FAIL, detail, hint, label, info))
    return conn


def _fetch_key_response(conn, target, label, out):
    """``(True, parsed key response)``, or ``(False, None)`` with the failure recorded."""
    try:
        response = conn.request("GET", "/_matrix/key/v2/server", target.host_header, max_body=512 * 1024)
    except HttpError as exc:
        out.append(record("key_response", FAIL, "GET /_matrix/key/v2/server: %s" % exc.message,
                          "make the reverse proxy forward /_matrix/key to Synapse", label))
        return False, None
    if response.status != 200:
        out.append(record("key_response", FAIL, "GET /_matrix/key/v2/server: HTTP %d" % response.status,
                          "make the reverse proxy forward /_matrix/key (all of /_matrix) to Synapse's federation "
                          "listener", label))
        return False, None
    try:
        response_doc = response.json()
    except ValueError as exc:
        out.append(record("key_response", FAIL, "key response is not JSON: %s" % exc,
                          "make /_matrix/key/v2/server reach Synapse, not an error page", label))
        return False, None
    out.append(record("key_response", PASS, "HTTP 200 from %s" % label, target=label))
    return True, response_doc


def _connection_hint(exc, endpoint):
    target = endpoint.target
    where = "%s (%s)" % (endpoint.label, _source_text(endpoint))
    if exc.refused:
        if "well-known" in target.source:
            return ("nothing listens on %s: fix m.server in /.well-known/matrix/server or make the federation "
                    "listener (or reverse proxy) listen there" % where)
        if "SRV" in target.source:
            return "nothing listens on %s: fix the SRV record's port/target or start the listener there" % where
        return ("nothing listens on %s: open the federation port, or delegate with /.well-known/matrix/server or "
                "SRV _matrix-fed._tcp" % where)
    if exc.kind == contract.TIMEOUT:
        return "%s does not answer: check firewalls and that the address is right" % where
    if exc.cause == "tls":
        return "%s does not speak TLS: federation needs HTTPS (terminate TLS in Synapse or the proxy)" % where
    return "cannot reach %s: check routing and the address" % where


def _version_check(conn, target, label):
    try:
        response = conn.request("GET", "/_matrix/federation/v1/version", target.host_header)
    except HttpError as exc:
        return record("federation_version", FAIL, "GET /_matrix/federation/v1/version: %s" % exc.message,
                      "make sure this address serves the federation API", label)
    if response.status != 200:
        return record("federation_version", FAIL, "GET /_matrix/federation/v1/version: HTTP %d" % response.status,
                      "enable the 'federation' resource on the listener and forward /_matrix/federation in the "
                      "reverse proxy", label)
    try:
        server = response.json().get("server") or {}
        text = "%s %s" % (server.get("name"), server.get("version"))
    except (ValueError, AttributeError):
        return record("federation_version", FAIL, "the version response is not the expected JSON",
                      "make /_matrix/federation reach the homeserver", label)
    return record("federation_version", PASS, text, target=label, data={"server": server})
