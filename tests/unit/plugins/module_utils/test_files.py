# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Secret file helpers: atomic writes, attributes, backups, check mode."""

from __future__ import annotations

import errno
import grp
import inspect
import os
import stat

import pytest

from ansible.module_utils.basic import AnsibleModule
from tests.unit.compat import patch_module_args

from ansible_collections.fedops.rocketchat.plugins.module_utils import _files


def make_module(check=False, **params):
    args = dict(params)
    args["_ansible_check_mode"] = check
    with patch_module_args(args):
        return AnsibleModule(argument_spec=dict(path=dict(type="path")), add_file_common_args=True,
                             supports_check_mode=True)


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_read_file_states(tmp_path):
    assert _files.read_file(str(tmp_path / "missing")).exists is False
    (tmp_path / "f").write_bytes(b"abc")
    state = _files.read_file(str(tmp_path / "f"))
    assert state.exists and state.content == b"abc" and state.mtime_ns
    with pytest.raises(_files.FileAccessError, match="is a directory"):
        _files.read_file(str(tmp_path))
    (tmp_path / "big").write_bytes(b"x" * 20)
    with pytest.raises(_files.FileAccessError, match="too large"):
        _files.read_file(str(tmp_path / "big"), max_size=10)


def test_create_secret_file_0600_and_never_wider(tmp_path):
    path = str(tmp_path / "secret")
    module = make_module(path=path)
    old_umask = os.umask(0)  # even with a permissive umask the file must come out 0600
    try:
        res = _files.ensure_file(module, path, b"s3cret\n", _files.secret_file_args(module, path))
    finally:
        os.umask(old_umask)
    assert res["changed"] and res["content_changed"]
    assert mode_of(path) == 0o600 and open(path, "rb").read() == b"s3cret\n"
    assert [p.name for p in tmp_path.iterdir()] == ["secret"]  # no temporary file left behind


def test_mode_and_group_applied_and_reported(tmp_path):
    path = str(tmp_path / "secret")
    group = grp.getgrgid(os.getgid()).gr_name
    module = make_module(path=path, mode="0640", group=group)
    _files.ensure_file(module, path, b"x", _files.secret_file_args(module, path))
    assert mode_of(path) == 0o640
    module = make_module(path=path)
    res = _files.ensure_file(module, path, b"x", _files.secret_file_args(module, path))
    assert res["changed"] and not res["content_changed"] and res["attributes_changed"]
    assert res["attributes_diff"] == {"before": {"mode": "0640"}, "after": {"mode": "0600"}}
    assert mode_of(path) == 0o600
    res = _files.ensure_file(module, path, b"x", _files.secret_file_args(module, path))
    assert not res["changed"]


def test_replace_keeps_requested_mode_and_makes_backup(tmp_path):
    path = str(tmp_path / "secret")
    module = make_module(path=path, mode="0640")
    args = _files.secret_file_args(module, path)
    _files.ensure_file(module, path, b"one", args)
    res = _files.ensure_file(module, path, b"two", args, backup=True)
    assert res["backup_file"] and open(res["backup_file"], "rb").read() == b"one"
    assert mode_of(res["backup_file"]) == 0o600  # a backup without a group is 0600 whatever the live mode
    assert open(path, "rb").read() == b"two" and mode_of(path) == 0o640


def test_check_mode_predicts_and_writes_nothing(tmp_path):
    path = str(tmp_path / "secret")
    module = make_module(check=True, path=path)
    res = _files.ensure_file(module, path, b"x", _files.secret_file_args(module, path))
    assert res["changed"] and not os.path.exists(path)
    assert res["attributes_diff"]["after"] == {"mode": "0600"}
    with open(path, "wb") as handle:
        handle.write(b"x")
    os.chmod(path, 0o644)
    before = os.stat(path)
    res = _files.ensure_file(module, path, b"y", _files.secret_file_args(module, path), backup=True)
    assert res["changed"] and res["content_changed"] and res["attributes_changed"] and res["backup_file"] is None
    after = os.stat(path)
    assert (after.st_mtime_ns, after.st_mode) == (before.st_mtime_ns, before.st_mode)
    assert open(path, "rb").read() == b"x" and module.check_mode is True
    assert [p.name for p in tmp_path.iterdir()] == ["secret"]


def test_write_refuses_check_mode_and_missing_directory(tmp_path):
    module = make_module(check=True)
    with pytest.raises(RuntimeError):
        _files.write_file_atomic(module, str(tmp_path / "x"), b"x", {"path": str(tmp_path / "x")})
    module = make_module()
    path = str(tmp_path / "nodir" / "x")
    with pytest.raises(_files.FileAccessError, match="does not exist"):
        _files.ensure_file(module, path, b"x", _files.secret_file_args(module, path))


def test_ensure_file_without_content_needs_the_file(tmp_path):
    module = make_module()
    path = str(tmp_path / "x")
    with pytest.raises(_files.FileAccessError, match="no content"):
        _files.ensure_file(module, path, None, _files.secret_file_args(module, path))


# ---- commit_files: several files, all or nothing ----

def _change(tmp_path, name, content, old=None, backup=False, module=None):
    path = str(tmp_path / name)
    if old is not None:
        with open(path, "wb") as handle:
            handle.write(old)
    module = module or make_module(path=path)
    return _files.FileChange(path, content, _files.secret_file_args(module, path), backup=backup)


def test_commit_files_replaces_in_order_and_leaves_no_temporaries(tmp_path):
    module = make_module()
    first = _change(tmp_path, "a", b"A2", old=b"A1")
    second = _change(tmp_path, "b", b"B1")
    _files.commit_files(module, [first, second])
    assert open(first.path, "rb").read() == b"A2" and open(second.path, "rb").read() == b"B1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]
    assert mode_of(first.path) == 0o600 and mode_of(second.path) == 0o600


def test_commit_files_puts_the_first_file_back_when_the_last_rename_fails(tmp_path, monkeypatch):
    module = make_module()
    first = _change(tmp_path, "a", b"A2", old=b"A1")
    os.chmod(first.path, 0o644)
    inode = os.stat(first.path).st_ino
    second = _change(tmp_path, "b", b"B2", old=b"B1", backup=True)
    real_rename = os.rename

    def rename(src, dst):
        if dst == second.path:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        return real_rename(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(_files.FileAccessError, match=r"cannot replace .*/b: Read-only file system\. Nothing was"):
        _files.commit_files(module, [first, second])
    assert open(first.path, "rb").read() == b"A1" and mode_of(first.path) == 0o644
    assert os.stat(first.path).st_ino == inode  # the very same file, not a copy
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]  # no temporary, rollback link or backup


def test_commit_files_removes_a_created_file_when_a_later_rename_fails(tmp_path, monkeypatch):
    module = make_module()
    first = _change(tmp_path, "new", b"N")
    second = _change(tmp_path, "b", b"B2", old=b"B1")
    real_rename = os.rename

    def rename(src, dst):
        if dst == second.path:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_rename(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(_files.FileAccessError, match="No space left"):
        _files.commit_files(module, [first, second])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b"]


def test_commit_files_reports_a_failed_rollback(tmp_path, monkeypatch):
    module = make_module()
    first = _change(tmp_path, "a", b"A2", old=b"A1")
    second = _change(tmp_path, "b", b"B2", old=b"B1")
    real_rename = os.rename

    def rename(src, dst):
        if dst == second.path or ".rollback" in src:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real_rename(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(_files.FileAccessError, match=r"could not restore .*/a \(Input/output error\); the previous "
                                                     r"file is .*\.rollback"):
        _files.commit_files(module, [first, second])


def test_backup_mode_is_0600_or_0640_with_a_group_and_never_wider_than_the_file():
    assert _files.backup_mode({}, 0o644) == 0o600
    assert _files.backup_mode({"group": "synapse"}, 0o640) == 0o640
    assert _files.backup_mode({"group": "synapse"}, 0o600) == 0o600
    assert _files.backup_mode({"group": "synapse"}, 0o664) == 0o640
    assert _files.backup_mode({}, 0o400) == 0o400


class _OldModule:
    """AnsibleModule.atomic_move as ansible-core 2.16 has it (no keep_dest_attrs)."""

    def atomic_move(self, src, dest, unsafe_writes=False):  # pragma: no cover - only inspected
        pass


class _NewModule:
    def atomic_move(self, src, dest, unsafe_writes=False, keep_dest_attrs=True):  # pragma: no cover
        pass


def test_atomic_move_keyword_is_feature_detected():
    assert _files._atomic_move_kwargs(_OldModule()) == {}  # pylint: disable=protected-access
    assert _files._atomic_move_kwargs(_NewModule()) == {"keep_dest_attrs": False}  # pylint: disable=protected-access
    assert _files._atomic_move_kwargs(make_module()) == (  # pylint: disable=protected-access
        {"keep_dest_attrs": False} if "keep_dest_attrs" in inspect.signature(AnsibleModule.atomic_move).parameters
        else {})


def test_busy_file_falls_back_to_atomic_move_with_unsafe_writes(tmp_path, monkeypatch):
    """A file bind-mounted into a container cannot be renamed over (EBUSY); with unsafe_writes it is written in
    place by AnsibleModule.atomic_move, and still ends up 0600."""
    path = str(tmp_path / "s")
    with open(path, "wb") as handle:
        handle.write(b"old")
    os.chmod(path, 0o644)
    real_rename = os.rename
    calls = []

    def rename(src, dst):
        calls.append(dst)
        if dst == path and len(calls) == 1:
            raise OSError(errno.EBUSY, os.strerror(errno.EBUSY))
        return real_rename(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    module = make_module(path=path)
    with pytest.raises(_files.FileAccessError, match="Device or resource busy"):
        _files.ensure_file(module, path, b"new", _files.secret_file_args(module, path))
    assert open(path, "rb").read() == b"old"
    calls.clear()
    module = make_module(path=path, unsafe_writes=True)
    res = _files.ensure_file(module, path, b"new", _files.secret_file_args(module, path))
    assert res["changed"] and open(path, "rb").read() == b"new" and mode_of(path) == 0o600


def test_publish_text_files_predicts_writes_together_and_diffs(tmp_path):
    report, summary = str(tmp_path / "r.xml"), str(tmp_path / "r.md")
    with open(summary, "w") as handle:
        handle.write("old")
    files = [(report, "<x/>"), (summary, "new")]
    changed, diffs = _files.publish_text_files(make_module(check=True), files)
    assert changed and sorted(os.listdir(str(tmp_path))) == ["r.md"] and open(summary).read() == "old"
    assert diffs[summary] == {"before": "old", "after": "new", "before_header": summary, "after_header": summary}
    assert diffs[report]["before"] == "" and diffs[report]["after"] == "<x/>"
    changed, _diffs = _files.publish_text_files(make_module(), files)
    assert changed and open(report).read() == "<x/>" and open(summary).read() == "new"
    assert mode_of(report) == 0o644
    changed, diffs = _files.publish_text_files(make_module(), files)
    assert not changed and diffs[summary]["before"] == diffs[summary]["after"] == "new"
