# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""TLS certificates as a peer sees them: public facts, name matching and why a certificate was refused (pure)."""

from __future__ import annotations

import ipaddress
import time

from ansible_collections.fedops.rocketchat.plugins.module_utils._cryptography import (  # noqa: F401  pylint: disable=unused-import
    HAS_CRYPTOGRAPHY, CRYPTOGRAPHY_IMPORT_ERROR, hashes, x509,
)


def describe_certificate(der):
    """Public facts about a DER certificate: names, issuer, validity, SHA-256 fingerprint."""
    if not der:
        return {}
    cert = x509.load_der_x509_certificate(der)

    def common_name(name):
        attrs = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        return attrs[0].value if attrs else None

    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns_names = san.get_values_for_type(x509.DNSName)
        ips = [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        dns_names, ips = [], []
    return {
        "subject_cn": common_name(cert.subject),
        "issuer_cn": common_name(cert.issuer),
        "dns_names": dns_names,
        "ip_addresses": ips,
        "not_before": cert.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "not_after": cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "not_after_ts": int(cert.not_valid_after_utc.timestamp()),
        "not_before_ts": int(cert.not_valid_before_utc.timestamp()),
        "self_issued": cert.issuer == cert.subject,
        "sha256": cert.fingerprint(hashes.SHA256()).hex(),
    }


def days_left(info, now=None):
    """Whole days until the certificate described by ``info`` expires (negative once expired), or None."""
    if not info or "not_after_ts" not in info:
        return None
    now = now if now is not None else time.time()
    return int((info["not_after_ts"] - now) // 86400)


def name_matches(info, name):
    """Whether the certificate facts ``info`` cover ``name`` (DNS name with one-label wildcards, or an IP)."""
    try:
        ip = ipaddress.ip_address(name)
    except ValueError:
        ip = None
    if ip is not None:
        return any(ipaddress.ip_address(a) == ip for a in info.get("ip_addresses", []))
    wanted = name.lower().rstrip(".")
    for pattern in info.get("dns_names", []):
        pattern = pattern.lower().rstrip(".")
        if pattern == wanted:
            return True
        if pattern.startswith("*.") and "." in wanted and wanted.split(".", 1)[1] == pattern[2:]:
            return True
    return False


def explain_certificate_failure(verify_message, info, tls_name, ca_desc, now=None, why_name=""):
    """``(detail, hint)`` saying why a certificate was refused, from the TLS error and the certificate itself."""
    now = now if now is not None else time.time()
    names = ", ".join(info.get("dns_names", []) + info.get("ip_addresses", [])) or "no subjectAltName"
    verify_message = verify_message or "verification failed"
    if info and not name_matches(info, tls_name):
        return ("certificate is for %s, not %s%s (%s)" % (names, tls_name, why_name, verify_message),
                "issue a certificate whose subjectAltName includes %s%s, and serve it on this address"
                % (tls_name, why_name))
    if info and info.get("not_after_ts", now + 1) < now:
        return ("certificate expired at %s (%s)" % (info["not_after"], verify_message),
                "renew the certificate for %s (and automate renewal)" % tls_name)
    if info and info.get("not_before_ts", 0) > now:
        return ("certificate is not valid before %s (%s)" % (info["not_before"], verify_message),
                "check the clocks of this host and the certificate issuer")
    issuer = info.get("issuer_cn") or "an unknown issuer"
    what = "self-signed" if info.get("self_issued") else "issued by %r" % issuer
    return ("certificate for %s is %s, which %s does not trust (%s)" % (tls_name, what, ca_desc, verify_message),
            "use a certificate from a CA every peer trusts (a public CA), or give every peer the CA (Synapse "
            "federation_custom_ca_list, ca_path here); serve the full chain including intermediates")
