# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The _attributes doc fragment: every attribute block parses, says what users rely on, and is used."""

from __future__ import annotations

import pytest

from ansible_collections.fedops.rocketchat.plugins.doc_fragments import _attributes

from tests.unit.plugins.doc_fragments.fragments import action_group, attributes_of, fragment_users, parse


@pytest.mark.parametrize("attribute", attributes_of(_attributes))
def test_each_block_parses_and_is_used(attribute):
    data = parse(_attributes, attribute)
    assert data["options"] == {}
    for name, attribute_doc in data["attributes"].items():
        assert attribute_doc["description"], name
    assert fragment_users(_attributes, attribute), "no module extends fedops.rocketchat._attributes.%s" % attribute.lower()


def test_info_modules_claim_full_check_mode_and_no_diff():
    attributes = parse(_attributes, "INFO_MODULE")["attributes"]
    assert attributes["check_mode"]["support"] == "full"
    assert attributes["diff_mode"]["support"] == "N/A"
    assert attributes["idempotent"]["support"] == "full"


def test_the_base_block_documents_check_and_diff_mode():
    assert set(parse(_attributes)["attributes"]) == {"check_mode", "diff_mode"}


def test_info_block_is_used_only_by_read_only_modules():
    assert set(fragment_users(_attributes, "INFO_MODULE")) <= {"federation_info", "federation_check", "federation_probe"}


def test_dns_action_group_is_the_dns_group_of_runtime_yml(runtime):
    group, membership = action_group(_attributes, "ACTIONGROUP_DNS")
    assert membership == ["fedops.rocketchat.dns"]
    assert "group/fedops.rocketchat.dns" in group["description"]
    assert sorted(fragment_users(_attributes, "ACTIONGROUP_DNS")) == sorted(runtime["action_groups"]["dns"])
