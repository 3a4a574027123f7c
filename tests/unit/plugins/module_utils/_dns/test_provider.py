# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""DNS provider base: zone candidates, and no TXT format until a provider declares one."""

from __future__ import annotations

from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._provider import DNSProvider


def test_base_has_no_txt_format_and_candidate_zones():
    assert DNSProvider.txt_format is None
    assert DNSProvider.candidate_zones(["a.b.example.", "c.b.example."]) == ["b.example.", "example."]
