# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Cloudflare: one record per value; TXT content decoded and encoded by the provider's TXT format."""

from __future__ import annotations

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._dns import _cloudflare
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._errors import DNSProviderError


def test_txt_record_value_and_layout():
    assert _cloudflare.record_value({"id": "r1", "type": "TXT", "content": '"v=1" "x"'}) == ("v=1x", (b"v=1", b"x"))
    assert _cloudflare.record_value({"id": "r1", "type": "TXT", "content": "plain"}) == ("plain", (b"plain",))


def test_unparsable_txt_names_the_record():
    with pytest.raises(DNSProviderError, match="^Cloudflare returned a TXT value for record r9 that cannot"):
        _cloudflare.record_value({"id": "r9", "type": "TXT", "content": '"a\\'})


def test_txt_body_keeps_utf8_text():
    body = _cloudflare.record_body("k.example.", "TXT", 60, "caf\u00e9", (b"caf\xc3\xa9",))
    assert body == {"type": "TXT", "name": "k.example", "ttl": 60, "content": '"caf\u00e9"'}
    assert _cloudflare.CloudflareProvider.txt_format is _cloudflare.TXT_FORMAT
