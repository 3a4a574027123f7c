# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""DNS messages: TXT character-strings from dnspython rdatasets and back, through the strings TXT format."""

from __future__ import annotations

import dns.rdataclass
import dns.rdataset
import dns.rdatatype
import dns.rdtypes.ANY.TXT

from ansible_collections.fedops.rocketchat.plugins.module_utils._dns import _dnsmsg
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._records import RRSet


def test_txt_rdataset_to_rrset_and_back():
    rdataset = dns.rdataset.Rdataset(dns.rdataclass.IN, dns.rdatatype.TXT)
    rdataset.add(dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, dns.rdatatype.TXT, [b"a" * 255, b"b"]), 60)
    rrset = _dnsmsg.rrset_from_answer("k.example.", "TXT", rdataset)
    assert list(rrset.values) == ["a" * 255 + "b"] and rrset.chunks == {"a" * 255 + "b": (b"a" * 255, b"b")}
    (rdata,) = _dnsmsg.rdatas_for(rrset)
    assert rdata.strings == (b"a" * 255, b"b")


def test_srv_rdataset_unchanged_by_the_txt_path():
    rdataset = dns.rdataset.Rdataset(dns.rdataclass.IN, dns.rdatatype.SRV)
    rdataset.add(dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.SRV, "1 1 443 Chat.Example."), 60)
    rrset = _dnsmsg.rrset_from_answer("_rocketchat._https.example.", "SRV", rdataset)
    assert list(rrset.values) == ["1 1 443 chat.example."] and rrset.chunks == {}
    assert _dnsmsg.rrset_from_answer("x.", "TXT", None) is None
    assert isinstance(RRSet("x.", "TXT", 1, ["v"]), RRSet)
