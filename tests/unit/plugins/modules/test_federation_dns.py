# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""fedops.rocketchat.federation_dns, run in-process with patch_module_args."""

from __future__ import annotations

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._dns import _dnsmsg, _module
from ansible_collections.fedops.rocketchat.plugins.modules import federation_dns

from tests.unit.plugins.modules.utils import run_module

from ..module_utils._dns.fakes import MemoryProvider
from ..module_utils._dns.test_records import MULTI, SINGLE

SECRET = "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI="


def run(capsys, args, check=False, diff=False):
    return run_module(federation_dns.main, capsys, args, check=check, diff=diff)


def base_args(**kw):
    args = {
        "provider": "rfc2136",
        "rfc2136": {"server": "127.0.0.1", "port": 5353, "key_name": "fedops-key", "key_secret": SECRET},
        "zone": "example.com",
        "legacy": {"domain": "example.com", "target": "chat.example.com", "public_key": MULTI},
        "matrix": {"server_name": "example.com", "target": "matrix.example.com"},
    }
    args.update(kw)
    return args


@pytest.fixture
def memory(monkeypatch):
    provider = MemoryProvider()
    monkeypatch.setattr(_module, "make_provider", lambda params, warn=None: provider)
    return provider


def test_publish_check_diff_and_converge(capsys, memory):
    checked = run(capsys, base_args(), check=True, diff=True)
    assert checked["changed"] is True and memory.applied == []
    assert 'TXT "%s" "%s"' % (SINGLE[:255], SINGLE[255:]) in checked["diff"]["after"]
    assert SECRET not in checked["_raw"]
    first = run(capsys, base_args())
    assert first["changed"] is True and len(memory.applied) == 1
    assert sorted(r["name"] for r in first["records"]) == [
        "_matrix-fed._tcp.example.com.", "_rocketchat._https.example.com.", "rocketchat-public-key.example.com."]
    again = run(capsys, base_args(), check=True)
    assert again["changed"] is False and again["changes"] == []
    assert run(capsys, base_args())["changed"] is False and len(memory.applied) == 1


def test_absent(capsys, memory):
    run(capsys, base_args())
    result = run(capsys, base_args(state="absent"))
    assert result["changed"] and memory.records == {}


@pytest.mark.parametrize("patch, needle", [
    ({"legacy": {"domain": "bad domain", "public_key": SINGLE}}, "legacy.domain"),
    ({"legacy": {"domain": "example.com", "public_key": SINGLE, "port": 0}}, "legacy.port: 0"),
    ({"legacy": {"domain": "example.com", "public_key": SINGLE, "port": 70000}}, "legacy.port: 70000"),
    ({"matrix": {"server_name": "example.com", "priority": -1}}, "matrix.priority: -1"),
    ({"legacy": {"domain": "example.com", "public_key": "ssh-rsa AAAA"}}, "legacy.public_key"),
    ({"records": [{"name": "matrix.example.com", "type": "CNAME", "values": ["x.example.net"]}]}, "is a CNAME"),
])
def test_bad_inputs_fail_cleanly(capsys, memory, patch, needle):
    result = run(capsys, base_args(**patch))
    assert result["failed"] is True and needle in result["msg"]
    assert "Traceback" not in result["_raw"] and memory.applied == []
    assert result["error"] == "DNSInputError"


def test_provider_options_required(capsys):
    args = base_args()
    del args["rfc2136"]
    result = run(capsys, args)
    assert result["failed"] and "rfc2136" in result["msg"]


def test_unsigned_refused_without_opt_in(capsys):
    result = run(capsys, base_args(rfc2136={"server": "127.0.0.1"}))
    assert result["failed"] and "rfc2136.allow_unsigned" in result["msg"]


def test_missing_dnspython(capsys, monkeypatch):
    monkeypatch.setattr(_dnsmsg, "HAS_DNSPYTHON", False)
    monkeypatch.setattr(_dnsmsg, "DNSPYTHON_IMPORT_ERROR", "ImportError: dns")
    result = run(capsys, base_args())
    assert result["failed"] and "dnspython" in result["msg"]


def test_unreachable_server_bounded_retries(capsys):
    from tests.support.procs import free_port
    port = free_port(udp_too=True)
    result = run(capsys, base_args(rfc2136={"server": "127.0.0.1", "port": port, "key_name": "k", "key_secret": SECRET},
                                   timeout=1, retries=1))
    assert result["failed"] and "127.0.0.1 port %d" % port in result["msg"]
    assert "2 attempt(s)" in result["msg"] and SECRET not in result["_raw"]
    assert result["error"] == "DNSNetworkError"
