# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""fedops.rocketchat.signing_key, run in-process with patch_module_args."""

from __future__ import annotations

import base64
import errno
import grp
import json
import os
import re
import stat

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _keys
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _signedjson as sj
from ansible_collections.fedops.rocketchat.plugins.modules import signing_key

from tests.unit.plugins.modules.fs_faults import inject, tree
from tests.unit.plugins.modules.utils import run_module, snapshot, warnings_of

SEED = bytes(range(32))
SEED_B64 = sj.unpadded_b64encode(SEED)


def run(capsys, args, check=False, diff=False):
    return run_module(signing_key.main, capsys, args, check=check, diff=diff)


def test_create_then_idempotent(tmp_path, capsys):
    path = str(tmp_path / "hs.signing.key")
    first = run(capsys, {"path": path})
    assert first["changed"] is True and first["action"] == "create"
    assert re.match(r"^ed25519:a_[A-Za-z]{4}$", first["key_id"])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    keys = _keys.parse_signing_keys(open(path).read())
    assert keys[0].public_key_b64 == first["public_key"]
    assert first["fingerprint"] == keys[0].fingerprint
    assert first["verify_keys"] == {first["key_id"]: {"key": first["public_key"]}}
    assert first["rocketchat_settings"] == {"Federation_Service_Matrix_Signing_Algorithm": "ed25519",
                                            "Federation_Service_Matrix_Signing_Version": keys[0].version}
    assert "private_key" not in first
    assert sj.unpadded_b64encode(keys[0].seed) not in first["_raw"]
    before = snapshot(path)
    second = run(capsys, {"path": path})
    assert second["changed"] is False and second["action"] == "keep"
    assert second["key_id"] == first["key_id"]
    assert snapshot(path) == before


def test_check_mode_writes_nothing(tmp_path, capsys):
    path = str(tmp_path / "k")
    res = run(capsys, {"path": path}, check=True, diff=True)
    assert res["changed"] is True and res["key_id"] is None and not os.path.exists(path)
    assert res["diff"]["after"]["keys"] == ["(new key)"]
    res = run(capsys, {"path": path, "version": "v1"}, check=True)
    assert res["changed"] is True and res["key_id"] == "ed25519:v1" and not os.path.exists(path)
    assert list(tmp_path.iterdir()) == []
    run(capsys, {"path": path, "version": "v1"})
    before = snapshot(path)
    os.chmod(path, 0o644)
    before = snapshot(path)
    res = run(capsys, {"path": path, "rotate": True, "version": "v2"}, check=True, diff=True)
    assert res["changed"] is True and res["key_id"] == "ed25519:v2"
    assert snapshot(path) == before and not os.path.exists(path + ".old_keys")


def test_wrong_mode_corrected_and_reported(tmp_path, capsys):
    path = str(tmp_path / "k")
    run(capsys, {"path": path})
    os.chmod(path, 0o644)
    content = open(path, "rb").read()
    res = run(capsys, {"path": path}, diff=True)
    assert res["changed"] is True and res["action"] == "keep"
    assert res["diff"]["before"]["mode"] == "0644" and res["diff"]["after"]["mode"] == "0600"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert open(path, "rb").read() == content
    res = run(capsys, {"path": path, "mode": "0640"})
    assert res["changed"] is True and stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert run(capsys, {"path": path, "mode": "0640"})["changed"] is False


def test_diff_has_no_secret(tmp_path, capsys):
    path = str(tmp_path / "k")
    res = run(capsys, {"path": path}, diff=True)
    seed = _keys.parse_signing_keys(open(path).read())[0].seed
    for form in (sj.unpadded_b64encode(seed), base64.b64encode(seed).decode(), seed.hex()):
        assert form not in json.dumps(res["diff"])
        assert form not in res["_raw"]
    assert res["diff"]["after"]["keys"] == ["%s %s" % (res["key_id"], res["public_key"])]


def test_malformed_file_fails_with_line_and_is_untouched(tmp_path, capsys):
    path = str(tmp_path / "k")
    with open(path, "w") as handle:
        handle.write("ed25519 a_good %s\ned25519 a_bad notbase64!\n" % SEED_B64)
    before = snapshot(path)
    res = run(capsys, {"path": path})
    assert res["failed"] is True and res["line"] == 2
    assert "line 2" in res["msg"] and "not valid base64" in res["msg"] and "untouched" in res["msg"]
    assert "regenerate=full_idempotence" in res["msg"]
    assert snapshot(path) == before
    res = run(capsys, {"path": path, "regenerate": "full_idempotence", "backup": True})
    assert res["changed"] is True and res["action"] == "regenerate"
    assert "ed25519:a_good" in res["old_signing_keys"]
    assert open(res["backup_file"], "rb").read() == before[0]


def test_rotation_keeps_old_public_keys(tmp_path, capsys):
    path = str(tmp_path / "k")
    first = run(capsys, {"path": path, "version": "a_one"})
    second = run(capsys, {"path": path, "version": "a_two", "rotate": True, "expired_ts": 1234})
    assert second["changed"] is True and second["action"] == "rotate" and second["key_id"] == "ed25519:a_two"
    entry = {"ed25519:a_one": {"key": first["public_key"], "expired_ts": 1234}}
    assert second["retired_keys"] == entry and second["old_signing_keys"] == entry
    assert open(path + ".old_keys").read() == "ed25519 a_one 1234 %s\n" % first["public_key"]
    assert stat.S_IMODE(os.stat(path + ".old_keys").st_mode) == 0o600
    again = run(capsys, {"path": path, "version": "a_two", "rotate": True})
    assert again["changed"] is False and again["retired_keys"] == {} and again["old_signing_keys"] == entry
    third = run(capsys, {"path": path, "rotate": True})
    assert third["changed"] is True and set(third["old_signing_keys"]) == {"ed25519:a_one", "ed25519:a_two"}
    # an id that was used before is refused
    res = run(capsys, {"path": path, "version": "a_one", "rotate": True})
    assert res["failed"] is True and "never be reused" in res["msg"]


def test_version_mismatch_fails_by_default(tmp_path, capsys):
    path = str(tmp_path / "k")
    run(capsys, {"path": path, "version": "a_one"})
    before = snapshot(path)
    res = run(capsys, {"path": path, "version": "a_two"})
    assert res["failed"] is True and "rotate=true" in res["msg"]
    assert snapshot(path) == before
    res = run(capsys, {"path": path, "version": "a_two", "regenerate": "never"})
    assert res["changed"] is False and res["key_id"] == "ed25519:a_one" and "regenerate=never" in warnings_of(res)


def test_return_content_and_rocketchat_round_trip(tmp_path, capsys):
    path = str(tmp_path / "k")
    made = run(capsys, {"path": path, "version": "a_AbCd", "return_content": True})
    assert made["private_key"] == open(path).read()
    rc = made["rocketchat_settings"]
    assert rc["Federation_Service_Matrix_Signing_Version"] == "a_AbCd"
    assert len(rc["Federation_Service_Matrix_Signing_Key"]) == 44
    # the Rocket.Chat value imported into a new file gives the very same key file
    other = str(tmp_path / "k2")
    imported = run(capsys, {"path": other, "rocketchat_key": rc["Federation_Service_Matrix_Signing_Key"],
                            "version": "a_AbCd"})
    assert imported["changed"] is True and imported["public_key"] == made["public_key"]
    assert open(other).read() == open(path).read()
    again = run(capsys, {"path": other, "rocketchat_key": rc["Federation_Service_Matrix_Signing_Key"],
                         "version": "a_AbCd"})
    assert again["changed"] is False
    # the key never appears outside return_content
    assert rc["Federation_Service_Matrix_Signing_Key"] not in imported["_raw"].replace(
        '"rocketchat_key": "********"', "")


def test_rocketchat_key_needs_version_and_valid_value(tmp_path, capsys):
    path = str(tmp_path / "k")
    res = run(capsys, {"path": path, "rocketchat_key": base64.b64encode(SEED).decode()})
    assert res["failed"] is True and "version" in res["msg"]
    res = run(capsys, {"path": path, "rocketchat_key": base64.b64encode(b"x" * 64).decode(), "version": "0"})
    assert res["failed"] is True and "rocketchat_key" in res["msg"] and "32-byte seed" in res["msg"]
    assert not os.path.exists(path)


def test_missing_directory_fails_cleanly(tmp_path, capsys):
    res = run(capsys, {"path": str(tmp_path / "nope" / "k")})
    assert res["failed"] is True and "does not exist" in res["msg"]


def test_bad_version_option(tmp_path, capsys):
    res = run(capsys, {"path": str(tmp_path / "k"), "version": "a-b"})
    assert res["failed"] is True and res["msg"].startswith("version:")


def test_expect_public_key_guards_against_a_lost_or_replaced_key(tmp_path, capsys):
    path = str(tmp_path / "k")
    made = run(capsys, {"path": path, "version": "a_one"})
    expected = made["public_key"]
    assert run(capsys, {"path": path, "expect_public_key": expected})["changed"] is False
    # rotation keeps it satisfied (the expected key is retired, not lost)
    assert run(capsys, {"path": path, "expect_public_key": expected, "version": "a_two", "rotate": True})["changed"]
    assert run(capsys, {"path": path, "expect_public_key": expected, "version": "a_two", "rotate": True})[
        "changed"] is False
    # the file lost: no new key is made
    os.unlink(path)
    res = run(capsys, {"path": path, "expect_public_key": expected})
    assert res["failed"] is True and "does not exist" in res["msg"] and "restore" in res["msg"]
    assert not os.path.exists(path)
    # replaced by another tool: fails and names both keys
    with open(path, "w") as handle:
        handle.write("ed25519 a_x %s\n" % SEED_B64)
    other = str(tmp_path / "other")
    res = run(capsys, {"path": other, "expect_public_key": expected}, check=True)
    assert res["failed"] is True
    res = run(capsys, {"path": path, "expect_public_key": expected, "old_keys_path": str(tmp_path / "none")})
    assert res["failed"] is True and "replaced outside this module" in res["msg"] and expected in res["msg"]
    res = run(capsys, {"path": path, "expect_public_key": "AAAA"})
    assert res["failed"] is True and "32 bytes" in res["msg"]


# ---- issue 13: atomic rotation, faults at every step, empty path, backup modes ----

def _rotate_under_faults(tmp_path, capsys, monkeypatch, setup, args, err):
    """Run ``args`` with one fault injected at each mutating step in turn; every failed run must leave the
    directory exactly as it was and a later plain run must report the same old keys as before."""
    path = str(tmp_path / "k")
    setup(path)
    before = tree(str(tmp_path))
    old_before = run(capsys, {"path": path})["old_signing_keys"]
    assert tree(str(tmp_path)) == before
    faults = []
    for fail_at in range(1, 200):
        with inject(monkeypatch, fail_at, err) as injector:
            res = run(capsys, dict(args, path=path))
        if injector.fired is None:
            assert res["changed"] is True and res["action"] in ("rotate", "regenerate")
            break
        faults.append(injector.fired)
        assert res.get("failed") is True, "fault at %s was not reported: %r" % (injector.fired, res)
        assert "Traceback" not in res["_raw"] + res["_err"]
        assert os.strerror(err) in res["msg"] or "chmod failed" in res["msg"] or "chown failed" in res["msg"], \
            res["msg"]
        assert tree(str(tmp_path)) == before, "fault at %s (step %d) changed the files" % (injector.fired, fail_at)
        after = run(capsys, {"path": path})
        assert after["changed"] is False and after["old_signing_keys"] == old_before, injector.fired
    else:  # pragma: no cover
        raise AssertionError("the run never completed")
    assert len(faults) >= 4, faults  # temporaries, fsyncs and renames of both files were tried
    return faults


@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EROFS])
def test_first_rotation_fault_at_each_step_leaves_previous_state(tmp_path, capsys, monkeypatch, err):
    def setup(path):
        run(capsys, {"path": path, "version": "a_one"})
    _rotate_under_faults(tmp_path, capsys, monkeypatch, setup, {"version": "a_two", "rotate": True}, err)


def test_later_rotation_with_backup_fault_at_each_step_leaves_previous_state(tmp_path, capsys, monkeypatch):
    def setup(path):
        run(capsys, {"path": path, "version": "a_one"})
        run(capsys, {"path": path, "version": "a_two", "rotate": True, "expired_ts": 5})
    faults = _rotate_under_faults(tmp_path, capsys, monkeypatch, setup,
                                  {"version": "a_three", "rotate": True, "backup": True}, errno.ENOSPC)
    assert any("copyfile" in f or "write" in f for f in faults)


def test_interrupted_rotation_is_recovered(tmp_path, capsys):
    """A crash after the old keys file was renamed but before the key file was: the active key is listed in the
    old keys file too. It must not be reported as retired, and the next rotation retires it normally."""
    path = str(tmp_path / "k")
    made = run(capsys, {"path": path, "version": "a_one"})
    with open(path + ".old_keys", "w") as handle:
        handle.write("ed25519 a_one 77 %s\n" % made["public_key"])
    os.chmod(path + ".old_keys", 0o600)
    res = run(capsys, {"path": path})
    assert res["old_signing_keys"] == {} and res["changed"] is False
    res = run(capsys, {"path": path, "version": "a_two", "rotate": True, "expired_ts": 99})
    assert res["old_signing_keys"] == {"ed25519:a_one": {"key": made["public_key"], "expired_ts": 99}}
    assert res["retired_keys"] == res["old_signing_keys"]


def test_empty_path_refused_up_front(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for args in ({"path": ""}, {"path": "   "}, {"path": str(tmp_path / "k"), "old_keys_path": ""}):
        res = run(capsys, args)
        assert res.get("failed") is True and "Traceback" not in res["_err"], res
        option = "old_keys_path" if "old_keys_path" in args else "path"
        assert res["msg"].startswith(option + " ") and repr(args[option]) in res["msg"], res["msg"]
    assert os.listdir(str(tmp_path)) == []


def test_backup_of_a_key_is_never_wider_than_0600(tmp_path, capsys):
    path = str(tmp_path / "k")
    run(capsys, {"path": path, "version": "a_one"})
    os.chmod(path, 0o644)
    res = run(capsys, {"path": path, "version": "a_two", "rotate": True, "backup": True})
    assert stat.S_IMODE(os.stat(res["backup_file"]).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    group = grp.getgrgid(os.getgid()).gr_name
    os.chmod(path, 0o644)
    res = run(capsys, {"path": path, "version": "a_three", "rotate": True, "backup": True, "group": group,
                       "mode": "0640"})
    assert stat.S_IMODE(os.stat(res["backup_file"]).st_mode) == 0o640
    assert os.stat(res["backup_file"]).st_gid == os.getgid()


def test_key_file_replacement_failure_does_not_retire_the_active_key(tmp_path, capsys, monkeypatch):
    """Issue 13 #4: the key file cannot be replaced (read-only at the last step): the old keys file must not
    record the still-active key as retired."""
    path = str(tmp_path / "k")
    made = run(capsys, {"path": path, "version": "a_one"})
    real_rename = os.rename

    def rename(src, dst, *args, **kwargs):
        if os.fsdecode(dst) == path:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        return real_rename(src, dst, *args, **kwargs)

    with monkeypatch.context() as patcher:
        patcher.setattr(os, "rename", rename)
        patcher.setattr(os, "replace", rename)
        res = run(capsys, {"path": path, "version": "a_two", "rotate": True})
    assert res.get("failed") is True and "Read-only file system" in res["msg"] and path in res["msg"]
    assert not os.path.exists(path + ".old_keys")
    after = run(capsys, {"path": path})
    assert after["key_id"] == made["key_id"] and after["old_signing_keys"] == {}
