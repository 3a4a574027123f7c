# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Planning, check mode, diff and guards of the engine, with an in-memory provider."""

from __future__ import annotations

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._engine import build_diff, plan, run
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._errors import DNSInputError
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._records import RRSet, txt_rrset

from .fakes import MemoryProvider
from .test_records import SINGLE

SRV = RRSet("_matrix-fed._tcp.example.com.", "SRV", 300, ["10 0 8448 matrix.example.com."])


def params(**kw):
    base = {"state": "present", "ttl": 300, "zone": None,
            "legacy": {"domain": "example.com", "target": "chat.example.com", "public_key": SINGLE},
            "matrix": {"server_name": "example.com", "target": "matrix.example.com"}}
    base.update(kw)
    return base


def test_plan_create_update_converged():
    desired = [SRV, txt_rrset("k.example.com.", 300, ["x" * 300])]
    assert [c.action for c in plan(desired, {})] == ["create", "create"]
    current = {SRV.key: SRV, ("k.example.com.", "TXT"): txt_rrset("k.example.com.", 300, ["x" * 300], 100)}
    assert plan(desired, current) == []  # other chunk layout, same joined value: no change
    changes = plan(desired, current, compare_layout=True)
    assert [(c.action, c.rtype) for c in changes] == [("update", "TXT")]
    moved = {SRV.key: RRSet(SRV.name, "SRV", 600, SRV.values)}
    assert [c.action for c in plan([SRV], moved)] == ["update"]


def test_plan_absent_removes_exactly_those_values():
    current = {SRV.key: RRSet(SRV.name, "SRV", 300, list(SRV.values) + ["20 0 8448 other.example.com."])}
    changes = plan([SRV], current, "absent")
    assert len(changes) == 1 and changes[0].action == "update"
    assert changes[0].after.values == ("20 0 8448 other.example.com.",)
    assert [c.action for c in plan([SRV], {SRV.key: SRV}, "absent")] == ["delete"]
    assert plan([SRV], {}, "absent") == []
    other = {SRV.key: RRSet(SRV.name, "SRV", 300, ["20 0 8448 other.example.com."])}
    assert plan([SRV], other, "absent") == []


def test_run_create_then_converged():
    provider = MemoryProvider()
    first = run(provider, params())
    assert first["changed"] and len(provider.applied) == 1
    assert [c["action"] for c in first["changes"]] == ["create"] * 3
    assert first["zone"] == "example.com."
    second = run(provider, params())
    assert second["changed"] is False and second["changes"] == [] and len(provider.applied) == 1
    assert second["provider_ids"] == {}


def test_run_check_mode_predicts_and_writes_nothing():
    provider = MemoryProvider()
    result = run(provider, params(), check_mode=True, want_diff=True)
    assert result["changed"] and provider.applied == []
    assert result["diff"]["before"] == ""
    assert "_rocketchat._https.example.com. 300 IN SRV 1 1 443 chat.example.com." in result["diff"]["after"]
    # the 442-character key is two character-strings (255 + 187)
    assert 'rocketchat-public-key.example.com. 300 IN TXT "%s" "%s"' % (SINGLE[:255], SINGLE[255:]) \
        in result["diff"]["after"]


def test_diff_shows_before_and_after():
    old = RRSet(SRV.name, "SRV", 300, ["10 0 8448 old.example.com."])
    changes = plan([SRV], {SRV.key: old})
    diff = build_diff({SRV.key: old}, changes, "example.com.")
    assert "old.example.com." in diff["before"] and "old.example.com." not in diff["after"]
    assert "matrix.example.com." in diff["after"]


def test_run_absent():
    provider = MemoryProvider()
    run(provider, params())
    extra = RRSet("chat.example.com.", "A", 300, ["192.0.2.1"])
    provider.records[extra.key] = extra
    result = run(provider, params(state="absent"))
    assert result["changed"] and sorted(c["action"] for c in result["changes"]) == ["delete"] * 3
    assert list(provider.records) == [extra.key]
    assert run(provider, params(state="absent"))["changed"] is False


def test_srv_target_cname_in_zone_refused_before_any_write():
    provider = MemoryProvider(records=[RRSet("matrix.example.com.", "CNAME", 300, ["lb.example.net."])])
    with pytest.raises(DNSInputError) as err:
        run(provider, params(legacy=None))
    assert "matrix.example.com." in err.value.msg and "CNAME" in err.value.msg
    assert provider.applied == []


def test_atomic_provider_gets_the_guard_instead_of_a_read():
    provider = MemoryProvider(atomic=True)
    run(provider, params(legacy=None))
    changes, guard = provider.applied[0]
    assert guard == ["matrix.example.com."]
    assert provider.reads == [[SRV.key]]  # no extra CNAME read on real runs
    provider2 = MemoryProvider(atomic=True)
    run(provider2, params(legacy=None), check_mode=True)
    assert provider2.reads[-1] == [("matrix.example.com.", "CNAME")]  # check mode predicts it


def test_out_of_zone_targets_are_not_guarded():
    provider = MemoryProvider(atomic=True)
    run(provider, params(legacy=None, matrix={"server_name": "example.com", "target": "host.example.net"}))
    assert provider.applied[0][1] == []


def test_records_outside_zone_refused():
    provider = MemoryProvider(zone="sub.example.com.")
    with pytest.raises(DNSInputError) as err:
        run(provider, params())
    assert "not inside zone sub.example.com." in err.value.msg


def test_cname_at_owner_name_refused():
    provider = MemoryProvider(records=[RRSet("_matrix-fed._tcp.example.com.", "CNAME", 300, ["x.example.com."])])
    with pytest.raises(DNSInputError) as err:
        run(provider, params(legacy=None))
    assert "already hold a CNAME" in err.value.msg


def test_zone_option_normalised_and_bad_zone_refused():
    provider = MemoryProvider()
    assert run(provider, params(zone="Example.COM"))["zone"] == "example.com."
    with pytest.raises(DNSInputError):
        run(MemoryProvider(), params(zone="bad zone"))
