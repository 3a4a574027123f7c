# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""RFC 2136 provider: TXT strings handled by the DNS message format."""

from __future__ import annotations

from ansible_collections.fedops.rocketchat.plugins.module_utils._dns import _dnsmsg, _rfc2136


def test_provider_uses_the_dns_message_txt_format():
    assert _rfc2136.RFC2136Provider.txt_format is _dnsmsg.TXT_FORMAT
    assert _dnsmsg.TXT_FORMAT.handling == "strings"
