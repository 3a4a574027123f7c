# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""fedops.rocketchat.federation_check in-process: argument handling, verdict, fail_on_error (checks faked)."""

from __future__ import annotations

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _check, _discovery, _keys
from ansible_collections.fedops.rocketchat.plugins.modules import federation_check

from tests.unit.plugins.modules.utils import run_module


def run(capsys, args, check=False):
    return run_module(federation_check.main, capsys, args, check=check)


def fake_result(failed=False):
    checks = [_check.record("server_name", "pass", "example.org")]
    if failed:
        checks.append(_check.record("tls_certificate", "fail", "certificate is for a, not b", "issue a cert for b",
                                    "192.0.2.1:8448"))
    ok, failed_recs, _warned = _check.verdict(checks)
    return {"federation_ok": ok, "checks": checks, "failed_checks": sorted(r["name"] for r in failed_recs),
            "warning_checks": [], "report": "r", "report_lines": ["r"], "stats": {}}


@pytest.fixture
def fake_checks(monkeypatch):
    calls = []

    def fake(options, **kwargs):
        calls.append(options)
        return fake_result(failed=options.get("server_name") == "bad.example.org")

    monkeypatch.setattr(_check, "run_checks", fake)
    return calls


def test_success_is_never_changed_and_runs_in_check_mode(capsys, fake_checks):
    result = run(capsys, {"server_name": "example.org"}, check=True)
    assert result["_rc"] == 0 and result["changed"] is False and result["federation_ok"] is True
    assert fake_checks[0]["server_name"] == "example.org" and fake_checks[0]["_expected_keys"] is None
    assert fake_checks[0]["timeout"] == 10.0 and fake_checks[0]["client_wellknown"] is True


def test_failure_fails_with_the_first_problem_and_fix(capsys, fake_checks):
    result = run(capsys, {"server_name": "bad.example.org"})
    assert result["_rc"] == 1 and result["failed"] is True and result["changed"] is False
    assert result["msg"] == ("federation check failed: tls_certificate. First: tls_certificate [192.0.2.1:8448]: "
                             "certificate is for a, not b. Fix: issue a cert for b")
    assert result["failed_checks"] == ["tls_certificate"] and result["checks"][1]["status"] == "fail"


def test_fail_on_error_false_reports_the_verdict(capsys, fake_checks):
    result = run(capsys, {"server_name": "bad.example.org", "fail_on_error": False})
    assert result["_rc"] == 0 and result["federation_ok"] is False and "failed" not in result


def test_expected_key_from_result_dict_and_file(capsys, fake_checks, tmp_path):
    key = _keys.generate_signing_key(version="a_Test")
    run(capsys, {"server_name": "example.org", "expected_signing_key": {"key_id": key.key_id,
                                                                        "public_key": key.public_key_b64}})
    assert fake_checks[-1]["_expected_keys"] == [(key.key_id, key.public_key_b64)]
    path = tmp_path / "hs.signing.key"
    other = _keys.generate_signing_key(version="a_Old")
    path.write_text(_keys.serialize_signing_keys([key, other]))
    result = run(capsys, {"server_name": "example.org", "signing_key_path": str(path)})
    assert fake_checks[-1]["_expected_keys"] == [(key.key_id, key.public_key_b64), (other.key_id,
                                                                                    other.public_key_b64)]
    seed_text = _keys.serialize_signing_keys([key]).split()[2]
    assert seed_text not in result["_raw"]


@pytest.mark.parametrize("args, fragment", [
    ({}, "one of the following is required: server_name, rocketchat"),
    ({"server_name": "example.org:99999"}, "server_name 'example.org:99999'"),
    ({"server_name": "example.org", "nameservers": ["10.0.0.1", "dns.example.org"]}, "nameservers: entry"),
    ({"server_name": "example.org", "resolve": {"example.org": "host"}}, "resolve: override for"),
    ({"server_name": "example.org", "expected_signing_key": "ed25519 a b"}, "expected_signing_key:"),
    ({"server_name": "example.org", "expected_signing_key": "x", "signing_key_path": "/x"}, "mutually exclusive"),
    ({"server_name": "example.org", "signing_key_path": "/nonexistent/key"}, "signing_key_path: cannot read"),
    ({"server_name": "example.org", "timeout": 0}, "timeout must be a positive"),
    ({"server_name": "example.org", "appservice": {"id": "x", "as_token": "token-123456", "homeserver_url": "matrix.org"}},
     "appservice.homeserver_url must start with https://"),
    ({"rocketchat": {"domain": "c.example.com", "url": "https://c.example.com"}}, "rocketchat.user_id"),
    ({"server_name": "example.org", "appservice": {"id": "x"}}, "as_token"),
])
def test_bad_input(capsys, fake_checks, args, fragment):
    result = run(capsys, args)
    assert result["_rc"] == 1 and fragment in result["msg"]
    assert fake_checks == []


def test_bad_key_file(capsys, fake_checks, tmp_path):
    path = tmp_path / "k"
    path.write_text("ed25519 a_x notbase64!\n")
    result = run(capsys, {"server_name": "example.org", "signing_key_path": str(path)})
    assert result["_rc"] == 1 and "is not a Synapse signing key file" in result["msg"]


def test_missing_dnspython(capsys, fake_checks, monkeypatch):
    monkeypatch.setattr(_discovery, "HAS_DNSPYTHON", False)
    monkeypatch.setattr(_discovery, "DNSPYTHON_IMPORT_ERROR", "Traceback: no dns")
    result = run(capsys, {"server_name": "example.org"})
    assert result["_rc"] == 1 and "dnspython" in result["msg"] and "Failed to import" in result["msg"]


def test_secrets_are_not_logged(capsys, fake_checks):
    result = run(capsys, {"server_name": "example.org",
                          "appservice": {"id": "x", "as_token": "very-secret-as-token"},
                          "rocketchat": {"domain": "c.example.com", "url": "https://c.example.com", "user_id": "u",
                                         "auth_token": "very-secret-auth-token"}})
    assert "very-secret-as-token" not in result["_raw"] and "very-secret-auth-token" not in result["_raw"]
    assert fake_checks[0]["appservice"]["as_token"] == "very-secret-as-token"


def test_unexpected_error_is_reported_not_raised(capsys, monkeypatch):
    def boom(options, **kwargs):
        raise RuntimeError("resolver exploded")

    monkeypatch.setattr(_check, "run_checks", boom)
    result = run(capsys, {"server_name": "example.org"})
    assert result["_rc"] == 1 and result["msg"] == "federation check could not run: resolver exploded"
