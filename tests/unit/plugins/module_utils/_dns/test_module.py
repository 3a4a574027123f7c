# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The DNS module glue: argument spec, provider choice and option checks, error mapping to fail_json."""

from __future__ import annotations

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._dns import _engine, _module
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._errors import (
    DNSConcurrentChangeError,
    DNSInputError,
)

from tests.unit.plugins.module_utils._dns.fakes import MemoryProvider
from tests.unit.plugins.module_utils.fake_module import Exited, FakeModule as BaseFakeModule  # noqa: F401


class FakeModule(BaseFakeModule):
    defaults = dict(provider="powerdns", timeout=10, retries=3, wait_for_propagation=False)


def test_secrets_are_no_log():
    spec = _module.argument_spec()
    assert spec["rfc2136"]["options"]["key_secret"]["no_log"] is True
    assert spec["powerdns"]["options"]["api_key"]["no_log"] is True
    assert spec["cloudflare"]["options"]["api_token"]["no_log"] is True
    assert spec["route53"]["options"]["secret_key"]["no_log"] is True
    assert spec["route53"]["options"]["session_token"]["no_log"] is True
    assert spec["powerdns"]["options"]["validate_certs"]["default"] is True


def test_each_provider_requires_its_options():
    kwargs = _module.federation_dns_spec().to_kwargs()
    assert sorted(rule[1] for rule in kwargs["required_if"]) == sorted(_module.PROVIDERS)
    assert all(rule[2] == (rule[1],) for rule in kwargs["required_if"])
    assert kwargs["argument_spec"]["provider"]["choices"] == list(_module.PROVIDERS)


@pytest.mark.parametrize("params, words", [
    ({"timeout": 0}, "timeout: give at least 1 second"),
    ({"retries": 11}, "retries: give 0 to 10"),
    ({"retries": -1}, "retries: give 0 to 10"),
])
def test_bad_timeout_and_retries(params, words):
    base = dict(provider="powerdns", powerdns={"api_url": "http://127.0.0.1:8081", "api_key": "k"}, timeout=10, retries=3)
    base.update(params)
    with pytest.raises(DNSInputError, match=words):
        _module.make_provider(base)


def test_the_named_provider_is_built():
    provider = _module.make_provider(dict(provider="powerdns", timeout=None, retries=0,
                                          powerdns={"api_url": "http://127.0.0.1:8081", "api_key": "k",
                                                    "server_id": "localhost", "validate_certs": True}))
    assert type(provider).__name__ == "PowerDNSProvider"
    provider.close()


def run_module(module):
    """What the module does with the one call: exit with its result."""
    module.exit_json(**_module.run_federation_dns(module))


@pytest.fixture
def memory(monkeypatch):
    provider = MemoryProvider()
    provider.stats = {"reads": 1}
    closed = []
    provider.close = lambda: closed.append(True)
    monkeypatch.setattr(_module, "make_provider", lambda params, warn=None: provider)
    monkeypatch.setattr(_module, "check_requirements", lambda module: None)
    return provider, closed


def test_dns_error_becomes_msg_error_details_and_stats(monkeypatch, memory):
    def run(provider, params, check_mode, want_diff):
        raise DNSConcurrentChangeError("the zone changed between the read and the write; run again", zone="example.com.")

    monkeypatch.setattr(_engine, "run", run)
    with pytest.raises(Exited) as info:
        run_module(FakeModule())
    assert info.value.failed
    assert info.value.result == {"msg": "the zone changed between the read and the write; run again",
                                 "error": "DNSConcurrentChangeError", "zone": "example.com.", "stats": {"reads": 1}}
    assert memory[1] == [True]


def test_unexpected_error_keeps_the_traceback(monkeypatch, memory):
    def run(provider, params, check_mode, want_diff):
        raise ValueError("odd")

    monkeypatch.setattr(_engine, "run", run)
    with pytest.raises(Exited) as info:
        run_module(FakeModule())
    assert info.value.result["msg"] == "unexpected error while publishing DNS records: odd"
    assert "ValueError" in info.value.result["exception"]
    assert memory[1] == [True]


def test_success_exits_with_the_engine_result(monkeypatch, memory):
    monkeypatch.setattr(_engine, "run", lambda provider, params, check_mode, want_diff: {"changed": False})
    with pytest.raises(Exited) as info:
        run_module(FakeModule())
    assert not info.value.failed and info.value.result == {"changed": False}


def test_missing_dnspython_fails_for_rfc2136(monkeypatch):
    from ansible_collections.fedops.rocketchat.plugins.module_utils._dns import _dnsmsg
    monkeypatch.setattr(_dnsmsg, "HAS_DNSPYTHON", False)
    with pytest.raises(Exited) as info:
        _module.check_requirements(FakeModule(provider="rfc2136"))
    assert "dnspython" in info.value.result["msg"]
    _module.check_requirements(FakeModule(provider="powerdns"))
