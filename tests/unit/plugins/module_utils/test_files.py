# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Secret file helpers: atomic writes, attributes, backups, check mode."""

from __future__ import annotations

import grp
import os
import stat

import pytest

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fedops.rocketchat.plugins.module_utils import _files

from tests.unit.plugins.modules.utils import patch_module_args


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
