# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Certificate facts, name matching and failure explanations."""

from __future__ import annotations

import time

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check import _tls as tls

from tests.support.pki import TestCA, untrusted_ca


# ---- certificates ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    wd = str(tmp_path_factory.mktemp("pki"))
    ca = TestCA(wd)
    good = ca.issue("good", ["matrix.example.org", "*.example.net", "192.0.2.1"])
    other = untrusted_ca(wd).issue("other", ["matrix.example.org"])
    return good, other


def _der(cert):
    from cryptography.hazmat.primitives import serialization  # pylint: disable=import-outside-toplevel
    return cert.certificate.public_bytes(serialization.Encoding.DER)


def test_describe_and_match(certs):
    good, _other = certs
    info = tls.describe_certificate(_der(good))
    assert info["dns_names"] == ["matrix.example.org", "*.example.net"]
    assert info["ip_addresses"] == ["192.0.2.1"] and info["issuer_cn"] == "fedops test CA"
    assert info["sha256"] == good.sha256 and not info["self_issued"]
    assert tls.name_matches(info, "matrix.example.org") and tls.name_matches(info, "MATRIX.example.org.")
    assert tls.name_matches(info, "a.example.net") and not tls.name_matches(info, "a.b.example.net")
    assert not tls.name_matches(info, "example.net")
    assert tls.name_matches(info, "192.0.2.1") and not tls.name_matches(info, "192.0.2.2")
    assert tls.describe_certificate(b"") == {}


def test_explain_wrong_name_untrusted_expired(certs):
    good, other = certs
    info = tls.describe_certificate(_der(good))
    detail, hint = tls.explain_certificate_failure("Hostname mismatch", info, "hs.example.org", "the system trust store")
    assert detail.startswith("certificate is for matrix.example.org, *.example.net, 192.0.2.1, not hs.example.org")
    assert "subjectAltName includes hs.example.org" in hint
    info2 = tls.describe_certificate(_der(other))
    detail, hint = tls.explain_certificate_failure("unable to get local issuer certificate", info2,
                                                   "matrix.example.org", "the CA bundle /x.pem")
    assert "issued by 'fedops untrusted CA', which the CA bundle /x.pem does not trust" in detail
    assert "federation_custom_ca_list" in hint
    detail, hint = tls.explain_certificate_failure("certificate has expired", info, "matrix.example.org", "x",
                                                   now=time.time() + 400 * 86400)
    assert detail.startswith("certificate expired at") and "renew" in hint
    detail, _hint = tls.explain_certificate_failure("self-signed", dict(info, self_issued=True, dns_names=["a"],
                                                                        ip_addresses=[]), "a", "x")
    assert "is self-signed" in detail
