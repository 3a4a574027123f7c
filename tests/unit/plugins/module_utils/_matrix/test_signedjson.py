# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Matrix signed JSON against the specification's test vectors (appendices)."""

from __future__ import annotations

import base64

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _signedjson as sj

# Spec appendices, "Cryptographic Test Vectors".
SEED = sj.unpadded_b64decode("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1")
SERVER = "domain"
KEY_ID = "ed25519:1"
SIG_EMPTY = "K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ"
SIG_ONE_TWO = "KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw"


def test_seed_is_32_bytes():
    assert len(SEED) == 32


def test_vector_empty_object():
    signed = sj.sign_json({}, SERVER, KEY_ID, SEED)
    assert signed == {"signatures": {SERVER: {KEY_ID: SIG_EMPTY}}}


def test_vector_one_two():
    signed = sj.sign_json({"one": 1, "two": "Two"}, SERVER, KEY_ID, SEED)
    assert signed == {"one": 1, "two": "Two", "signatures": {SERVER: {KEY_ID: SIG_ONE_TWO}}}


def test_sign_does_not_mutate_input_and_keeps_unsigned_and_other_signatures():
    obj = {"one": 1, "two": "Two", "unsigned": {"age_ts": 5}, "signatures": {"other": {"ed25519:x": "abc"}}}
    signed = sj.sign_json(obj, SERVER, KEY_ID, SEED)
    assert obj["signatures"] == {"other": {"ed25519:x": "abc"}}
    # unsigned and existing signatures are not covered by the signature
    assert signed["signatures"][SERVER][KEY_ID] == SIG_ONE_TWO
    assert signed["signatures"]["other"] == {"ed25519:x": "abc"}
    assert signed["unsigned"] == {"age_ts": 5}


def test_verify_vectors():
    public = sj.public_key_from_seed(SEED)
    sj.verify_signed_json({"signatures": {SERVER: {KEY_ID: SIG_EMPTY}}}, SERVER, KEY_ID, public)
    sj.verify_signed_json({"one": 1, "two": "Two", "unsigned": {"x": 1},
                           "signatures": {SERVER: {KEY_ID: SIG_ONE_TWO}}}, SERVER, KEY_ID, public)
    # base64 text accepted as public key too
    sj.verify_signed_json({"signatures": {SERVER: {KEY_ID: SIG_EMPTY}}}, SERVER, KEY_ID,
                          sj.unpadded_b64encode(public))


@pytest.mark.parametrize("obj, message", [
    ({"one": 2, "two": "Two", "signatures": {SERVER: {KEY_ID: SIG_ONE_TWO}}}, "does not verify"),
    ({"one": 1, "two": "Two"}, "no signatures from domain"),
    ({"one": 1, "two": "Two", "signatures": {SERVER: {"ed25519:2": SIG_ONE_TWO}}}, "with key ed25519:1"),
    ({"one": 1, "two": "Two", "signatures": {SERVER: {KEY_ID: "!!"}}}, "not valid base64"),
    ({"one": 1, "two": "Two", "signatures": {SERVER: {KEY_ID: "AAAA"}}}, "has 3 bytes"),
    ({"one": 1.5, "signatures": {SERVER: {KEY_ID: SIG_ONE_TWO}}}, "canonical JSON"),
    ("not an object", "only JSON objects"),
])
def test_verify_rejects(obj, message):
    with pytest.raises(sj.SignatureError, match=message):
        sj.verify_signed_json(obj, SERVER, KEY_ID, sj.public_key_from_seed(SEED))


def test_verify_rejects_wrong_public_key():
    other = sj.public_key_from_seed(b"\x01" * 32)
    with pytest.raises(sj.SignatureError, match="does not verify"):
        sj.verify_signed_json({"signatures": {SERVER: {KEY_ID: SIG_EMPTY}}}, SERVER, KEY_ID, other)
    with pytest.raises(sj.SignatureError, match="must be 32 bytes"):
        sj.verify_signed_json({"signatures": {SERVER: {KEY_ID: SIG_EMPTY}}}, SERVER, KEY_ID, b"short")


def test_verify_rejects_every_single_bit_flip_in_signature():
    raw = sj.unpadded_b64decode(SIG_ONE_TWO)
    public = sj.public_key_from_seed(SEED)
    for index in range(0, len(raw), 7):
        bad = bytearray(raw)
        bad[index] ^= 0x01
        obj = {"one": 1, "two": "Two", "signatures": {SERVER: {KEY_ID: sj.unpadded_b64encode(bytes(bad))}}}
        with pytest.raises(sj.SignatureError):
            sj.verify_signed_json(obj, SERVER, KEY_ID, public)


# Spec appendices, "Canonical JSON" examples.
@pytest.mark.parametrize("obj, expected", [
    ({}, b"{}"),
    ({"one": 1, "two": "Two"}, b'{"one":1,"two":"Two"}'),
    ({"b": "2", "a": "1"}, b'{"a":"1","b":"2"}'),
    ({"auth": {"success": True, "mxid": "@john.doe:example.com", "profile": {
        "display_name": "John Doe", "three_pids": [
            {"medium": "email", "address": "john.doe@example.org"},
            {"medium": "msisdn", "address": "123456789"}]}}},
     b'{"auth":{"mxid":"@john.doe:example.com","profile":{"display_name":"John Doe","three_pids":'
     b'[{"address":"john.doe@example.org","medium":"email"},{"address":"123456789","medium":"msisdn"}]},'
     b'"success":true}}'),
    ({"a": "日本語"}, '{"a":"日本語"}'.encode("utf-8")),
    ({"本": 2, "日": 1}, '{"日":1,"本":2}'.encode("utf-8")),
    ({"a": "\u65E5"}, '{"a":"日"}'.encode("utf-8")),
    ({"a": None}, b'{"a":null}'),
    ({"a": -0, "b": 10000000000}, b'{"a":0,"b":10000000000}'),
])
def test_canonical_json_spec_examples(obj, expected):
    assert sj.encode_canonical_json(obj) == expected


@pytest.mark.parametrize("obj", [{"a": 1.0}, {"a": 2 ** 53}, {1: "x"}, {"a": object()}, {"a": float("nan")}])
def test_canonical_json_rejects(obj):
    with pytest.raises(ValueError):
        sj.encode_canonical_json(obj)


# Spec appendices, "Unpadded Base64" examples.
@pytest.mark.parametrize("raw, text", [
    (b"", ""), (b"f", "Zg"), (b"fo", "Zm8"), (b"foo", "Zm9v"), (b"foob", "Zm9vYg"),
    (b"fooba", "Zm9vYmE"), (b"foobar", "Zm9vYmFy"),
])
def test_unpadded_base64_spec_examples(raw, text):
    assert sj.unpadded_b64encode(raw) == text
    assert sj.unpadded_b64decode(text) == raw
    assert sj.unpadded_b64decode(base64.b64encode(raw).decode()) == raw


@pytest.mark.parametrize("text", ["Zg=", "Zg===", "Z", "Zm9v!", "Zm 9v", "Zm9v-_", "=Zg", "Zm9vYg=x", None, 12])
def test_unpadded_b64decode_rejects(text):
    with pytest.raises(ValueError):
        sj.unpadded_b64decode(text)


def test_public_key_from_seed():
    public = sj.public_key_from_seed(SEED)
    assert len(public) == 32
    with pytest.raises(ValueError):
        sj.public_key_from_seed(b"x" * 31)


def test_sign_json_rejects_bad_key_id():
    with pytest.raises(ValueError):
        sj.sign_json({}, SERVER, "1", SEED)
