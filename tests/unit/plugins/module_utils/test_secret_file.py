# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The secret backend on a real AnsibleModule: value choice, masking, the file."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils import _secret_file, _secrets

from tests.unit.plugins.modules.utils import patch_module_args


def make_module(**params):
    with patch_module_args(params):
        return _secret_file.secret_spec().create_ansible_module()


def test_run_derives_and_masks_the_value_only_while_running(tmp_path):
    module = make_module(master_secret="m" * 20, label="l", path=str(tmp_path / "s"))
    result = _secret_file.run_secret(module)
    assert result["source"] == "derived" and result["value"] == _secrets.derive("m" * 20, "l", 64)
    assert result["value"] not in module.no_log_values  # returned on purpose: the action plugin hides the result
    assert stat.S_IMODE(os.stat(str(tmp_path / "s")).st_mode) == 0o600
    assert result["changed"] is True and result["path"] == str(tmp_path / "s")


def test_run_keeps_an_existing_random_value(tmp_path):
    path = tmp_path / "s"
    path.write_text("existing-value-1234567890\n")
    os.chmod(str(path), 0o600)
    result = _secret_file.run_secret(make_module(path=str(path)))
    assert result == {"changed": False, "source": "existing", "length": 25, "path": str(path),
                      "value": "existing-value-1234567890"}


def test_run_refuses_a_file_that_is_not_one_secret_and_masks_nothing_it_read(tmp_path, capsys):
    path = tmp_path / "s"
    path.write_text("line one\nline two\n")
    with patch_module_args({"path": str(path)}):
        with pytest.raises(SystemExit):
            _secret_file.run_secret(_secret_file.secret_spec().create_ansible_module())
    failure = json.loads(capsys.readouterr().out)
    assert failure["failed"] is True and failure["msg"].startswith("path: %s: the secret file holds more than one line"
                                                                   % path)
    assert "force=true" in failure["msg"] and path.read_text() == "line one\nline two\n"
