# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""DNS answers as data and RFC 2782 ordering."""

from __future__ import annotations


from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _dnsclient as dc


def test_order_srv():
    records = [dc.SrvRecord(20, 0, 1, "c."), dc.SrvRecord(10, 5, 2, "b."), dc.SrvRecord(10, 50, 3, "a.")]
    assert [r.target for r in dc.order_srv(records)] == ["a", "b", "c"]


def test_dns_answer_properties():
    answer = dc.DnsAnswer("alias.example.org.", "A", "ok", ["10.0.0.1"], "real.example.org.")
    assert answer.is_cname and answer.ok and not answer.missing
    assert answer.describe() == "alias.example.org A: 10.0.0.1"
    txt = dc.DnsAnswer("t.example.org", "TXT", "ok", [[b"ab", b"cd"]])
    assert txt.describe() == 't.example.org TXT: "ab" "cd"'
    assert txt.as_dict()["records"] == [["ab", "cd"]]
    assert dc.DnsAnswer("x", "SRV", "nxdomain").describe() == "x SRV: no such name"
    assert "lookup failed (timed out)" in dc.DnsAnswer("x", "SRV", "error", error="timed out").describe()
