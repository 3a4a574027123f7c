# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""run_checks with fakes: legacy only, sequential mode, the inline executor."""

from __future__ import annotations

import pytest

from tests.emulator.rocketchat.profiles import legacy_public_key

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check import _orchestrate as orch

from tests.unit.plugins.module_utils._matrix._check.fakes import (
    DOMAIN,
    KEY,
    SRV_443,
    FakeDns,
    FakeHttp,
    Resp,
    rc_answers,
    split_key,
)

RC_INFO = Resp(200, {"version": "6.9", "success": True})


def test_run_checks_legacy_only():
    answers = rc_answers(https=SRV_443, key=[split_key(KEY)])
    result = orch.run_checks({"rocketchat": {"domain": DOMAIN, "public_key": KEY}}, dns_client=FakeDns(answers),
                             http_client=FakeHttp(RC_INFO))
    assert result["federation_ok"] is True and result["failed_checks"] == []
    assert result["stats"]["dns_queries"] == 5
    assert result["report_lines"][0] == ("federation check chat.example.com: OK (5 passed, 0 failed, 0 warnings, "
                                         "0 skipped)")
    assert [c["name"] for c in result["checks"]] == ["rocketchat_srv", "rocketchat_connection", "rocketchat_protocol",
                                                     "rocketchat_public_key_txt", "rocketchat_public_key"]
    answers = rc_answers(https=SRV_443, key=[split_key(legacy_public_key())])
    result = orch.run_checks({"rocketchat": {"domain": DOMAIN, "public_key": KEY}}, dns_client=FakeDns(answers),
                             http_client=FakeHttp(RC_INFO))
    assert result["federation_ok"] is False and result["failed_checks"] == ["rocketchat_public_key"]
    assert "FAIL rocketchat_public_key [chat.example.com]" in result["report"]
    assert "  fix: publish the current FEDERATION_Public_Key" in result["report"]


def test_sequential_mode_gives_the_same_records():
    answers = rc_answers(https=SRV_443, key=[split_key(KEY)])
    options = {"rocketchat": {"domain": DOMAIN, "public_key": KEY}}
    concurrent = orch.run_checks(options, dns_client=FakeDns(answers), http_client=FakeHttp(RC_INFO))
    sequential = orch.run_checks(options, dns_client=FakeDns(answers), http_client=FakeHttp(RC_INFO), sequential=True)
    assert sequential["checks"] == concurrent["checks"]


def test_inline_executor_keeps_exceptions():
    future = orch.InlineExecutor().submit(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        future.result()


def test_a_server_name_without_addresses_fails_connection():
    """No well-known, no SRV, no A/AAAA: nothing to connect to, and no peer family reaches it."""
    from tests.unit.plugins.module_utils._matrix.fakes import FakeDns as NoRecords, FakeHttp as NoWellKnown  # pylint: disable=import-outside-toplevel
    result = orch.run_checks({"server_name": "example.org", "client_wellknown": False}, dns_client=NoRecords(),
                             http_client=NoWellKnown())
    (rec,) = [c for c in result["checks"] if c["name"] == "connection"]
    assert rec["status"] == "fail" and rec["detail"] == "no address to connect to"
    assert result["failed_checks"] == ["addresses", "connection"]
    assert [f["reachable"] for f in result["peer_families"].values()] == [False, False]
