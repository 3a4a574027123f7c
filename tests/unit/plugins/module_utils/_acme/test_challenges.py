# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Challenge publication always cleans up what it may have written, also after a failure half-way."""

from __future__ import annotations

import os

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._acme import _challenges
from ansible_collections.fedops.rocketchat.plugins.module_utils._acme._errors import ACMEError
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._errors import DNSProviderError

from tests.unit.plugins.module_utils._dns.fakes import MemoryProvider


class FailingProvider(MemoryProvider):
    """Refuses writes for names in `refuse` (as a server answering REFUSED would)."""

    def __init__(self, refuse=()):
        super(FailingProvider, self).__init__(zone="example.com.")
        self.refuse = set(refuse)

    def apply(self, zone, changes, current, cname_guard=()):
        for change in changes:
            if change.name in self.refuse and change.after is not None:
                raise DNSProviderError("server refused the UPDATE for %s" % change.name)
        return super(FailingProvider, self).apply(zone, changes, current, cname_guard)


def publisher(provider):
    pub = _challenges.DNSChallengePublisher.__new__(_challenges.DNSChallengePublisher)
    pub.params = {"provider": "rfc2136", "challenge_ttl": 60}
    pub.warn = lambda msg: None
    pub.provider = provider
    pub.pending = []
    pub.stats = {"published": 0, "removed": 0}
    return pub


def test_dns_publish_then_cleanup(monkeypatch):
    provider = FailingProvider()
    pub = publisher(provider)
    monkeypatch.setattr(_challenges.DNSChallengePublisher, "_engine_params",
                        lambda self, name, values, state, wait: {"state": state, "ttl": 60, "records": [
                            {"name": name, "type": "TXT", "values": list(values)}]})
    pub.publish([("_acme-challenge.example.com", "a"), ("_acme-challenge.example.com", "b"),
                 ("_acme-challenge.matrix.example.com", "c")])
    assert provider.records[("_acme-challenge.example.com.", "TXT")].values == ("a", "b")
    assert pub.cleanup() == []
    assert provider.records == {} and pub.stats == {"published": 2, "removed": 2}


def test_dns_failure_half_way_removes_what_was_published(monkeypatch):
    provider = FailingProvider(refuse=["_acme-challenge.z.example.com."])
    pub = publisher(provider)
    monkeypatch.setattr(_challenges.DNSChallengePublisher, "_engine_params",
                        lambda self, name, values, state, wait: {"state": state, "ttl": 60, "records": [
                            {"name": name, "type": "TXT", "values": list(values)}]})
    with pytest.raises(ACMEError, match="_acme-challenge.z.example.com TXT through provider rfc2136 failed: "
                                        "server refused"):
        pub.publish([("_acme-challenge.a.example.com", "a"), ("_acme-challenge.z.example.com", "z")])
    assert list(provider.records) == [("_acme-challenge.a.example.com.", "TXT")]
    assert pub.cleanup() == []
    assert provider.records == {} and pub.stats == {"published": 1, "removed": 1}


def test_http_files_published_and_removed(tmp_path):
    pub = _challenges.HTTPChallengePublisher(str(tmp_path))
    pub.publish([("tok1", "tok1.thumb"), ("tok2", "tok2.thumb")])
    directory = tmp_path / ".well-known" / "acme-challenge"
    assert (directory / "tok1").read_text() == "tok1.thumb" and oct(os.stat(directory / "tok2").st_mode & 0o777) == "0o644"
    assert pub.cleanup() == [] and os.listdir(directory) == []
    assert pub.stats == {"published": 2, "removed": 2}
