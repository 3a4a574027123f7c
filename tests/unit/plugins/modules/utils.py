# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared by the module unit tests: run a module's main() in-process with patch_module_args, snapshot files."""

from __future__ import annotations

import json
import os
import stat

import pytest

from tests.unit.compat import patch_module_args, warnings_text


def call_main(main, args, capsys, check=False, diff=False):
    """Run main() with the args (plus check/diff mode); returns (result dict, exit code, captured output)."""
    args = dict(args)
    if check:
        args["_ansible_check_mode"] = True
    if diff:
        args["_ansible_diff"] = True
    with patch_module_args(args):
        with pytest.raises(SystemExit) as info:
            main()
    captured = capsys.readouterr()
    return json.loads(captured.out), info.value.code, captured


def run_module(main, capsys, args, check=False, diff=False):
    """Run main() with the args; returns the result dict with the exit code in ``_rc``, stdout in ``_raw`` and
    stderr in ``_err``."""
    result, rc, captured = call_main(main, args, capsys, check=check, diff=diff)
    result["_rc"] = rc
    result["_raw"] = captured.out
    result["_err"] = captured.err + warnings_text(result)
    return result


def warnings_of(result):
    """The module's warnings as one text: in the result (ansible-core < 2.19, or 2.19 without a warning handler)
    and on stderr (ansible-core 2.19 under pytest-ansible)."""
    warnings = [w if isinstance(w, str) else str(w.get("msg", w)) for w in result.get("warnings", [])]
    return "\n".join(warnings + [result.get("_err", "")])


def snapshot(path):
    """Content, mtime (ns) and mode of a file, or None when it does not exist."""
    if not os.path.exists(path):
        return None
    st = os.stat(path)
    with open(path, "rb") as handle:
        return handle.read(), st.st_mtime_ns, stat.S_IMODE(st.st_mode)
