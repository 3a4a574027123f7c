# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The federation DNS names are pinned here, and written out nowhere else in module_utils."""

from __future__ import annotations

import os
import re

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils import _federation_names as names

# What peers look up: Rocket.Chat's legacy federation (up to 7.x) and Matrix server discovery (spec v1.8+).
PINNED = {
    "LEGACY_SRV_HTTPS": "_rocketchat._https",
    "LEGACY_SRV_HTTP": "_rocketchat._http",
    "LEGACY_SRV_TCP": "_rocketchat._tcp",
    "LEGACY_PUBLIC_KEY_TXT": "rocketchat-public-key",
    "LEGACY_PROTOCOL_TXT": "rocketchat-tcp-protocol",
    "MATRIX_SRV": "_matrix-fed._tcp",
    "MATRIX_SRV_DEPRECATED": "_matrix._tcp",
}

# Users that are being restructured in parallel and convert to _federation_names after merging (paths relative to
# plugins/module_utils; a prefix also covers a package of that name).
PENDING = ()


@pytest.mark.parametrize("constant, value", sorted(PINNED.items()))
def test_names_are_pinned(constant, value):
    assert getattr(names, constant) == value


def test_lookup_orders():
    assert names.LEGACY_SRV_LOOKUP_ORDER == (("_rocketchat._https", "https"), ("_rocketchat._http", "http"),
                                             ("_rocketchat._tcp", "https"))
    assert names.MATRIX_SRV_LOOKUP_ORDER == ("_matrix-fed._tcp", "_matrix._tcp")
    assert names.LEGACY_SRV_BY_PROTOCOL == {"https": "_rocketchat._https", "http": "_rocketchat._http"}


def test_name_builders():
    assert names.legacy_srv_name("example.com.") == "_rocketchat._https.example.com."
    assert names.legacy_srv_name("example.com", "http") == "_rocketchat._http.example.com"
    assert names.legacy_tcp_srv_name("example.com.") == "_rocketchat._tcp.example.com."
    assert names.legacy_public_key_name("example.com.") == "rocketchat-public-key.example.com."
    assert names.legacy_protocol_name("example.com.") == "rocketchat-tcp-protocol.example.com."
    assert names.matrix_srv_name("m.example.") == "_matrix-fed._tcp.m.example."
    assert names.matrix_srv_name("m.example.", deprecated=True) == "_matrix._tcp.m.example."
    assert names.matrix_srv_names("m.example") == ["_matrix-fed._tcp.m.example", "_matrix._tcp.m.example"]
    with pytest.raises(ValueError, match="'tcp'"):
        names.legacy_srv_name("example.com", "tcp")


def _code_lines(path):
    """Source lines without comments and docstrings (good enough for our own files: docstrings use triple quotes
    on their own lines or at the start of a definition)."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    text = re.sub(r'"""[\s\S]*?"""', "", text)
    return [line.split("#", 1)[0] for line in text.splitlines()]


def test_no_other_module_util_writes_the_names_out():
    root = os.path.dirname(names.__file__)
    # A string literal that starts with a name is the name used as data; names inside hint prose are fine.
    pattern = re.compile("[\"'](?:%s)" % "|".join(re.escape(value) for value in PINNED.values()))
    offenders = []
    for directory, dummy, files in os.walk(root):
        for name in files:
            path = os.path.join(directory, name)
            rel = os.path.relpath(path, root)
            if not name.endswith(".py") or rel == "_federation_names.py" or rel.startswith(PENDING):
                continue
            offenders.extend("%s: %s" % (rel, line.strip()) for line in _code_lines(path) if pattern.search(line))
    assert offenders == []
