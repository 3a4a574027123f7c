# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Parsing and comparing Rocket.Chat release numbers."""

from __future__ import annotations

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._version import (
    RocketChatVersion,
    as_version,
)


@pytest.mark.parametrize("text, parts, full", [
    ("7.10.4", (7, 10, 4), True),
    ("v6.13.1", (6, 13, 1), True),
    (" 7.11 ", (7, 11, 0), False),
    ("7.11.0-rc.2", (7, 11, 0), True),
])
def test_parse(text, parts, full):
    version = RocketChatVersion(text)
    assert version.tuple == parts
    assert version.full is full
    assert version.major_minor == "%d.%d" % parts[:2]
    assert str(version) == text.strip()


@pytest.mark.parametrize("text", ["", None, "seven", "7", "latest"])
def test_not_a_version(text):
    with pytest.raises(ValueError, match="not a Rocket.Chat version"):
        RocketChatVersion(text)


def test_at_least_compares_only_the_parts_given():
    version = RocketChatVersion("7.11")
    assert version.at_least(7, 11)
    assert version.at_least(7)
    assert version.at_least(6, 13, 9)
    assert not version.at_least(7, 11, 1)
    assert not version.at_least(8)
    assert RocketChatVersion("7.10.4").below(7, 11)
    assert not RocketChatVersion("7.11.0").below(7, 11)
    assert RocketChatVersion("4.6.9").below(4, 7)


def test_equality_and_hash_follow_the_numbers():
    assert RocketChatVersion("v7.10.0") == RocketChatVersion("7.10")
    assert RocketChatVersion("7.10.1") != RocketChatVersion("7.10.0")
    assert RocketChatVersion("7.10.1") != "7.10.1"
    assert len({RocketChatVersion("7.10"), RocketChatVersion("7.10.0")}) == 1


def test_as_version_accepts_text_tuples_and_versions():
    version = RocketChatVersion("7.9.3")
    assert as_version(version) is version
    assert as_version((7, 11)).tuple == (7, 11, 0)
    assert as_version((4, 7, 2)).tuple == (4, 7, 2)
    assert as_version("6.5.0") == RocketChatVersion("6.5")
