# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Waiting for propagation: server list parsing and the polling loop, on fake DNS answers (no network)."""

from __future__ import annotations

import dns.message
import dns.rrset
import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._dns import _dnsmsg, _propagation
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._errors import DNSInputError, DNSTimeoutError
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._records import RRSet

KEY = ("chat.example.com.", "A")


def test_parse_servers_forms():
    assert _propagation.parse_servers(["192.0.2.1", "192.0.2.2:5353", "[2001:db8::1]:54", "2001:db8::2"]) == [
        ("192.0.2.1", 53), ("192.0.2.2", 5353), ("2001:db8::1", 54), ("2001:db8::2", 53)]


@pytest.mark.parametrize("servers, words", [
    ([], "give at least one server"),
    (["192.0.2.1:dns"], "the port is not a number"),
    (["192.0.2.1:70000"], "port 70000 is out of range 1-65535"),
    (["[2001:db8::1"], "no closing ']'"),
    (["[2001:db8::1]54"], "use [address]:port"),
])
def test_parse_servers_errors_name_the_option(servers, words):
    with pytest.raises(DNSInputError) as info:
        _propagation.parse_servers(servers, option="propagation_servers")
    assert info.value.msg.startswith("propagation_servers")
    assert words in info.value.msg


def answer(address):
    query = dns.message.make_query(KEY[0], KEY[1])
    response = dns.message.make_response(query)
    if address:
        response.answer.append(dns.rrset.from_text(KEY[0], 300, "IN", "A", address))
    return response


class Clock(object):
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def serve(monkeypatch, answers):
    """answers: {server address: list of addresses answered in successive rounds (last one repeats)}."""
    asked = []

    def fake_query(name, rtype, address, port, timeout, policy):
        asked.append((address, name, rtype))
        queue = answers[address]
        return answer(queue.pop(0) if len(queue) > 1 else queue[0])

    monkeypatch.setattr(_dnsmsg, "query", fake_query)
    return asked


def test_waits_until_every_server_serves_the_record(monkeypatch):
    serve(monkeypatch, {"192.0.2.1": ["192.0.2.80"], "192.0.2.2": [None, "192.0.2.99", "192.0.2.80"]})
    clock = Clock()
    expected = {KEY: RRSet(KEY[0], "A", 300, ["192.0.2.80"])}
    result = _propagation.wait_for(expected, [("192.0.2.1", 53), ("192.0.2.2", 53)], timeout=30,
                                   sleep=clock.sleep, clock=clock)
    assert result["rounds"] == 3
    assert result["servers"] == ["192.0.2.1:53", "192.0.2.2:53"]
    assert clock.sleeps == [0.2, 0.4]


def test_absence_is_awaited_too(monkeypatch):
    serve(monkeypatch, {"192.0.2.1": ["192.0.2.80", None]})
    clock = Clock()
    result = _propagation.wait_for({KEY: None}, [("192.0.2.1", 53)], timeout=30, sleep=clock.sleep, clock=clock)
    assert result["rounds"] == 2


def test_timeout_lists_what_is_missing_and_backoff_is_capped(monkeypatch):
    asked = serve(monkeypatch, {"192.0.2.1": ["192.0.2.80"], "192.0.2.2": ["192.0.2.99"]})
    clock = Clock()
    expected = {KEY: RRSet(KEY[0], "A", 300, ["192.0.2.80"])}
    with pytest.raises(DNSTimeoutError) as info:
        _propagation.wait_for(expected, [("192.0.2.1", 53), ("192.0.2.2", 53)], timeout=10,
                              sleep=clock.sleep, clock=clock)
    assert "chat.example.com. A @192.0.2.2:53" in info.value.msg
    assert "192.0.2.1:53" not in info.value.msg
    assert "propagation_timeout" in info.value.msg
    assert max(clock.sleeps) == 2.0
    assert clock.now <= 10
    assert ("192.0.2.1", KEY[0], "A") in asked
