# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which peer families reach a server: Rocket.Chat native peers never use a lone _matrix._tcp (fake DNS/HTTP)."""

from __future__ import annotations

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _discovery as d
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _dnsclient as dc
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _https as h
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _servername as sn
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check import _families as fam
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check import _orchestrate as orch
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check import _report as report

from tests.unit.plugins.module_utils._matrix.fakes import FakeDns, FakeHttp, submit


class Answer(object):
    def __init__(self, status):
        self.status = status


class ProbeHttp(FakeHttp):
    """FakeHttp plus ``request_host``: answers ``fallback`` (a status or an HttpError) for host:8448."""

    def __init__(self, fallback):
        super(ProbeHttp, self).__init__()
        self.fallback = fallback
        self.probed = []

    def request_host(self, host, port, tls_name, host_header, method, path, **kwargs):
        self.probed.append((host, port, tls_name, host_header, method, path))
        if isinstance(self.fallback, h.HttpError):
            raise self.fallback
        return Answer(self.fallback)


def resolve(dns_records, http):
    return d.resolve_server(sn.parse_server_name("example.org"), FakeDns(dns_records), http, submit)


def native(dns_records, fallback=None, required=True):
    http = ProbeHttp(fallback)
    res = resolve(dns_records, http)
    ctx = orch.CheckContext({"server_name": "example.org"}, None, http, None)
    return fam.check_rocketchat_native(ctx, res, required), http


MATRIX_ONLY = {("_matrix._tcp.example.org", "SRV"): [dc.SrvRecord(10, 5, 443, "hs.example.org.")],
               ("hs.example.org", "A"): ["192.0.2.5"], ("example.org", "A"): ["192.0.2.1"]}
REFUSED = h.HttpError("refused", "connection refused (nothing listens on that port)")


def test_matrix_tcp_only_fails_for_rocketchat_peers_with_the_record_to_add():
    rec, http = native(MATRIX_ONLY, REFUSED)
    assert rec["name"] == "rocketchat_native_discovery" and rec["status"] == "fail" and rec["ok"] is False
    assert rec["hint"] == ("publish _matrix-fed._tcp.example.org. 3600 IN SRV 10 5 443 hs.example.org. (the same "
                           "target and port as _matrix._tcp.example.org)")
    assert "connect to example.org:8448 instead" in rec["detail"] and "connection refused" in rec["detail"]
    # the peer's fallback was really probed: the server name's host on 8448, certificate for the host
    assert http.probed == [("example.org", 8448, "example.org", "example.org", "GET", "/_matrix/federation/v1/version")]
    assert rec["data"]["reachable"] is False


def test_matrix_tcp_only_is_a_warning_when_rocketchat_peers_are_not_required():
    rec, _http = native(MATRIX_ONLY, REFUSED, required=False)
    assert rec["status"] == "warn" and "not in peer_families" in rec["detail"]
    assert rec["data"]["reachable"] is False


def test_fallback_that_answers_is_a_warning():
    rec, _http = native(MATRIX_ONLY, 200)
    assert rec["status"] == "warn" and "same homeserver" in rec["detail"] and rec["data"]["reachable"] is True


def test_matrix_tcp_pointing_at_the_host_on_8448_is_fine():
    records = dict(MATRIX_ONLY)
    records[("_matrix._tcp.example.org", "SRV")] = [dc.SrvRecord(0, 0, 8448, "example.org.")]
    rec, http = native(records, REFUSED)
    assert rec["status"] == "pass" and http.probed == []


@pytest.mark.parametrize("records, fragment", [
    ({("_matrix-fed._tcp.example.org", "SRV"): [dc.SrvRecord(10, 5, 443, "hs.example.org.")],
      ("_matrix._tcp.example.org", "SRV"): [dc.SrvRecord(10, 5, 443, "other.example.org.")],
      ("hs.example.org", "A"): ["192.0.2.5"]}, "_matrix-fed._tcp.example.org"),
    ({("example.org", "A"): ["192.0.2.1"]}, "no SRV, port 8448"),
])
def test_same_resolution_as_synapse(records, fragment):
    rec, http = native(records, REFUSED)
    assert rec["status"] == "pass" and fragment in rec["detail"] and http.probed == []


def test_no_srv_consulted_is_skipped():
    http = ProbeHttp(REFUSED)
    res = d.resolve_server(sn.parse_server_name("example.org:8448"), FakeDns(), http, submit)
    ctx = orch.CheckContext({}, None, http, None)
    assert fam.check_rocketchat_native(ctx, res)["status"] == "skip"


def test_family_summary():
    ok = [report.record("connection", "pass", "x"), report.record("srv", "warn", "deprecated", "h")]
    native_fail = report.record("rocketchat_native_discovery", "fail", "x", "h", data={"reachable": False})
    families = fam.family_summary(ok + [native_fail], ("matrix_spec",))
    assert families["matrix_spec"] == {"name": "Matrix spec / Synapse", "reachable": True, "required": True,
                                       "failed_checks": []}
    assert families["rocketchat_native"] == {"name": "Rocket.Chat native (7.11+)", "reachable": False,
                                             "required": False, "failed_checks": ["rocketchat_native_discovery"]}
    broken = fam.family_summary(ok + [report.record("tls_certificate", "fail", "x", "h"),
                                      report.record("appservice_ping", "fail", "x", "h")], fam.FAMILIES)
    assert [broken[f]["failed_checks"] for f in fam.FAMILIES] == [["tls_certificate"], ["tls_certificate"]]
    assert fam.summary_lines(families) == ["Matrix spec / Synapse peers: reach it",
                                           "Rocket.Chat native (7.11+) peers: cannot reach it "
                                           "(rocketchat_native_discovery)"]
