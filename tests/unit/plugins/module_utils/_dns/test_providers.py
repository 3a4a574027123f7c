# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pure parts of the providers: the RFC 2136 UPDATE message, API value parsing and rendering."""

from __future__ import annotations

import dns.rcode
import dns.rdataclass
import dns.rdatatype
import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._retry import RetryPolicy
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._cloudflare import record_body, record_value
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._engine import plan
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._errors import DNSInputError
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._module import make_provider
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._powerdns import content_of, rrsets_from_zone
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._propagation import parse_servers
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._records import RRSet, txt_rrset
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._rfc2136 import RFC2136Provider
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._route53 import api_rrset, rrset_from_api, unescape_name

SECRET = "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI="
RFC = {"server": "127.0.0.1", "port": 5353, "key_name": "k", "key_secret": SECRET, "key_algorithm": "hmac-sha256"}


def test_update_message_pins_what_was_read():
    provider = RFC2136Provider(dict(RFC))
    old = RRSet("_matrix-fed._tcp.example.com.", "SRV", 300, ["10 0 8448 old.example.com."])
    new_srv = RRSet(old.name, "SRV", 300, ["10 0 8448 matrix.example.com."])
    key = txt_rrset("rocketchat-public-key.example.com.", 300, ["k" * 300])
    changes = plan([new_srv, key], {old.key: old})
    update = provider.build_update("example.com.", changes, cname_guard=["matrix.example.com."])
    prereq = [(r.name.to_text(), r.rdclass, r.rdtype, r.ttl, [d.to_text() for d in r]) for r in update.prerequisite]
    # value-dependent "RRset exists" for what was read (class IN, TTL 0), "RRset does not exist" (class NONE)
    assert ("_matrix-fed._tcp.example.com.", dns.rdataclass.IN, dns.rdatatype.SRV, 0,
            ["10 0 8448 old.example.com."]) in prereq
    assert ("rocketchat-public-key.example.com.", dns.rdataclass.NONE, dns.rdatatype.TXT, 0, []) in prereq
    assert ("matrix.example.com.", dns.rdataclass.NONE, dns.rdatatype.CNAME, 0, []) in prereq
    updates = [(r.name.to_text(), r.deleting or r.rdclass, r.rdtype, [d.to_text() for d in r]) for r in update.update]
    assert ("_matrix-fed._tcp.example.com.", dns.rdataclass.ANY, dns.rdatatype.SRV, []) in updates
    assert ("_matrix-fed._tcp.example.com.", dns.rdataclass.IN, dns.rdatatype.SRV, ["10 0 8448 matrix.example.com."]) in updates
    txt = [r for r in update.update if r.rdtype == dns.rdatatype.TXT and not r.deleting][0]
    assert [len(s) for s in txt[0].strings] == [255, 45]
    assert update.keyring is not None


@pytest.mark.parametrize("options, needle", [
    ({"server": "127.0.0.1"}, "rfc2136.allow_unsigned"),
    ({"server": "127.0.0.1", "key_name": "k"}, "go together"),
    ({"server": "127.0.0.1", "key_name": "k", "key_secret": "%%%"}, "rfc2136.key_secret"),
    ({"server": "127.0.0.1", "key_name": "k", "key_secret": SECRET, "key_algorithm": "rot13"}, "key_algorithm"),
    ({"server": "no-such-host.invalid"}, "rfc2136.server"),
    ({}, "rfc2136.server is required"),
])
def test_rfc2136_option_errors(options, needle):
    with pytest.raises(DNSInputError) as err:
        RFC2136Provider(options)
    assert needle in err.value.msg
    assert SECRET not in err.value.msg


def test_unsigned_only_when_asked():
    provider = RFC2136Provider({"server": "127.0.0.1", "allow_unsigned": True})
    assert provider.keyring is None and provider.sign_queries is False


@pytest.mark.parametrize("params, needle", [
    ({"provider": "rfc2136", "rfc2136": RFC, "timeout": 0, "retries": 3}, "timeout"),
    ({"provider": "rfc2136", "rfc2136": RFC, "timeout": 5, "retries": 11}, "retries"),
    ({"provider": "powerdns", "powerdns": {"api_url": "http://x"}, "timeout": 5, "retries": 1}, "powerdns.api_key"),
    ({"provider": "cloudflare", "cloudflare": {}, "timeout": 5, "retries": 1}, "cloudflare.api_token"),
])
def test_factory_errors(params, needle):
    with pytest.raises(DNSInputError) as err:
        make_provider(params)
    assert needle in err.value.msg


def test_powerdns_zone_parsing_and_content():
    data = {"serial": 7, "rrsets": [
        {"name": "Rocketchat-Public-Key.pdns.test.", "type": "TXT", "ttl": 300,
         "records": [{"content": '"' + "a" * 255 + '" "' + "b" * 10 + '"', "disabled": False}]},
        {"name": "_x._tcp.pdns.test.", "type": "SRV", "ttl": 60, "records": [
            {"content": "1 1 443 Chat.pdns.test.", "disabled": False},
            {"content": "2 1 443 old.pdns.test.", "disabled": True}]},
        {"name": "gone.pdns.test.", "type": "A", "ttl": 60, "records": [{"content": "192.0.2.1", "disabled": True}]},
    ]}
    parsed = rrsets_from_zone(data)
    txt = parsed[("rocketchat-public-key.pdns.test.", "TXT")]
    assert txt.values == ("a" * 255 + "b" * 10,) and [len(c) for c in txt.layout(txt.values[0])] == [255, 10]
    assert parsed[("_x._tcp.pdns.test.", "SRV")].values == ("1 1 443 chat.pdns.test.",)
    assert ("gone.pdns.test.", "A") not in parsed
    assert content_of(txt_rrset("t.pdns.test.", 1, ['é"'])) == ['"\\195\\169\\""']


@pytest.mark.parametrize("record, value, layout", [
    ({"type": "TXT", "content": '"hello world"'}, "hello world", (b"hello world",)),
    ({"type": "TXT", "content": "unquoted legacy"}, "unquoted legacy", (b"unquoted legacy",)),
    ({"type": "TXT", "content": '"' + "a" * 255 + '" "bb"'}, "a" * 255 + "bb", (b"a" * 255, b"bb")),
    ({"type": "SRV", "content": "1 443 chat.example.com", "priority": 1,
      "data": {"priority": 1, "weight": 1, "port": 443, "target": "chat.example.com"}}, "1 1 443 chat.example.com.", None),
    ({"type": "SRV", "content": "5 8448 m.example.com", "priority": 10}, "10 5 8448 m.example.com.", None),
    ({"type": "CNAME", "content": "Target.example.com"}, "target.example.com.", None),
    ({"type": "AAAA", "content": "2001:db8:0::1"}, "2001:db8::1", None),
])
def test_cloudflare_record_values(record, value, layout):
    assert record_value(dict(record, id="r1")) == (value, layout)


def test_cloudflare_bodies():
    assert record_body("_m._tcp.example.com.", "SRV", 300, "10 0 8448 m.example.com.", None) == {
        "type": "SRV", "name": "_m._tcp.example.com", "ttl": 300,
        "data": {"priority": 10, "weight": 0, "port": 8448, "target": "m.example.com"}}
    body = record_body("k.example.com.", "TXT", 300, "x", (b'a"', b"b"))
    assert body["content"] == '"a\\"" "b"'


def test_route53_txt_round_trip_octal():
    rrset = txt_rrset("k.example.com.", 300, ["é" * 200])
    item = api_rrset(rrset)
    assert item["ResourceRecords"][0]["Value"].startswith('"\\303\\251')
    back = rrset_from_api("k.example.com.", item)
    assert back.same_as(rrset, compare_layout=True)
    assert unescape_name("\\052.example.com.") == "*.example.com."


@pytest.mark.parametrize("servers, expected", [
    (["127.0.0.1"], [("127.0.0.1", 53)]),
    (["127.0.0.1:5353"], [("127.0.0.1", 5353)]),
    (["[::1]:5300"], [("::1", 5300)]),
    (["::1"], [("::1", 53)]),
])
def test_parse_servers(servers, expected):
    assert parse_servers(servers) == expected


@pytest.mark.parametrize("servers", [["127.0.0.1:0"], ["127.0.0.1:x"], ["[::1"], []])
def test_parse_servers_bad(servers):
    with pytest.raises(DNSInputError):
        parse_servers(servers)


def test_retry_policy_bounded_and_honours_retry_after():
    slept = []
    calls = []

    def flaky():
        calls.append(1)
        raise OSError("down")

    policy = RetryPolicy(retries=2, sleep=slept.append)
    with pytest.raises(OSError) as err:
        policy.call(flaky, lambda exc: 3.0)
    assert len(calls) == 3 and err.value.attempts == 3
    assert len(slept) == 2 and all(s >= 3.0 for s in slept)
    calls[:] = []
    with pytest.raises(ValueError):
        RetryPolicy(retries=5, sleep=slept.append).call(lambda: calls.append(1) or int("x"), lambda exc: False)
    assert len(calls) == 1


def test_rcode_names_used_for_prerequisite_failures():
    from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._rfc2136 import PREREQUISITE_FAILURES
    assert set(PREREQUISITE_FAILURES) == set(dns.rcode.to_text(c) for c in (6, 3, 7, 8))


def test_wait_for_propagation_polls_until_visible_then_times_out(monkeypatch):
    import dns.message
    import dns.rrset
    from ansible_collections.fedops.rocketchat.plugins.module_utils._dns import _dnsmsg, _propagation
    from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._errors import DNSTimeoutError

    wanted = RRSet("_matrix-fed._tcp.example.com.", "SRV", 300, ["10 0 8448 matrix.example.com."])
    answers = {"n": 0}

    def fake_query(name, rtype, where, port, timeout, policy, **kw):
        answers["n"] += 1
        query = dns.message.make_query(name, rtype)
        response = dns.message.make_response(query)
        if answers["n"] >= 3:  # visible from the third poll on
            response.answer.append(dns.rrset.from_text(name, 300, "IN", rtype, "10 0 8448 matrix.example.com."))
        return response

    monkeypatch.setattr(_dnsmsg, "query", fake_query)
    now = {"t": 0.0}
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now["t"] += seconds

    done = _propagation.wait_for({wanted.key: wanted}, [("192.0.2.53", 53)], timeout=10, sleep=sleep,
                                 clock=lambda: now["t"])
    assert done["rounds"] == 3 and slept == [0.2, 0.4]

    answers["n"] = -100
    now["t"] = 0.0
    with pytest.raises(DNSTimeoutError) as err:
        _propagation.wait_for({wanted.key: wanted}, [("192.0.2.53", 53)], timeout=3, sleep=sleep,
                              clock=lambda: now["t"])
    assert "_matrix-fed._tcp.example.com. SRV @192.0.2.53:53" in err.value.msg
    assert now["t"] <= 3
