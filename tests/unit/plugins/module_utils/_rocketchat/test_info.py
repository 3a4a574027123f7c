# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read-only federation facts: DNS records of a legacy workspace, masking, the active mode."""

from __future__ import annotations

from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat import _info as info
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._settings import MASK

from tests.unit.plugins.module_utils._rocketchat.fakes import FakeClient


def test_legacy_records_for_an_https_site():
    records = info.legacy_dns_records("example.com", "https://chat.example.com", "-----BEGIN PUBLIC KEY-----x")
    assert records == [
        {"type": "SRV", "name": "_rocketchat._https.example.com", "priority": 1, "weight": 1, "port": 443,
         "target": "chat.example.com", "value": "1 1 443 chat.example.com"},
        {"type": "TXT", "name": "rocketchat-public-key.example.com", "value": "-----BEGIN PUBLIC KEY-----x"},
    ]


def test_legacy_records_follow_plain_http_and_explicit_port():
    records = info.legacy_dns_records("example.org", "http://rc.example.org:3000/", None)
    assert len(records) == 1
    assert records[0]["name"] == "_rocketchat._http.example.org"
    assert records[0]["value"] == "1 1 3000 rc.example.org"


def test_no_domain_no_records_and_no_site_url_targets_the_domain():
    assert info.legacy_dns_records("", "https://chat.example.com", "key") == []
    assert info.legacy_dns_records("example.net", None, None)[0]["value"] == "1 1 443 example.net"


def test_registration_tokens_are_masked_and_the_rest_kept():
    text = "id: rocketchat\nhs_token: secret-hs\nas_token: secret-as\nurl: http://bridge:3300\n"
    masked = info.mask_registration(text)
    assert "secret-hs" not in masked and "secret-as" not in masked
    assert masked == "id: rocketchat\nhs_token: %s\nas_token: %s\nurl: http://bridge:3300\n" % (MASK, MASK)
    assert info.mask_registration(None) == ""


def test_active_mode():
    assert info.active_mode({}) == "disabled"
    assert info.active_mode({"FEDERATION_Enabled": "true"}) == "disabled"
    assert info.active_mode({"Federation_Service_Enabled": True}) == "native"
    assert info.active_mode({"FEDERATION_Enabled": True, "Federation_Matrix_enabled": True}) == "multiple"


def test_gather_masks_bridge_tokens_unless_asked():
    values = {"Federation_Matrix_enabled": True, "Federation_Matrix_hs_token": "hs-secret-token",
              "Federation_Matrix_as_token": "as-secret-token", "uniqueID": "abc", "Site_Url": "https://chat.example.com"}
    client = FakeClient("https://chat.example.com", version="7.10.4", values=values)
    facts = info.gather_federation_info(client)
    assert facts["active_mode"] == "matrix_bridge"
    assert facts["settings"]["Federation_Matrix_hs_token"] == MASK
    assert "uniqueID" not in facts["settings"]
    assert facts["site_url"] == "https://chat.example.com"
    assert facts["matrix_bridge"]["default_tokens_in_use"] is False
    shown = info.gather_federation_info(client, show_secrets=True)
    assert shown["settings"]["Federation_Matrix_hs_token"] == "hs-secret-token"
    assert client.writes == []
