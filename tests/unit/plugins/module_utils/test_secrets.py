# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Secret derivation and generation."""

from __future__ import annotations

import hashlib
import hmac
import struct

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils import _secrets


def test_hex_is_plain_hmac_sha256_of_the_label():
    expected = hmac.new(b"master secret", b"synapse.macaroon", hashlib.sha256).hexdigest()
    assert _secrets.derive("master secret", "synapse.macaroon", 64, "hex") == expected
    assert _secrets.derive("master secret", "synapse.macaroon", 16, "hex") == expected[:16]


def test_hex_longer_than_one_block_uses_counter_blocks():
    block1 = hmac.new(b"m", b"l\x00" + struct.pack(">I", 1), hashlib.sha256).hexdigest()
    assert _secrets.derive("m", "l", 100, "hex")[64:] == block1[:36]


def test_known_vector_alphanumeric():
    # Computed by hand from the documented algorithm: bytes of HMAC-SHA256(b"m", b"l"), values >= 248 skipped, % 62.
    digest = hmac.new(b"m", b"l", hashlib.sha256).digest()
    chars = _secrets.ALPHABETS["alphanumeric"]
    expected = "".join(chars[b % 62] for b in digest if b < 248)[:20]
    assert _secrets.derive("m", "l", 20, "alphanumeric") == expected


@pytest.mark.parametrize("alphabet", sorted(_secrets.ALPHABETS))
@pytest.mark.parametrize("length", [8, 64, 300])
def test_derive_is_stable_and_conforms(alphabet, length):
    a = _secrets.derive("master", "label", length, alphabet)
    assert a == _secrets.derive("master", "label", length, alphabet)
    assert _secrets.conforms(a, length, alphabet)
    assert a != _secrets.derive("master", "label2", length, alphabet)
    assert a != _secrets.derive("master2", "label", length, alphabet)


def test_derive_unicode_is_utf8():
    assert _secrets.derive("mäster", "läbel", 64, "hex") == hmac.new(
        "mäster".encode(), "läbel".encode(), hashlib.sha256).hexdigest()


@pytest.mark.parametrize("master, label, length, alphabet", [
    ("", "l", 64, "hex"), ("m", "", 64, "hex"), ("m", "a\x00b", 64, "hex"), ("m", "l", 7, "hex"),
    ("m", "l", 5000, "hex"), ("m", "l", 64, "emoji"), ("m", "l", True, "hex"), (None, "l", 64, "hex"),
])
def test_derive_rejects(master, label, length, alphabet):
    with pytest.raises(ValueError):
        _secrets.derive(master, label, length, alphabet)


def test_generate_random_and_conforming():
    values = set(_secrets.generate(32, "base64url") for dummy in range(20))
    assert len(values) == 20
    assert all(_secrets.conforms(v, 32, "base64url") for v in values)


def test_entropy_bits():
    assert _secrets.entropy_bits(32, "hex") == 128
    assert round(_secrets.entropy_bits(64, "alphanumeric")) == 381


@pytest.mark.parametrize("content, value", [
    (b"abc\n", "abc"), (b"abc", "abc"), (b"  abc \r\n", "abc"), (b"", None), (b"\n", None),
])
def test_decode_file(content, value):
    assert _secrets.decode_file(content) == value


@pytest.mark.parametrize("content", [b"a\nb\n", b"\xff\xfe"])
def test_decode_file_rejects(content):
    with pytest.raises(ValueError):
        _secrets.decode_file(content)


def test_encode_file():
    assert _secrets.encode_file("abc") == b"abc\n"
