# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Key server responses: gomatrixserverlib rules, consistency, expected keys (pure)."""

from __future__ import annotations

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _signedjson as sj
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check import _keyserver as ks

from tests.unit.plugins.module_utils._matrix._check.fakes import NOW_MS, PUB, PUB2, SEED, SEED2, SERVER, key_doc, statuses


# ---- key response ------------------------------------------------------------------------------------------

def test_good_key_response_passes_everything():
    records, good = ks.check_key_response(key_doc(keys=(("ed25519:a_one", SEED), ("ed25519:a_two", SEED2))),
                                          SERVER, NOW_MS, "192.0.2.1:8448")
    assert statuses(records) == {"key_server_name": "pass", "key_valid_until": "pass", "key_ed25519": "pass",
                                 "key_signatures": "pass"}
    assert good == {"ed25519:a_one": PUB, "ed25519:a_two": PUB2}
    assert all(r["target"] == "192.0.2.1:8448" and r["ok"] and r["hint"] is None for r in records)


def test_server_name_mismatch():
    records, _unused = ks.check_key_response(key_doc(server="matrix.example.org"), SERVER, NOW_MS)
    (rec,) = [r for r in records if r["name"] == "key_server_name"]
    assert rec["status"] == "fail" and "'matrix.example.org'" in rec["detail"]
    assert "not the delegated host" in rec["hint"]
    # signatures are by matrix.example.org, so none from example.org
    assert statuses(records)["key_signatures"] == "fail"


def test_server_name_with_a_port_the_server_does_not_have():
    records, _unused = ks.check_key_response(key_doc(), SERVER + ":8448", NOW_MS)
    rec = [r for r in records if r["name"] == "key_server_name"][0]
    assert rec["status"] == "fail" and "port is part of the server name only when" in rec["hint"]


def test_valid_until_in_the_past_and_soon():
    records, _unused = ks.check_key_response(key_doc(vut=NOW_MS - 1), SERVER, NOW_MS)
    assert statuses(records)["key_valid_until"] == "fail"
    records, _unused = ks.check_key_response(key_doc(vut=NOW_MS + 60 * 1000), SERVER, NOW_MS)
    assert statuses(records)["key_valid_until"] == "warn"
    records, _unused = ks.check_key_response(key_doc(vut=NOW_MS + 30 * 86400 * 1000), SERVER, NOW_MS)
    rec = [r for r in records if r["name"] == "key_valid_until"][0]
    assert rec["status"] == "pass" and "peers cache it until 2027-01-22" in rec["detail"]


@pytest.mark.parametrize("vut", [None, "123", 1.5, True])
def test_valid_until_wrong_type(vut):
    doc = key_doc()
    doc["valid_until_ts"] = vut
    records, _unused = ks.check_key_response(doc, SERVER, NOW_MS)
    assert statuses(records)["key_valid_until"] == "fail"


def test_short_key_and_missing_keys():
    doc = key_doc()
    doc["verify_keys"]["ed25519:short"] = {"key": sj.unpadded_b64encode(b"x" * 31)}
    records, good = ks.check_key_response(doc, SERVER, NOW_MS)
    rec = [r for r in records if r["name"] == "key_ed25519"][0]
    assert rec["status"] == "fail" and "ed25519:short" in rec["detail"]
    assert list(good) == ["ed25519:a_one"]
    doc = key_doc()
    doc["verify_keys"] = {}
    records, good = ks.check_key_response(doc, SERVER, NOW_MS)
    assert statuses(records)["key_ed25519"] == "fail" and statuses(records)["key_signatures"] == "skip"


def test_tampered_or_unsigned_key_response():
    doc = key_doc()
    doc["valid_until_ts"] += 1          # signature no longer covers the content
    records, _unused = ks.check_key_response(doc, SERVER, NOW_MS)
    rec = [r for r in records if r["name"] == "key_signatures"][0]
    assert rec["status"] == "fail" and "does not verify" in rec["detail"]
    doc = key_doc(keys=(("ed25519:a_one", SEED), ("ed25519:a_two", SEED2)))
    del doc["signatures"][SERVER]["ed25519:a_two"]   # every key must sign, not just the first
    records, _unused = ks.check_key_response(doc, SERVER, NOW_MS)
    assert "ed25519:a_two" in [r for r in records if r["name"] == "key_signatures"][0]["detail"]


def test_not_an_object():
    records, good = ks.check_key_response([1], SERVER, NOW_MS)
    assert records[0]["status"] == "fail" and good == {}


def test_consistency():
    assert ks.check_consistency({})["status"] == "skip"
    assert ks.check_consistency({"a": {"k": PUB}})["status"] == "pass"
    assert ks.check_consistency({"a": {"k": PUB}, "b": {"k": PUB}})["status"] == "pass"
    rec = ks.check_consistency({"a": {"k": PUB}, "b": {"k": PUB2}})
    assert rec["status"] == "fail" and "a: k=" in rec["detail"] and "b: k=" in rec["detail"]
    assert "same signing key" in rec["hint"]


# ---- expected keys -----------------------------------------------------------------------------------------

def test_normalise_expected_forms():
    assert ks.normalise_expected(PUB) == [(None, PUB)]
    assert ks.normalise_expected("ed25519:a_one %s" % PUB) == [("ed25519:a_one", PUB)]
    assert ks.normalise_expected({"key_id": "ed25519:a_one", "public_key": PUB, "changed": False}) == [
        ("ed25519:a_one", PUB)]
    assert ks.normalise_expected({"verify_keys": {"ed25519:x": {"key": PUB}}}) == [("ed25519:x", PUB)]
    assert ks.normalise_expected([PUB, PUB2 + "="]) == [(None, PUB), (None, PUB2)]


@pytest.mark.parametrize("value, fragment", [
    ("abc", "decodes to 2 bytes"),
    ("ed25519 a_one %s" % PUB, "3 fields"),
    ("!!!", "not base64"),
    (42, "got int"),
    ([], "no key"),
    ({"key_id": "x"}, "must be a string"),
])
def test_normalise_expected_errors(value, fragment):
    with pytest.raises(ValueError, match=fragment):
        ks.normalise_expected(value)


def test_expected_key_matches_and_mismatches():
    responses = {"192.0.2.1:8448": key_doc()}
    assert ks.check_expected([("ed25519:a_one", PUB)], responses)["status"] == "pass"
    assert ks.check_expected([(None, PUB)], responses)["status"] == "pass"
    rec = ks.check_expected([("ed25519:a_one", PUB2)], responses)
    assert rec["status"] == "fail" and PUB2 in rec["detail"] and PUB in rec["detail"]
    assert "regenerated" in rec["hint"]
    rec = ks.check_expected([("ed25519:other", PUB)], responses)
    assert "under another id" in rec["detail"]
    rotated = {"a": key_doc(keys=(("ed25519:a_two", SEED2),),
                            old={"ed25519:a_one": {"key": PUB, "expired_ts": NOW_MS}})}
    rec = ks.check_expected([("ed25519:a_one", PUB)], rotated)
    assert rec["status"] == "fail" and "only an old (expired) key" in rec["detail"]
    assert ks.check_expected([(None, PUB)], {})["status"] == "skip"
