# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""What the certificate on disk is worth: its names, days left, whether the key file belongs to it (pure, no I/O).

The renewal decision is made from this alone, so a converged run talks to no ACME server and no DNS provider.
"""

from __future__ import annotations

import datetime
import traceback

from ansible_collections.fedops.rocketchat.plugins.module_utils._acme._errors import ACMEInputError

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None
except ImportError:
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()

SECONDS_PER_DAY = 86400


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def normalize_names(names, option="names"):
    """Lower-case DNS names without the trailing dot, duplicates removed, order kept (the first is the subject)."""
    from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._errors import DNSInputError
    from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._records import normalize_name
    if not names:
        raise ACMEInputError("%s: give at least one DNS name" % option)
    out = []
    for name in names:
        wildcard = isinstance(name, str) and name.startswith("*.")
        try:
            value = normalize_name(name[2:] if wildcard else name, option).rstrip(".")
        except DNSInputError as exc:
            raise ACMEInputError(exc.msg) from None
        value = "*." + value if wildcard else value
        if value not in out:
            out.append(value)
    return out


class CertificateState(object):
    """The certificate file (full chain, leaf first) and the key file as found."""

    def __init__(self, cert_pem=None, key_pem=None):
        self.cert_pem = cert_pem
        self.key_pem = key_pem
        self.leaf = None
        self.problem = None
        if cert_pem is None:
            return
        try:
            self.leaf = x509.load_pem_x509_certificates(cert_pem)[0]
        except ValueError:
            self.problem = "the certificate file holds no PEM certificate"

    @property
    def exists(self):
        return self.leaf is not None

    @property
    def names(self):
        if self.leaf is None:
            return []
        try:
            san = self.leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        except x509.ExtensionNotFound:
            return []
        return sorted(n.lower() for n in san.get_values_for_type(x509.DNSName))

    @property
    def not_after(self):
        return self.leaf.not_valid_after_utc if self.leaf is not None else None

    def days_left(self, now=None):
        if self.leaf is None:
            return None
        return int((self.not_after - (now or utcnow())).total_seconds() // SECONDS_PER_DAY)

    def key_matches(self):
        """True when the key file holds the private key of the leaf certificate."""
        if self.leaf is None or self.key_pem is None:
            return False
        try:
            key = serialization.load_pem_private_key(self.key_pem, password=None)
        except (ValueError, TypeError):
            return False
        spki = serialization.PublicFormat.SubjectPublicKeyInfo
        der = serialization.Encoding.DER
        return key.public_key().public_bytes(der, spki) == self.leaf.public_key().public_bytes(der, spki)

    def summary(self, now=None):
        if self.leaf is None:
            return None
        return {
            "names": self.names,
            "not_after": self.not_after.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "days_left": self.days_left(now),
            "issuer": self.leaf.issuer.rfc4514_string(),
            "serial": "%x" % self.leaf.serial_number,
        }


def renewal_reason(state, names, remaining_days, force=False, now=None):
    """Why a new certificate is needed, or None when the one on disk is kept."""
    if force:
        return "forced"
    if state.problem:
        return state.problem
    if not state.exists:
        return "no certificate yet"
    if state.names != sorted(names):
        return "names changed (%s -> %s)" % (", ".join(state.names), ", ".join(sorted(names)))
    if not state.key_matches():
        return "the key file does not hold the certificate's key"
    days = state.days_left(now)
    if days < remaining_days:
        return "%d days left, fewer than remaining_days=%d" % (days, remaining_days)
    return None


def new_private_key_pem():
    """A fresh EC P-256 key in PKCS#8 PEM (accepted by nginx, Synapse and every ACME CA)."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
