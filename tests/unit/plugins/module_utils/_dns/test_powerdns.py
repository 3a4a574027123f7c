# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""PowerDNS: TXT records from a zone document through the provider's TXT format, and back."""

from __future__ import annotations

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._dns import _powerdns
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._errors import DNSProviderError
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._records import txt_rrset


def zone(*contents, disabled=()):
    records = [{"content": c, "disabled": i in disabled} for i, c in enumerate(contents)]
    return {"rrsets": [{"name": "K.Example.", "type": "TXT", "ttl": 60, "records": records}]}


def test_txt_decoded_with_layout_and_disabled_records_skipped():
    rrset = _powerdns.rrsets_from_zone(zone(r'"ab" "c\\"', "bare value", '"off"', disabled=(2,)))[("k.example.", "TXT")]
    assert list(rrset.values) == ["abc\\", "bare value"] and rrset.ttl == 60
    assert rrset.chunks == {"abc\\": (b"ab", b"c\\"), "bare value": (b"bare value",)}


def test_unparsable_txt_names_provider_and_record():
    with pytest.raises(DNSProviderError, match=r"^PowerDNS returned a TXT value for k\.example\. that cannot"):
        _powerdns.rrsets_from_zone(zone('"a\\9"'))


def test_content_uses_the_provider_format():
    rrset = txt_rrset("k.example.", 60, ["x" * 300], 255)
    assert _powerdns.content_of(rrset) == ['"%s" "%s"' % ("x" * 255, "x" * 45)]
    assert _powerdns.PowerDNSProvider.txt_format is _powerdns.TXT_FORMAT
