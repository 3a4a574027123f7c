# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The renewal decision, from the files alone (pure; the clock is passed in)."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._acme import _certificate as c
from ansible_collections.fedops.rocketchat.plugins.module_utils._acme._errors import ACMEInputError

from tests.support.pki import TestCA

NAMES = ["example.com", "matrix.example.com"]


def _read(path):
    with open(path, "rb") as handle:
        return handle.read()


@pytest.fixture(scope="module")
def issued(tmp_path_factory):
    ca = TestCA(str(tmp_path_factory.mktemp("acme-pki")))
    cert = ca.issue("leaf", NAMES, days=60)
    other = ca.issue("other", NAMES, days=60)
    return _read(cert.cert_path), _read(cert.key_path), _read(other.key_path), cert.certificate.not_valid_after_utc


def test_kept_while_enough_days_are_left(issued):
    cert, key, _other, not_after = issued
    state = c.CertificateState(cert, key)
    now = not_after - datetime.timedelta(days=31)
    assert state.days_left(now) == 31
    assert c.renewal_reason(state, list(reversed(NAMES)), 30, now=now) is None
    assert state.summary(now)["names"] == NAMES and state.summary(now)["days_left"] == 31


def test_renewed_below_remaining_days(issued):
    cert, key, _other, not_after = issued
    now = not_after - datetime.timedelta(days=29, hours=1)
    assert c.renewal_reason(c.CertificateState(cert, key), NAMES, 30, now=now) == \
        "29 days left, fewer than remaining_days=30"


@pytest.mark.parametrize("case, expected", [
    ("missing", "no certificate yet"),
    ("garbage", "the certificate file holds no PEM certificate"),
    ("names", "names changed (example.com, matrix.example.com -> chat.example.com, example.com, matrix.example.com)"),
    ("other_key", "the key file does not hold the certificate's key"),
    ("no_key", "the key file does not hold the certificate's key"),
    ("force", "forced"),
])
def test_every_reason_to_order(issued, case, expected):
    cert, key, other, not_after = issued
    now = not_after - datetime.timedelta(days=50)
    names, force = NAMES, False
    state = c.CertificateState(cert, key)
    if case == "missing":
        state = c.CertificateState(None, None)
    elif case == "garbage":
        state = c.CertificateState(b"not a certificate", key)
    elif case == "names":
        names = NAMES + ["chat.example.com"]
    elif case == "other_key":
        state = c.CertificateState(cert, other)
    elif case == "no_key":
        state = c.CertificateState(cert, None)
    elif case == "force":
        force = True
    assert c.renewal_reason(state, names, 30, force=force, now=now) == expected


def test_names_are_normalized_and_checked():
    assert c.normalize_names(["Example.COM.", "example.com", "*.Example.com"]) == ["example.com", "*.example.com"]
    with pytest.raises(ACMEInputError, match="^names: "):
        c.normalize_names(["bad name"])
    with pytest.raises(ACMEInputError, match="^names: give at least one"):
        c.normalize_names([])


def test_new_key_is_pkcs8_ec():
    pem = c.new_private_key_pem()
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----") and pem != c.new_private_key_pem()
