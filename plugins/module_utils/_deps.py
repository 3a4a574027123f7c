# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""The collection's third-party Python libraries, each declared once: name, minimum version, what needs it.

Everything else is derived from this table: the ``missing_required_lib`` messages the modules fail with,
the ``requirements:`` lines of the module documentation (a unit test checks they agree), and
``meta/ee-requirements.txt`` for execution environments (the same test checks it).
"""

from __future__ import annotations

from ansible.module_utils.basic import missing_required_lib


class PythonDependency(object):
    """One third-party library on the managed node."""

    def __init__(self, name, min_version, needed_for, import_names=None):
        self.name = name
        self.min_version = min_version
        self.needed_for = needed_for
        self.import_names = tuple(import_names or (name,))

    @property
    def requirement(self):
        """The pip requirement, ``name >= version``, as the docs and the execution environment spell it."""
        return "%s >= %s" % (self.name, self.min_version)

    def missing(self, reason=None):
        """The message a module fails with when the library cannot be imported."""
        return missing_required_lib(self.requirement, reason=reason)


DNSPYTHON = PythonDependency(
    "dnspython", "2.4.0",
    "DNS queries and RFC 2136 updates (federation_dns, federation_check); dns.nameserver needs 2.4",
    import_names=("dns",))
CRYPTOGRAPHY = PythonDependency(
    "cryptography", "42.0.0",
    "ed25519 signing keys and signatures, TLS certificate inspection (signing_key, federation_check); "
    "certificate validity in UTC (not_valid_after_utc) needs 42.0")
REQUESTS = PythonDependency(
    "requests", "2.25.0",
    "the Rocket.Chat REST API (settings, federation, federation_info) and the Matrix client API (federation_probe)")
BOTO3 = PythonDependency(
    "boto3", "1.28.0",
    "the Route 53 provider of federation_dns",
    import_names=("boto3", "botocore"))

ACME = PythonDependency(
    "acme", "2.0.0",
    "the ACME client (RFC 8555) of acme_certificate, with josepy which it brings",
    import_names=("acme", "josepy"))

ALL = (DNSPYTHON, CRYPTOGRAPHY, REQUESTS, BOTO3, ACME)
