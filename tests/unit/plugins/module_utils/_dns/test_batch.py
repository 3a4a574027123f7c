# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Many record sets at once: one UPDATE per server and zone, split below the DNS message limit; each workspace's own
write when a prerequisite fails; results in order, errors per item."""

from __future__ import annotations

from ansible_collections.fedops.rocketchat.plugins.module_utils._dns import _batch, _rfc2136
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._engine import prepare
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._errors import (
    DNSAuthError,
    DNSConcurrentChangeError,
)

from .fakes import MemoryProvider
from .test_records import SINGLE

TSIG = {"server": "127.0.0.1", "key_name": "k", "key_secret": "c2VjcmV0c2VjcmV0c2VjcmV0", "key_algorithm": "hmac-sha256"}


def params(index):
    return {"state": "present", "ttl": 300, "zone": "example.com",
            "legacy": {"domain": "ws%d.example.com" % index, "target": "ws%d.example.com" % index, "public_key": SINGLE}}


class RecordingRFC2136(_rfc2136.RFC2136Provider):
    """An RFC 2136 provider that records the UPDATE messages instead of sending them."""

    def __init__(self, sent, refuse=()):
        super(RecordingRFC2136, self).__init__(dict(TSIG))
        self.sent = sent
        self.refuse = refuse

    def read(self, zone, keys):
        return dict((key, None) for key in keys)

    def apply(self, zone, changes, current, cname_guard=()):
        names = sorted(set(c.name for c in changes))
        self.sent.append((names, len(self.build_update(zone, changes, cname_guard).to_wire())))
        if any(bad in name for name in names for bad in self.refuse):
            raise DNSConcurrentChangeError("zone %s changed between the read and the write" % zone)
        return {"zone": zone}


def test_one_update_carries_every_workspace_of_a_zone():
    sent = []
    items = [(RecordingRFC2136(sent), params(i)) for i in range(5)]
    outcomes = _batch.run_many(items)
    assert len(sent) == 1 and len(sent[0][0]) == 10
    assert [o["changed"] for o in outcomes] == [True] * 5
    assert all(o["provider_ids"]["workspaces"] == 5 for o in outcomes)


def test_a_message_over_the_limit_is_halved_until_each_fits():
    sent = []
    items = [(RecordingRFC2136(sent), params(i)) for i in range(300)]
    outcomes = _batch.run_many(items)
    assert len(sent) > 1 and all(size <= _batch.MAX_MESSAGE_BYTES for _names, size in sent)
    assert sum(len(names) for names, _size in sent) == 600
    assert all(o["changed"] and "failed" not in o for o in outcomes)


def test_a_failed_prerequisite_sends_each_workspace_alone_and_fails_only_the_touched_one():
    sent = []
    items = [(RecordingRFC2136(sent, refuse=("ws2.",)), params(i)) for i in range(4)]
    outcomes = _batch.run_many(items)
    assert len(sent) == 1 + 4
    assert isinstance(outcomes[2], DNSConcurrentChangeError)
    assert [isinstance(o, dict) for o in outcomes] == [True, True, False, True]


def test_two_workspaces_asking_for_one_rrset_go_in_different_messages():
    sent = []
    items = [(RecordingRFC2136(sent), params(1)), (RecordingRFC2136(sent), params(2)), (RecordingRFC2136(sent), params(1))]
    _batch.run_many(items)
    assert [len(names) for names, _size in sent] == [4, 2]


def test_check_mode_plans_without_writing_and_errors_stay_with_their_item():
    class Refusing(MemoryProvider):
        def apply(self, zone, changes, current, cname_guard=()):
            raise DNSAuthError("the key may not update this zone")

    memory = MemoryProvider()
    items = [(memory, params(1)), (Refusing(), params(2))]
    predicted = _batch.run_many(items, check_mode=True, want_diff=True)
    assert memory.applied == [] and all(o["changed"] and "diff" in o for o in predicted)
    outcomes = _batch.run_many(items)
    assert outcomes[0]["changed"] and isinstance(outcomes[1], DNSAuthError)
    assert _batch.run_many([]) == []


def test_disjoint_runs_keep_the_order():
    jobs = [(i, prepare(MemoryProvider(), params(n))) for i, n in enumerate((1, 2, 1, 1))]
    runs = _batch._disjoint_runs(jobs)   # pylint: disable=protected-access
    assert [[i for i, _job in run] for run in runs] == [[0, 1], [2], [3]]
