# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The first release's changelog, made by antsibull-changelog on a scratch copy, lists everything the collection
ships: every module under New Modules, every other plugin under New Plugins, every role under New Roles and every
playbook under New Playbooks (the expected lists come from the tree, so new content must announce itself)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# Plugin directories that are no user-facing plugin type of their own.
NOT_LISTED = {"module_utils", "doc_fragments", "plugin_utils", "action", "modules"}


def _version():
    with open(os.path.join(ROOT, "galaxy.yml"), encoding="utf-8") as handle:
        return str(yaml.safe_load(handle)["version"])


def expected_content():
    modules = {f[:-3] for f in os.listdir(os.path.join(ROOT, "plugins", "modules"))
               if f.endswith(".py") and not f.startswith("_")}
    plugins = {}
    for kind in sorted(os.listdir(os.path.join(ROOT, "plugins"))):
        path = os.path.join(ROOT, "plugins", kind)
        if kind in NOT_LISTED or not os.path.isdir(path):
            continue
        names = {f[:-3] for f in os.listdir(path) if f.endswith(".py") and not f.startswith("_")}
        if names:
            plugins[kind] = names
    roles = {d for d in os.listdir(os.path.join(ROOT, "roles")) if os.path.isdir(os.path.join(ROOT, "roles", d))}
    playbooks = {f.rsplit(".", 1)[0] for f in os.listdir(os.path.join(ROOT, "playbooks"))
                 if f.endswith((".yml", ".yaml"))}
    return modules, plugins, roles, playbooks


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    """antsibull-changelog release on a scratch copy of the files git knows; (changelog.yaml release, RST text)."""
    dest = tmp_path_factory.mktemp("release") / "ansible_collections" / "fedops" / "rocketchat"
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            check=True, stdout=subprocess.PIPE).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = os.path.join(ROOT, rel)
        if os.path.isfile(src) and not os.path.islink(src):
            os.makedirs(os.path.join(str(dest), os.path.dirname(rel)), exist_ok=True)
            shutil.copy2(src, os.path.join(str(dest), rel))
    tool = os.path.join(os.path.dirname(sys.executable), "antsibull-changelog")
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    proc = subprocess.run([tool, "release", "--version", _version()], cwd=str(dest), env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    assert proc.returncode == 0, proc.stdout
    with open(os.path.join(str(dest), "changelogs", "changelog.yaml"), encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    with open(os.path.join(str(dest), "CHANGELOG.rst"), encoding="utf-8") as handle:
        rst = handle.read()
    return data["releases"][_version()], rst, proc.stdout


def test_every_module_is_a_new_module(release):
    entry, rst, _out = release
    modules, _plugins, _roles, _playbooks = expected_content()
    assert {m["name"] for m in entry.get("modules", [])} == modules
    assert "New Modules\n-----------" in rst
    for name in modules:
        assert "- fedops.rocketchat.%s - " % name in rst


def test_every_other_plugin_is_a_new_plugin(release):
    entry, _rst, _out = release
    _modules, plugins, _roles, _playbooks = expected_content()
    listed = {kind: {p["name"] for p in items} for kind, items in (entry.get("plugins") or {}).items()}
    assert listed == plugins


def test_every_role_and_playbook_is_announced(release):
    entry, rst, _out = release
    _modules, _plugins, roles, playbooks = expected_content()
    objects = entry.get("objects") or {}
    assert {r["name"] for r in objects.get("role", [])} == roles, \
        "announce new roles with an 'add object.role' changelog fragment"
    assert {p["name"] for p in objects.get("playbook", [])} == playbooks, \
        "announce new playbooks with an 'add object.playbook' changelog fragment"
    assert "New Roles\n---------" in rst and "New Playbooks\n-------------" in rst
    for name in roles | playbooks:
        assert "- fedops.rocketchat.%s - " % name in rst


def test_release_has_a_summary_and_no_developer_notes(release):
    entry, rst, out = release
    assert entry["changes"].get("release_summary")
    assert "Release Summary" in rst
    assert "make test" not in rst  # developer tooling is a trivial change, not a release note
    assert "WARNING" not in out
