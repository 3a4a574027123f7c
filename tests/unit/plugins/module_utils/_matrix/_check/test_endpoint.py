# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One federation address checked over a real TLS connection to an in-process loopback server."""

from __future__ import annotations

import time

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _discovery as d
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check import _endpoint as ep
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check import _keyserver as ks
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check import _orchestrate as orch
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._dnsclient import DnsAnswer
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._https import HttpsClient

from tests.support.pki import TestCA, untrusted_ca
from tests.support.procs import free_port
from tests.support.wellknown import FrontServer
from tests.unit.plugins.module_utils._matrix._check.fakes import PUB, key_doc

NAME = "hs.example.org"


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    wd = str(tmp_path_factory.mktemp("endpoint-pki"))
    ca = TestCA(wd)
    now_ms = int(time.time() * 1000)
    routes = {"/_matrix/federation/v1/version": (200, {"server": {"name": "Synapse", "version": "1.0"}}),
              "/_matrix/key/v2/server": (200, key_doc(server=NAME, vut=now_ms + 86400 * 1000))}
    good = FrontServer("127.0.0.1", 0, ca.issue("good", [NAME]), routes).start()
    untrusted = FrontServer("127.0.0.1", 0, untrusted_ca(wd).issue("bad", [NAME]), routes).start()
    no_keys = FrontServer("127.0.0.1", 0, ca.issue("nokeys", [NAME]),
                          {"/_matrix/federation/v1/version": routes["/_matrix/federation/v1/version"]}).start()
    try:
        yield ca, good, untrusted, no_keys
    finally:
        for server in (good, untrusted, no_keys):
            server.stop()


def run(ca, port, now=None, **options):
    ctx = orch.CheckContext(dict(options, server_name=NAME), None, HttpsClient(ca_path=ca.cert_path, timeout=5), None,
                            now=now)
    target = d.Target(NAME, port, NAME, NAME, "test")
    return ep.check_endpoint(ctx, d.Endpoint("127.0.0.1", port, target), NAME)


def statuses(records):
    return dict((r["name"], r["status"]) for r in records)


def test_good_endpoint_passes_and_returns_its_keys(servers):
    ca, good, _untrusted, _no_keys = servers
    records, doc, keys = run(ca, good.port)
    assert statuses(records) == {"connection": "pass", "tls_certificate": "pass", "federation_version": "pass",
                                 "key_response": "pass", "key_server_name": "pass", "key_valid_until": "pass",
                                 "key_ed25519": "pass", "key_signatures": "pass"}
    assert doc["server_name"] == NAME and keys == {"ed25519:a_one": PUB}


def test_certificate_days_left_and_expiry_warning(servers):
    ca, good, _untrusted, _no_keys = servers
    cert = next(r for r in run(ca, good.port)[0] if r["name"] == "tls_certificate")
    assert cert["status"] == "pass" and cert["data"]["days_left"] == 29 and "(29 days left)" in cert["detail"]
    # the certificate (30 days) seen 20 days later: 9 days left, below the default 14
    later = time.time() + 20 * 86400
    cert = next(r for r in run(ca, good.port, now=later)[0] if r["name"] == "tls_certificate")
    assert cert["status"] == "warn" and cert["data"]["days_left"] == 9
    assert "fewer than certificate_min_days=14" in cert["detail"] and "renew the certificate for %s" % NAME in cert["hint"]
    cert = next(r for r in run(ca, good.port, now=later, certificate_min_days=9)[0] if r["name"] == "tls_certificate")
    assert cert["status"] == "pass"


def test_every_certificate_is_listed_with_its_days_left(servers):
    ca, good, _untrusted, _no_keys = servers
    result = orch.run_checks({"server_name": NAME, "resolve": {NAME: "127.0.0.1:%d" % good.port},
                              "ca_path": ca.cert_path, "client_wellknown": False, "timeout": 5,
                              "certificate_min_days": 40}, dns_client=_NoDns())
    assert result["certificates"] == [{"target": "127.0.0.1:%d" % good.port, "status": "warn", "names": [NAME],
                                       "not_after": result["certificates"][0]["not_after"], "days_left": 29}]
    assert result["warning_checks"] == ["tls_certificate"] and result["federation_ok"] is True


def test_untrusted_certificate_fails_but_keys_are_still_checked(servers):
    ca, _good, untrusted, _no_keys = servers
    records, doc, keys = run(ca, untrusted.port)
    by_name = dict((r["name"], r) for r in records)
    assert by_name["tls_certificate"]["status"] == "fail"
    assert "fedops untrusted CA" in by_name["tls_certificate"]["detail"]
    assert by_name["key_signatures"]["status"] == "pass" and keys == {"ed25519:a_one": PUB} and doc


def test_refused_connection_skips_the_rest(servers):
    ca = servers[0]
    records, doc, keys = run(ca, free_port())
    assert statuses(records) == {"connection": "fail", "tls_certificate": "skip", "federation_version": "skip",
                                 "key_response": "skip"}
    assert "nothing listens" in records[0]["hint"] and doc is None and keys == {}


def test_missing_key_endpoint_fails_key_response(servers):
    ca, _good, _untrusted, no_keys = servers
    records, doc, keys = run(ca, no_keys.port)
    by_name = dict((r["name"], r) for r in records)
    assert by_name["key_response"]["status"] == "fail" and "HTTP 404" in by_name["key_response"]["detail"]
    assert doc is None and keys == {}


def test_each_key_response_is_checked_once(servers, monkeypatch):
    ca, good, _untrusted, _no_keys = servers
    calls = []
    real = ks.check_key_response

    def counting(doc, server_name, now_ms, target=None):
        calls.append((server_name, target))
        return real(doc, server_name, now_ms, target)

    monkeypatch.setattr(ep, "check_key_response", counting)
    monkeypatch.setattr(orch, "check_key_response", counting, raising=False)
    result = orch.run_checks({"server_name": NAME, "resolve": {NAME: "127.0.0.1:%d" % good.port},
                              "ca_path": ca.cert_path, "client_wellknown": False, "timeout": 5},
                             dns_client=_NoDns())
    assert calls == [(NAME, "127.0.0.1:%d" % good.port)]
    assert [r["status"] for r in result["checks"] if r["name"] == "keys_consistent"] == ["pass"]


class _NoDns(object):
    """DNS that answers nothing: every lookup is NXDOMAIN (the override supplies the address)."""

    queries = 0

    def query(self, name, rdtype):
        return DnsAnswer(name, rdtype, "nxdomain")
