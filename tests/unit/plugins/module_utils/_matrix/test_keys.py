# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Synapse key files, old keys, version ids and the Rocket.Chat encoding."""

from __future__ import annotations

import base64
import json
import random
import re

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _keys as keys
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _signedjson as sj

SPEC_SEED_B64 = "YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1"
SPEC_SEED = sj.unpadded_b64decode(SPEC_SEED_B64)
# The spec writes the seed with non-zero trailing bits ("...XA1"); the canonical encoding ends in "...XA0".
CANON_SEED_B64 = sj.unpadded_b64encode(SPEC_SEED)


def key(version, fill):
    return keys.SigningKey(version, bytes([fill]) * 32)


# ---- parsing and serialising ----

def test_parse_and_serialize_round_trip():
    text = "ed25519 a_AbCd %s\ned25519 b_2 %s\n" % (CANON_SEED_B64, sj.unpadded_b64encode(b"\x02" * 32))
    parsed = keys.parse_signing_keys(text)
    assert [k.key_id for k in parsed] == ["ed25519:a_AbCd", "ed25519:b_2"]
    assert parsed[0].seed == SPEC_SEED
    assert keys.serialize_signing_keys(parsed) == text


def test_parse_accepts_non_canonical_trailing_bits_like_synapse():
    assert CANON_SEED_B64 != SPEC_SEED_B64 and CANON_SEED_B64.endswith("XA0")
    assert keys.parse_signing_keys("ed25519 1 %s" % SPEC_SEED_B64)[0].seed == SPEC_SEED


def test_parse_accepts_blank_lines_padding_crlf_and_bytes():
    text = b"\n  \ned25519 a_x " + base64.b64encode(SPEC_SEED) + b"\r\n\n"
    parsed = keys.parse_signing_keys(text)
    assert len(parsed) == 1 and parsed[0].seed == SPEC_SEED and parsed[0].version == "a_x"


@pytest.mark.parametrize("text, line, fragment", [
    ("", None, "holds no signing key"),
    ("\n\n", None, "holds no signing key"),
    ("ed25519 a_x\n", 1, "expected 3 fields"),
    ("ed25519 a_x %s extra\n" % SPEC_SEED_B64, 1, "found 4"),
    (SPEC_SEED_B64 + "\n", 1, "old one-field key format"),
    ("\ned25519 a_x %s\ncurve25519 a_y %s\n" % (SPEC_SEED_B64, SPEC_SEED_B64), 3, "unsupported algorithm 'curve25519'"),
    ("ed25519 a-x %s\n" % SPEC_SEED_B64, 1, "key version 'a-x'"),
    ("ed25519 a_x %s\ned25519 a_x %s\n" % (SPEC_SEED_B64, SPEC_SEED_B64), 2, "appears twice"),
    ("ed25519 a_x %s!\n" % SPEC_SEED_B64[:-1], 1, "not valid base64"),
    ("ed25519 a_x %s\n" % SPEC_SEED_B64[:-4], 1, "decodes to 29 bytes"),
    (b"ed25519 a_x \xff\xfe\n", None, "not UTF-8"),
])
def test_parse_errors_name_the_line(text, line, fragment):
    with pytest.raises(keys.KeyFileError) as info:
        keys.parse_signing_keys(text)
    assert info.value.line == line
    assert fragment in str(info.value)
    if line is not None:
        assert str(info.value).startswith("line %d: " % line)


def test_parse_lenient_salvages_good_lines():
    text = "ed25519 a_x %s\ngarbage\n" % SPEC_SEED_B64
    good, errors = keys.parse_signing_keys(text, lenient=True)
    assert [k.version for k in good] == ["a_x"]
    assert errors[0].line == 2


def test_repr_and_info_never_show_the_seed():
    k = keys.SigningKey("a_x", SPEC_SEED)
    for text in (repr(k), repr(k.info())):
        assert SPEC_SEED_B64 not in text
        assert base64.b64encode(SPEC_SEED).decode() not in text
    info = k.info()
    assert info["key_id"] == "ed25519:a_x"
    assert info["public_key"] == sj.unpadded_b64encode(sj.public_key_from_seed(SPEC_SEED))
    assert re.match(r"^([0-9a-f]{2}:){31}[0-9a-f]{2}$", info["fingerprint"]["sha256"])


def test_signing_key_validation():
    with pytest.raises(ValueError):
        keys.SigningKey("a_x", b"short")
    with pytest.raises(ValueError):
        keys.SigningKey("bad version", SPEC_SEED)
    with pytest.raises(ValueError):
        keys.SigningKey("a_x", SPEC_SEED, algorithm="rsa")


# The Matrix specification's "Signing JSON" examples (appendices): key ed25519:1 with SPEC_SEED, server "domain".
SPEC_PUBLIC_KEY = "XGX0JRS2Af3be3knz2fBiRbApjm2Dh61gXDJA8kcJNI"
SPEC_SIGNATURES = [
    ({}, "K8280/U9SSy9IVtjBuVeLr+HpOB4BQFWbg+UZaADMtTdGYI7Geitb76LTrr5QV/7Xg4ahLwYGYZzuHGZKM5ZAQ"),
    ({"one": 1, "two": "Two"},
     "KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw"),
]


@pytest.mark.parametrize("obj, signature", SPEC_SIGNATURES)
def test_signing_key_signs_exactly_like_the_spec_example(obj, signature):
    k = keys.SigningKey("1", SPEC_SEED)
    assert k.public_key_b64 == SPEC_PUBLIC_KEY
    signed = sj.sign_json(dict(obj), "domain", k.key_id, k.seed)
    assert signed == dict(obj, signatures={"domain": {"ed25519:1": signature}})
    # and an independent ed25519 verifier accepts it over the canonical JSON (and rejects another object)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey  # pylint: disable=import-outside-toplevel
    from cryptography.exceptions import InvalidSignature  # pylint: disable=import-outside-toplevel
    verifier = Ed25519PublicKey.from_public_bytes(sj.unpadded_b64decode(SPEC_PUBLIC_KEY))
    canonical = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    verifier.verify(sj.unpadded_b64decode(signature), canonical)
    with pytest.raises(InvalidSignature):
        verifier.verify(sj.unpadded_b64decode(signature), canonical + b" ")


# ---- versions ----

def test_generate_version_like_synapse():
    for dummy in range(50):
        assert re.match(r"^a_[A-Za-z]{4}$", keys.generate_version())


def test_generate_version_avoids_taken():
    rng = random.Random(1)
    first = keys.generate_version(rng=random.Random(1))
    assert keys.generate_version(taken=[first], rng=rng) != first


def test_generate_signing_key_random_and_valid():
    a, b = keys.generate_signing_key(), keys.generate_signing_key("fixed")
    assert a.seed != b.seed and b.version == "fixed"
    assert len(a.public_key) == 32


# ---- old keys ----

def test_old_keys_round_trip_and_config():
    old = [keys.OldKey("a_old", sj.public_key_from_seed(SPEC_SEED), 1700000000000)]
    text = keys.serialize_old_keys(old)
    assert text == "ed25519 a_old 1700000000000 %s\n" % old[0].public_key_b64
    assert keys.parse_old_keys(text) == old
    assert keys.old_signing_keys_config(old) == {
        "ed25519:a_old": {"key": old[0].public_key_b64, "expired_ts": 1700000000000}}


@pytest.mark.parametrize("text, line, fragment", [
    ("ed25519 a 1\n", 1, "expected 4 fields"),
    ("ed25519 a -1 AAAA\n", 1, "expired_ts"),
    ("ed25519 a 1 AAAA\n", 1, "decodes to 3 bytes"),
    ("x25519 a 1 AAAA\n", 1, "unsupported algorithm"),
])
def test_old_keys_errors(text, line, fragment):
    with pytest.raises(keys.KeyFileError) as info:
        keys.parse_old_keys(text)
    assert info.value.line == line and fragment in str(info.value)


def test_signedjson_reads_our_files(tmp_path):
    """Synapse reads key files with signedjson; it must read ours (both formats) to the same keys."""
    signedjson_key = pytest.importorskip("signedjson.key")
    ours = [keys.generate_signing_key(), keys.SigningKey("1", SPEC_SEED)]
    theirs = signedjson_key.read_signing_keys(keys.serialize_signing_keys(ours).splitlines())
    assert [(k.alg, k.version, bytes(k)) for k in theirs] == [("ed25519", k.version, k.seed) for k in ours]
    assert [signedjson_key.encode_verify_key_base64(k.verify_key) for k in theirs] == \
        [k.public_key_b64 for k in ours]
    old = keys.retire(ours, [], 1234)
    parsed = signedjson_key.read_old_signing_keys(keys.serialize_old_keys(old).splitlines())
    assert [(k.version, k.expired) for k in parsed] == [(k.version, 1234) for k in ours]
    # and the other way round: a file written by signedjson parses here
    import io  # pylint: disable=import-outside-toplevel
    buf = io.StringIO()
    generated = signedjson_key.generate_signing_key("a_Test")
    signedjson_key.write_signing_keys(buf, [generated])
    parsed_here = keys.parse_signing_keys(buf.getvalue())
    assert parsed_here[0].seed == bytes(generated)


def test_retire_keeps_existing_and_refuses_reuse():
    a, b = key("a", 1), key("b", 2)
    old = keys.retire([a], [], 10)
    again = keys.retire([a, b], old, 20)
    assert [(o.version, o.expired_ts) for o in again] == [("a", 10), ("b", 20)]
    with pytest.raises(ValueError, match="never be reused"):
        keys.retire([key("a", 9)], old, 30)


# ---- Rocket.Chat ----

def test_to_rocketchat_is_padded_base64_of_the_seed():
    settings = keys.to_rocketchat(keys.SigningKey("a_AbCd", SPEC_SEED))
    value = settings["Federation_Service_Matrix_Signing_Key"]
    assert value == base64.b64encode(SPEC_SEED).decode()
    assert len(value) == 44 and value.endswith("=")
    assert settings["Federation_Service_Matrix_Signing_Algorithm"] == "ed25519"
    assert settings["Federation_Service_Matrix_Signing_Version"] == "a_AbCd"


def test_rocketchat_round_trip_both_ways():
    # Synapse -> Rocket.Chat -> Synapse
    synapse_line = "ed25519 a_AbCd %s\n" % CANON_SEED_B64
    k = keys.parse_signing_keys(synapse_line)[0]
    s = keys.to_rocketchat(k)
    back = keys.from_rocketchat(s["Federation_Service_Matrix_Signing_Key"],
                                s["Federation_Service_Matrix_Signing_Version"],
                                s["Federation_Service_Matrix_Signing_Algorithm"])
    assert back == k
    assert keys.serialize_signing_keys([back]) == synapse_line
    # Rocket.Chat (value as Rocket.Chat generates it: padded base64 of 32 random bytes) -> Synapse -> Rocket.Chat
    rc_value = base64.b64encode(bytes(range(32))).decode()
    k2 = keys.from_rocketchat(rc_value, "0")
    assert k2.key_id == "ed25519:0"
    line = keys.serialize_signing_keys([k2])
    assert keys.to_rocketchat(keys.parse_signing_keys(line)[0])["Federation_Service_Matrix_Signing_Key"] == rc_value
    # the unpadded form is accepted as well (the SDK decodes with atob())
    assert keys.from_rocketchat(rc_value.rstrip("="), "0") == k2


def test_rocketchat_public_key_matches_what_rc_would_publish():
    # RC: nacl.sign.keyPair.fromSeed(seed).publicKey == ed25519 public key of the seed (RFC 8032); ours must agree
    k = keys.from_rocketchat(base64.b64encode(SPEC_SEED).decode(), "0")
    assert k.public_key == sj.public_key_from_seed(SPEC_SEED)


def test_rocketchat_seed_to_public_key_is_rfc8032():
    """tweetnacl's fromSeed() is RFC 8032 key generation; RFC 8032 section 7.1 TEST 1 pins ours to the same result."""
    seed = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    k = keys.from_rocketchat(base64.b64encode(seed).decode(), "0")
    assert k.public_key.hex() == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"


@pytest.mark.parametrize("value, version, algorithm, fragment", [
    ("", "0", "ed25519", "empty"),
    ("ed25519 0 " + SPEC_SEED_B64, "0", "ed25519", "seed alone"),
    (base64.b64encode(b"x" * 64).decode(), "0", "ed25519", "tweetnacl's secret key"),
    (base64.b64encode(b"x" * 31).decode(), "0", "ed25519", "decodes to 31 bytes"),
    ("%%%", "0", "ed25519", "not valid base64"),
    (SPEC_SEED_B64, "a b", "ed25519", "version"),
    (SPEC_SEED_B64, "0", "rsa", "not supported"),
])
def test_from_rocketchat_errors(value, version, algorithm, fragment):
    with pytest.raises(ValueError, match=re.escape(fragment)):
        keys.from_rocketchat(value, version, algorithm)
