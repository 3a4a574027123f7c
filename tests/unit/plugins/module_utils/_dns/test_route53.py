# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Route 53: TXT values quoted with octal escapes, through the provider's TXT format."""

from __future__ import annotations

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._dns import _route53
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._errors import DNSProviderError
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._records import RRSet


def test_txt_from_api_octal_and_layout():
    item = {"Type": "TXT", "TTL": 300, "ResourceRecords": [{"Value": '"caf\\303\\251" "x"'}]}
    rrset = _route53.rrset_from_api("k.example.", item)
    assert list(rrset.values) == ["caf\u00e9x"] and rrset.chunks == {"caf\u00e9x": (b"caf\xc3\xa9", b"x")}


def test_unquoted_txt_is_refused_with_the_name():
    item = {"Type": "TXT", "TTL": 300, "ResourceRecords": [{"Value": '"open'}]}
    with pytest.raises(DNSProviderError, match=r"^Route 53 returned a TXT value for k\.example\. that cannot"):
        _route53.rrset_from_api("k.example.", item)


def test_api_rrset_writes_octal():
    rrset = RRSet("k.example.", "TXT", 300, ["caf\u00e9"], chunks={"caf\u00e9": (b"caf\xc3\xa9",)})
    assert _route53.api_rrset(rrset)["ResourceRecords"] == [{"Value": '"caf\\303\\251"'}]
    assert _route53.Route53Provider.txt_format is _route53.TXT_FORMAT
