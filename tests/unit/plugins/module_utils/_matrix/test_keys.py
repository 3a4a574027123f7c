# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Synapse key files, old keys, version ids, rotation planning and the Rocket.Chat encoding."""

from __future__ import annotations

import base64
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


def test_generated_keys_sign_like_the_spec_key():
    k = keys.SigningKey("1", SPEC_SEED)
    signed = sj.sign_json({}, "domain", k.key_id, k.seed)
    assert signed["signatures"]["domain"]["ed25519:1"].startswith("K8280/U9")


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


# ---- planning ----

def factory():
    counter = [10]

    def make(version, taken):
        counter[0] += 1
        return keys.SigningKey(version or "gen%d" % counter[0], bytes([counter[0]]) * 32)
    return make


def test_plan_create_when_missing():
    plan = keys.plan_signing_keys(None, [], key_factory=factory())
    assert plan.action == "create" and plan.keys == [plan.active] and plan.old_keys is None
    plan = keys.plan_signing_keys(None, [], version="v1", key_factory=factory())
    assert plan.active.version == "v1"


def test_plan_create_refuses_retired_version():
    old = keys.retire([key("v1", 1)], [], 5)
    with pytest.raises(keys.PlanError, match="never be reused"):
        keys.plan_signing_keys(None, old, version="v1", key_factory=factory())


def test_plan_keep_valid_key_by_default():
    current = [key("a", 1)]
    for regenerate in ("never", "fail", "partial_idempotence", "full_idempotence"):
        plan = keys.plan_signing_keys(current, [], regenerate=regenerate, key_factory=factory())
        assert plan.action == "keep" and plan.keys is None and plan.active == current[0]


def test_plan_version_mismatch_default_fails_and_names_rotate():
    with pytest.raises(keys.PlanError, match="rotate=true") as info:
        keys.plan_signing_keys([key("a", 1)], [], version="b", key_factory=factory())
    assert "ed25519:a" in str(info.value) and "ed25519:b" in str(info.value)


def test_plan_version_mismatch_never_keeps_with_warning():
    plan = keys.plan_signing_keys([key("a", 1)], [], version="b", regenerate="never", key_factory=factory())
    assert plan.action == "keep" and plan.warnings


@pytest.mark.parametrize("regenerate", ["partial_idempotence", "full_idempotence"])
def test_plan_version_mismatch_regenerates_and_retires(regenerate):
    plan = keys.plan_signing_keys([key("a", 1)], [], version="b", regenerate=regenerate, expired_ts=99,
                                  key_factory=factory())
    assert plan.action == "regenerate" and plan.active.version == "b"
    assert [(o.version, o.expired_ts) for o in plan.old_keys] == [("a", 99)]


def test_plan_rotate_retires_all_and_is_idempotent_with_version():
    current = [key("a", 1), key("b", 2)]
    old = keys.retire([key("z", 3)], [], 1)
    plan = keys.plan_signing_keys(current, old, rotate=True, version="c", expired_ts=7, key_factory=factory())
    assert plan.action == "rotate" and plan.keys == [plan.active] and plan.active.version == "c"
    assert [o.version for o in plan.old_keys] == ["z", "a", "b"]
    assert [o.version for o in plan.retired] == ["a", "b"]
    assert plan.retired[0].public_key == current[0].public_key and plan.retired[0].expired_ts == 7
    # second run: the active key already has version c
    again = keys.plan_signing_keys(plan.keys, plan.old_keys, rotate=True, version="c", key_factory=factory())
    assert again.action == "keep"


def test_plan_rotate_without_version_always_rotates_to_a_new_id():
    current = [key("a", 1)]
    plan = keys.plan_signing_keys(current, [], rotate=True, key_factory=keys.generate_signing_key)
    assert plan.action == "rotate" and plan.active.version not in ("a",)
    assert re.match(r"^a_[A-Za-z]{4}$", plan.active.version)


def test_plan_rotate_refuses_reused_version():
    old = keys.retire([key("c", 5)], [], 1)
    with pytest.raises(keys.PlanError, match="never be reused"):
        keys.plan_signing_keys([key("a", 1)], old, rotate=True, version="c", key_factory=factory())


def test_plan_malformed_fails_unless_full_idempotence():
    error = keys.KeyFileError("expected 3 fields", 2)
    for regenerate in ("never", "fail", "partial_idempotence"):
        with pytest.raises(keys.PlanError, match="line 2: expected 3 fields.*left untouched"):
            keys.plan_signing_keys(None, [], regenerate=regenerate, file_error=error, key_factory=factory())
    plan = keys.plan_signing_keys(None, [], regenerate="full_idempotence", file_error=error,
                                  salvaged=[key("a", 1)], expired_ts=3, key_factory=factory())
    assert plan.action == "regenerate" and [o.version for o in plan.old_keys] == ["a"] and plan.warnings


def test_plan_always_regenerates_each_time():
    current = [key("a", 1)]
    plan = keys.plan_signing_keys(current, [], regenerate="always", key_factory=factory())
    assert plan.action == "regenerate" and plan.active != current[0]
    with pytest.raises(keys.PlanError, match="reuse"):
        keys.plan_signing_keys(current, [], regenerate="always", version="a", key_factory=factory())


def test_plan_import_key():
    imported = keys.SigningKey("0", SPEC_SEED)
    plan = keys.plan_signing_keys(None, [], import_key=imported)
    assert plan.action == "create" and plan.active == imported and not plan.generated
    assert keys.plan_signing_keys([imported], [], import_key=imported).action == "keep"
    # a different key in the file: default fails, rotate installs it and retires the old one
    with pytest.raises(keys.PlanError):
        keys.plan_signing_keys([key("a", 1)], [], import_key=imported)
    plan = keys.plan_signing_keys([key("a", 1)], [], import_key=imported, rotate=True, expired_ts=1)
    assert plan.active == imported and [o.version for o in plan.retired] == ["a"]
    # same id, different key: refused
    with pytest.raises(keys.PlanError, match="never be reused"):
        keys.plan_signing_keys([key("0", 1)], [], import_key=imported, rotate=True)
    with pytest.raises(keys.PlanError, match="version"):
        keys.plan_signing_keys(None, [], import_key=imported, version="other")


def test_check_expected_public_key():
    a, b = key("a", 1), key("b", 2)
    keys.check_expected_public_key(a.public_key_b64, [a], [])
    keys.check_expected_public_key(base64.b64encode(a.public_key).decode(), [b, a], [])
    keys.check_expected_public_key(a.public_key_b64, [b], keys.retire([a], [], 1))
    with pytest.raises(keys.PlanError, match="does not exist"):
        keys.check_expected_public_key(a.public_key_b64, None, [])
    with pytest.raises(keys.PlanError, match="is malformed"):
        keys.check_expected_public_key(a.public_key_b64, None, [], keys.KeyFileError("bad", 1))
    with pytest.raises(keys.PlanError, match="replaced outside"):
        keys.check_expected_public_key(a.public_key_b64, [b], [])
    with pytest.raises(keys.PlanError, match="not base64"):
        keys.check_expected_public_key("!!", [a], [])
