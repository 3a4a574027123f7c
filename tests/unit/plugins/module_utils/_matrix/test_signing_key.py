# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The signing_key backend: rotation planning, the expected public key guard, leftovers of interrupted runs."""

from __future__ import annotations

import base64
import re

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _keys as keys
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _signedjson as sj
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _signing_key as backend

SPEC_SEED = sj.unpadded_b64decode("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1")


def key(version, fill):
    return keys.SigningKey(version, bytes([fill]) * 32)


# ---- planning ----

def factory():
    counter = [10]

    def make(version, taken):
        counter[0] += 1
        return keys.SigningKey(version or "gen%d" % counter[0], bytes([counter[0]]) * 32)
    return make


def test_plan_create_when_missing():
    plan = backend.plan_signing_keys(None, [], key_factory=factory())
    assert plan.action == "create" and plan.keys == [plan.active] and plan.old_keys is None
    plan = backend.plan_signing_keys(None, [], version="v1", key_factory=factory())
    assert plan.active.version == "v1"


def test_plan_create_refuses_retired_version():
    old = keys.retire([key("v1", 1)], [], 5)
    with pytest.raises(backend.PlanError, match="never be reused"):
        backend.plan_signing_keys(None, old, version="v1", key_factory=factory())


def test_plan_keep_valid_key_by_default():
    current = [key("a", 1)]
    for regenerate in ("never", "fail", "partial_idempotence", "full_idempotence"):
        plan = backend.plan_signing_keys(current, [], regenerate=regenerate, key_factory=factory())
        assert plan.action == "keep" and plan.keys is None and plan.active == current[0]


def test_plan_version_mismatch_default_fails_and_names_rotate():
    with pytest.raises(backend.PlanError, match="rotate=true") as info:
        backend.plan_signing_keys([key("a", 1)], [], version="b", key_factory=factory())
    assert "ed25519:a" in str(info.value) and "ed25519:b" in str(info.value)


def test_plan_version_mismatch_never_keeps_with_warning():
    plan = backend.plan_signing_keys([key("a", 1)], [], version="b", regenerate="never", key_factory=factory())
    assert plan.action == "keep" and plan.warnings


@pytest.mark.parametrize("regenerate", ["partial_idempotence", "full_idempotence"])
def test_plan_version_mismatch_regenerates_and_retires(regenerate):
    plan = backend.plan_signing_keys([key("a", 1)], [], version="b", regenerate=regenerate, expired_ts=99,
                                     key_factory=factory())
    assert plan.action == "regenerate" and plan.active.version == "b"
    assert [(o.version, o.expired_ts) for o in plan.old_keys] == [("a", 99)]


def test_plan_rotate_retires_all_and_is_idempotent_with_version():
    current = [key("a", 1), key("b", 2)]
    old = keys.retire([key("z", 3)], [], 1)
    plan = backend.plan_signing_keys(current, old, rotate=True, version="c", expired_ts=7, key_factory=factory())
    assert plan.action == "rotate" and plan.keys == [plan.active] and plan.active.version == "c"
    assert [o.version for o in plan.old_keys] == ["z", "a", "b"]
    assert [o.version for o in plan.retired] == ["a", "b"]
    assert plan.retired[0].public_key == current[0].public_key and plan.retired[0].expired_ts == 7
    # second run: the active key already has version c
    again = backend.plan_signing_keys(plan.keys, plan.old_keys, rotate=True, version="c", key_factory=factory())
    assert again.action == "keep"


def test_plan_rotate_without_version_always_rotates_to_a_new_id():
    current = [key("a", 1)]
    plan = backend.plan_signing_keys(current, [], rotate=True, key_factory=keys.generate_signing_key)
    assert plan.action == "rotate" and plan.active.version not in ("a",)
    assert re.match(r"^a_[A-Za-z]{4}$", plan.active.version)


def test_plan_rotate_refuses_reused_version():
    old = keys.retire([key("c", 5)], [], 1)
    with pytest.raises(backend.PlanError, match="never be reused"):
        backend.plan_signing_keys([key("a", 1)], old, rotate=True, version="c", key_factory=factory())


def test_plan_malformed_fails_unless_full_idempotence():
    error = keys.KeyFileError("expected 3 fields", 2)
    for regenerate in ("never", "fail", "partial_idempotence"):
        with pytest.raises(backend.PlanError, match="line 2: expected 3 fields.*left untouched"):
            backend.plan_signing_keys(None, [], regenerate=regenerate, file_error=error, key_factory=factory())
    plan = backend.plan_signing_keys(None, [], regenerate="full_idempotence", file_error=error,
                                     salvaged=[key("a", 1)], expired_ts=3, key_factory=factory())
    assert plan.action == "regenerate" and [o.version for o in plan.old_keys] == ["a"] and plan.warnings


def test_plan_always_regenerates_each_time():
    current = [key("a", 1)]
    plan = backend.plan_signing_keys(current, [], regenerate="always", key_factory=factory())
    assert plan.action == "regenerate" and plan.active != current[0]
    with pytest.raises(backend.PlanError, match="reuse"):
        backend.plan_signing_keys(current, [], regenerate="always", version="a", key_factory=factory())


def test_plan_import_key():
    imported = keys.SigningKey("0", SPEC_SEED)
    plan = backend.plan_signing_keys(None, [], import_key=imported)
    assert plan.action == "create" and plan.active == imported and not plan.generated
    assert backend.plan_signing_keys([imported], [], import_key=imported).action == "keep"
    # a different key in the file: default fails, rotate installs it and retires the old one
    with pytest.raises(backend.PlanError):
        backend.plan_signing_keys([key("a", 1)], [], import_key=imported)
    plan = backend.plan_signing_keys([key("a", 1)], [], import_key=imported, rotate=True, expired_ts=1)
    assert plan.active == imported and [o.version for o in plan.retired] == ["a"]
    # same id, different key: refused
    with pytest.raises(backend.PlanError, match="never be reused"):
        backend.plan_signing_keys([key("0", 1)], [], import_key=imported, rotate=True)
    with pytest.raises(backend.PlanError, match="version"):
        backend.plan_signing_keys(None, [], import_key=imported, version="other")


def test_check_expected_public_key():
    a, b = key("a", 1), key("b", 2)
    backend.check_expected_public_key(a.public_key_b64, [a], [])
    backend.check_expected_public_key(base64.b64encode(a.public_key).decode(), [b, a], [])
    backend.check_expected_public_key(a.public_key_b64, [b], keys.retire([a], [], 1))
    with pytest.raises(backend.PlanError, match="does not exist"):
        backend.check_expected_public_key(a.public_key_b64, None, [])
    with pytest.raises(backend.PlanError, match="is malformed"):
        backend.check_expected_public_key(a.public_key_b64, None, [], keys.KeyFileError("bad", 1))
    with pytest.raises(backend.PlanError, match="replaced outside"):
        backend.check_expected_public_key(a.public_key_b64, [b], [])
    with pytest.raises(backend.PlanError, match="not base64"):
        backend.check_expected_public_key("!!", [a], [])


def test_still_active_splits_leftovers_of_an_interrupted_rotation():
    a, b = key("a", 1), key("b", 2)
    old = keys.retire([a, b], [], 5)
    retired, leftovers = backend.still_active(old, [a])
    assert [k.version for k in retired] == ["b"] and [k.version for k in leftovers] == ["a"]
    # same version, other public key: not a leftover (the plan refuses the reuse)
    retired, leftovers = backend.still_active(old, [key("a", 9)])
    assert [k.version for k in retired] == ["a", "b"] and leftovers == []
    assert backend.still_active(old, None) == (old, [])
