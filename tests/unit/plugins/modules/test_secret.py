# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""fedops.rocketchat.secret, run in-process with patch_module_args."""

from __future__ import annotations

import errno
import grp
import hashlib
import hmac
import json
import os
import stat

import pytest

from ansible_collections.fedops.rocketchat.plugins.modules import secret

from tests.unit.plugins.modules.fs_faults import inject, tree
from tests.unit.plugins.modules.utils import run_module, snapshot, warnings_of

MASTER = "correct horse battery staple master"


def run(capsys, args, check=False, diff=False):
    return run_module(secret.main, capsys, args, check=check, diff=diff)


def test_derived_without_file(capsys):
    res = run(capsys, {"master_secret": MASTER, "label": "synapse.macaroon", "alphabet": "hex"})
    assert res["changed"] is False and res["source"] == "derived"
    assert res["value"] == hmac.new(MASTER.encode(), b"synapse.macaroon", hashlib.sha256).hexdigest()
    assert MASTER not in res["_raw"]
    assert res["invocation"]["module_args"]["master_secret"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


def test_derived_with_file(tmp_path, capsys):
    path = str(tmp_path / "s")
    args = {"master_secret": MASTER, "label": "a", "path": path}
    first = run(capsys, args)
    assert first["changed"] is True and open(path).read() == first["value"] + "\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    before = snapshot(path)
    second = run(capsys, args)
    assert second["changed"] is False and second["value"] == first["value"] and snapshot(path) == before
    # a file without trailing newline holding the right value is accepted as is
    with open(path, "w") as handle:
        handle.write(first["value"])
    assert run(capsys, args)["changed"] is False
    # another master secret replaces the value in the file
    third = run(capsys, dict(args, master_secret="another master secret value", backup=True))
    assert third["changed"] is True and third["value"] != first["value"]
    assert open(third["backup_file"]).read() == first["value"]


def test_random_created_once(tmp_path, capsys):
    path = str(tmp_path / "s")
    first = run(capsys, {"path": path, "length": 40, "alphabet": "base64url"})
    assert first["changed"] is True and first["source"] == "generated" and len(first["value"]) == 40
    before = snapshot(path)
    second = run(capsys, {"path": path, "length": 40, "alphabet": "base64url"})
    assert second["changed"] is False and second["source"] == "existing" and second["value"] == first["value"]
    assert snapshot(path) == before
    forced = run(capsys, {"path": path, "length": 40, "alphabet": "base64url", "force": True})
    assert forced["changed"] is True and forced["value"] != first["value"]


def test_existing_secret_kept_with_warning_when_it_does_not_conform(tmp_path, capsys):
    path = str(tmp_path / "s")
    with open(path, "w") as handle:
        handle.write("short-existing-secret\n")
    os.chmod(path, 0o600)
    res = run(capsys, {"path": path})
    assert res["changed"] is False and res["value"] == "short-existing-secret"
    assert "force=true" in warnings_of(res)


def test_check_mode_writes_nothing(tmp_path, capsys):
    path = str(tmp_path / "s")
    res = run(capsys, {"path": path}, check=True, diff=True)
    assert res["changed"] is True and not os.path.exists(path)
    assert res["diff"]["after"]["secret"] == "changed"
    run(capsys, {"path": path})
    os.chmod(path, 0o644)
    before = snapshot(path)
    res = run(capsys, {"path": path}, check=True)
    assert res["changed"] is True and snapshot(path) == before
    res = run(capsys, {"path": path, "force": True}, check=True)
    assert res["changed"] is True and snapshot(path) == before


def test_permissions_corrected_and_reported(tmp_path, capsys):
    path = str(tmp_path / "s")
    first = run(capsys, {"path": path})
    os.chmod(path, 0o644)
    res = run(capsys, {"path": path}, diff=True)
    assert res["changed"] is True and res["value"] == first["value"]
    assert res["diff"]["before"]["mode"] == "0644" and res["diff"]["after"]["mode"] == "0600"
    assert first["value"] not in json.dumps(res["diff"])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


@pytest.mark.parametrize("args, fragment", [
    ({}, "one of the following is required"),
    ({"master_secret": MASTER}, "label"),
    ({"master_secret": MASTER, "label": "x", "length": 4}, "length"),
    ({"master_secret": MASTER, "label": "x\x00y"}, "NUL"),
])
def test_bad_input(capsys, args, fragment):
    res = run(capsys, args)
    assert res["failed"] is True and fragment in res["msg"]


def test_low_entropy_warns(capsys):
    res = run(capsys, {"master_secret": MASTER, "label": "x", "length": 8, "alphabet": "digits"})
    assert "bits of entropy" in warnings_of(res)


def test_unreadable_secret_file_fails(tmp_path, capsys):
    path = str(tmp_path / "s")
    with open(path, "wb") as handle:
        handle.write(b"one\ntwo\n")
    res = run(capsys, {"path": path})
    assert res["failed"] is True and "more than one line" in res["msg"]
    assert open(path, "rb").read() == b"one\ntwo\n"
    res = run(capsys, {"path": path, "force": True})
    assert res["changed"] is True and open(path).read() == res["value"] + "\n"


# ---- issue 13: backup modes, empty path, faults at every step ----

def test_backup_of_a_secret_is_0600_even_from_a_0644_file(tmp_path, capsys):
    path = str(tmp_path / "s")
    with open(path, "w") as handle:
        handle.write("old-secret-value-0123456789\n")
    os.chmod(path, 0o644)
    res = run(capsys, {"master_secret": MASTER, "label": "x", "path": path, "backup": True})
    assert res["changed"] is True and open(res["backup_file"]).read() == "old-secret-value-0123456789\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(res["backup_file"]).st_mode) == 0o600
    # with a group the backup gets 0640 and that group, like the live file
    group = grp.getgrgid(os.getgid()).gr_name
    os.chmod(path, 0o644)
    res = run(capsys, {"master_secret": MASTER, "label": "y", "path": path, "backup": True, "group": group,
                       "mode": "0640"})
    assert stat.S_IMODE(os.stat(res["backup_file"]).st_mode) == 0o640
    assert os.stat(res["backup_file"]).st_gid == os.getgid()
    # a requested mode narrower than 0640 is not widened for the backup
    res = run(capsys, {"master_secret": MASTER, "label": "z", "path": path, "backup": True, "group": group,
                       "mode": "0600"})
    assert stat.S_IMODE(os.stat(res["backup_file"]).st_mode) == 0o600


def test_empty_path_refused_up_front(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for args in ({"path": ""}, {"master_secret": MASTER, "label": "x", "path": ""}):
        res = run(capsys, args)
        assert res.get("failed") is True and "Traceback" not in res["_err"], res
        assert res["msg"].startswith("path ") and "''" in res["msg"], res["msg"]
    assert os.listdir(str(tmp_path)) == []


@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EROFS])
def test_fault_at_each_step_leaves_the_secret_file_intact(tmp_path, capsys, monkeypatch, err):
    path = str(tmp_path / "s")
    with open(path, "w") as handle:
        handle.write("old-secret-value-0123456789\n")
    os.chmod(path, 0o644)
    before = tree(str(tmp_path))
    faults = []
    for fail_at in range(1, 200):
        with inject(monkeypatch, fail_at, err) as injector:
            res = run(capsys, {"master_secret": MASTER, "label": "x", "path": path, "backup": True})
        if injector.fired is None:
            assert res["changed"] is True
            break
        faults.append(injector.fired)
        assert res.get("failed") is True, "fault at %s was not reported: %r" % (injector.fired, res)
        assert "Traceback" not in res["_raw"] + res["_err"]
        assert os.strerror(err) in res["msg"] or "chmod failed" in res["msg"] or "chown failed" in res["msg"], \
            res["msg"]
        assert "old-secret-value" not in res["_raw"]
        assert tree(str(tmp_path)) == before, "fault at %s (step %d) changed the files" % (injector.fired, fail_at)
    assert len(faults) >= 3, faults
