# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""meta/runtime.yml of the collection, for the action group checks of the doc fragment tests."""

from __future__ import annotations

import os

import pytest
import yaml

from ansible_collections.fedops.rocketchat.plugins.doc_fragments import _attributes


@pytest.fixture(scope="session")
def runtime():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(_attributes.__file__))))
    with open(os.path.join(root, "meta", "runtime.yml")) as handle:
        return yaml.safe_load(handle)
