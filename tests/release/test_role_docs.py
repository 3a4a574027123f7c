# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every role of the collection renders with ``ansible-doc -t role`` (its meta/argument_specs.yml), as users and
the docsite read it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ROLES = sorted(d for d in os.listdir(os.path.join(ROOT, "roles")) if os.path.isdir(os.path.join(ROOT, "roles", d)))


@pytest.mark.parametrize("role", ROLES)
def test_role_renders_with_ansible_doc(role):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".build", "collections"), ANSIBLE_NOCOLOR="1")
    tool = os.path.join(os.path.dirname(sys.executable), "ansible-doc")
    proc = subprocess.run([tool, "-t", "role", "--json", "fedops.rocketchat." + role], env=env, check=False,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)["fedops.rocketchat." + role]
    main = doc["entry_points"]["main"]
    assert main["short_description"] and main["options"], "roles/%s/meta/argument_specs.yml documents no options" % role
