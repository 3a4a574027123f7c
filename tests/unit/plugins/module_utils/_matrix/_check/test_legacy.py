# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Legacy Rocket.Chat federation: Rocket.Chat's lookup order, TXT joining, key comparison, settings API, and the
connection to the SRV target as a peer makes it (loopback TLS fronts and the Rocket.Chat API emulator)."""

from __future__ import annotations


import pytest

from tests.emulator.rocketchat import serve_in_thread
from tests.emulator.rocketchat.profiles import legacy_public_key
from tests.support.pki import TestCA, untrusted_ca
from tests.support.procs import free_port
from tests.support.wellknown import FrontServer

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _dnsclient as dc
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _https as h
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _servername as sn
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check import _legacy as legacy
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check import _orchestrate as orch

from tests.unit.plugins.module_utils._matrix._check.fakes import (
    DOMAIN,
    KEY,
    SRV_443,
    FakeDns,
    Resp,
    ctx_with,
    rc_answers,
    split_key,
    statuses,
)


def test_join_like_rocketchat():
    answer = dc.DnsAnswer("k", "TXT", "ok", [[b"ab", b"cd"], [b"zz"]])
    assert legacy.join_rocketchat_txt(answer) == "abcd"
    assert legacy.join_rocketchat_txt(dc.DnsAnswer("k", "TXT", "nxdomain")) is None


def test_public_key_der():
    assert legacy.public_key_der(KEY) is not None
    multi = KEY.replace("-----BEGIN PUBLIC KEY-----", "-----BEGIN PUBLIC KEY-----\n").replace(
        "-----END", "\n-----END")
    assert legacy.public_key_der(multi) == legacy.public_key_der(KEY)
    assert legacy.public_key_der("hello") is None
    assert legacy.public_key_der("-----BEGIN PUBLIC KEY-----AAAA-----END PUBLIC KEY-----") is None
    assert legacy.public_key_der(None) is None


def test_rocketchat_correct_split_key():
    records, url = legacy.rocketchat_legacy_records(DOMAIN, rc_answers(https=SRV_443, key=[split_key(KEY)]), KEY, "given")
    assert statuses(records) == {"rocketchat_srv": "pass", "rocketchat_protocol": "pass",
                                 "rocketchat_public_key_txt": "pass", "rocketchat_public_key": "pass"}
    assert url == "https://chat.example.com:443"


def test_rocketchat_order_https_before_http_before_tcp():
    http_srv = [dc.SrvRecord(1, 1, 80, "h." + DOMAIN)]
    records, url = legacy.rocketchat_legacy_records(DOMAIN, rc_answers(https=SRV_443, http=http_srv, tcp=http_srv,
                                                                       key=[[KEY.encode()]]), KEY, "given")
    assert url.startswith("https://chat.example.com")
    records, url = legacy.rocketchat_legacy_records(DOMAIN, rc_answers(http=http_srv, tcp=SRV_443,
                                                                       key=[[KEY.encode()]]), KEY, "given")
    assert url == "http://h.chat.example.com:80" and statuses(records)["rocketchat_srv"] == "warn"


def test_rocketchat_first_srv_record_only():
    records_list = [dc.SrvRecord(10, 1, 443, "b." + DOMAIN), dc.SrvRecord(1, 1, 8443, "a." + DOMAIN)]
    records, url = legacy.rocketchat_legacy_records(DOMAIN, rc_answers(https=records_list, key=[[KEY.encode()]]))
    assert url == "https://b.chat.example.com:443"      # first as returned, priority ignored like Rocket.Chat
    assert statuses(records)["rocketchat_srv"] == "warn"


def test_rocketchat_tcp_only_warns_and_http_protocol_fails():
    records, url = legacy.rocketchat_legacy_records(DOMAIN, rc_answers(tcp=SRV_443, key=[[KEY.encode()]],
                                                                       protocol=[[b"https"]]))
    assert statuses(records)["rocketchat_protocol"] == "warn" and url.startswith("https://")
    records, url = legacy.rocketchat_legacy_records(DOMAIN, rc_answers(tcp=SRV_443, key=[[KEY.encode()]],
                                                                       protocol=[[b"http"]]))
    rec = [r for r in records if r["name"] == "rocketchat_protocol"][0]
    assert rec["status"] == "fail" and url.startswith("https://") and "_rocketchat._http." in rec["hint"]


def test_rocketchat_missing_and_broken_records():
    records, url = legacy.rocketchat_legacy_records(DOMAIN, rc_answers())
    assert statuses(records) == {"rocketchat_srv": "fail", "rocketchat_protocol": "skip",
                                 "rocketchat_public_key_txt": "fail", "rocketchat_public_key": "skip"}
    assert url is None
    records, _unused = legacy.rocketchat_legacy_records(DOMAIN, rc_answers(**{"_rocketchat._https." + DOMAIN: "error"}))
    assert "SERVFAIL" in records[0]["detail"]
    records, _unused = legacy.rocketchat_legacy_records(DOMAIN, rc_answers(https=SRV_443, key=[[b"not a key"]]), KEY, "given")
    assert statuses(records)["rocketchat_public_key_txt"] == "fail"
    records, _unused = legacy.rocketchat_legacy_records(DOMAIN, rc_answers(https=SRV_443, key=[[KEY.encode()], [b"x"]]),
                                                        KEY, "given")
    assert statuses(records)["rocketchat_public_key_txt"] == "warn"


def test_rocketchat_key_comparison():
    other = legacy_public_key()
    records, _unused = legacy.rocketchat_legacy_records(DOMAIN, rc_answers(https=SRV_443, key=[split_key(KEY)]), other,
                                                        "settings API")
    rec = [r for r in records if r["name"] == "rocketchat_public_key"][0]
    assert rec["status"] == "fail" and "settings API" in rec["detail"]
    multiline = KEY.replace("-----BEGIN PUBLIC KEY-----", "-----BEGIN PUBLIC KEY-----\n")
    records, _unused = legacy.rocketchat_legacy_records(DOMAIN, rc_answers(https=SRV_443, key=[split_key(KEY)]), multiline,
                                                        "given")
    assert statuses(records)["rocketchat_public_key"] == "pass"


@pytest.mark.parametrize("status, body, fragment", [
    (401, {"success": False, "error": "You must be logged in to do this."}, "rejected the credentials"),
    (403, {"success": False, "error": "unauthorized"}, "view-privileged-setting"),
    (400, {"success": False}, "7.11"),
    (200, {"_id": "FEDERATION_Public_Key", "value": "", "success": True}, "enable legacy federation"),
])
def test_workspace_key_errors(status, body, fragment):
    ctx = ctx_with(Resp(status, body))
    key, source, rec = legacy.fetch_workspace_key(ctx, {"domain": DOMAIN, "url": "https://chat.example.com/",
                                                        "user_id": "u", "auth_token": "t"})
    assert key is None and rec["status"] == "fail" and rec["name"] == "rocketchat_settings"
    assert fragment in (rec["hint"] or "")
    # read by the Rocket.Chat client of the collection (its hints), over the check's pinned HTTPS client
    assert ctx.http.calls[0][1] == "https://chat.example.com/api/v1/settings/FEDERATION_Public_Key"
    assert {"X-User-Id": "u", "X-Auth-Token": "t"}.items() <= ctx.http.calls[0][2].items()
    assert all(call[0] == "GET" for call in ctx.http.calls)


def test_workspace_key_given_or_read():
    ctx = ctx_with(Resp(200, {"_id": "FEDERATION_Public_Key", "value": KEY, "success": True}))
    assert legacy.fetch_workspace_key(ctx, {"domain": DOMAIN, "public_key": "K"}) == ("K", "given", None)
    assert ctx.http.calls == []
    assert legacy.fetch_workspace_key(ctx, {"domain": DOMAIN}) == (None, None, None)
    key, source, rec = legacy.fetch_workspace_key(ctx, {"domain": DOMAIN, "url": "http://rc:3000", "user_id": "u",
                                                        "auth_token": "t"})
    assert (key, source, rec) == (KEY, "settings API", None)


# ---- the connection a peer makes to the SRV target --------------------------------------------------------------

RC_HOST = "rc.example.test"
ADMIN_ID = "rcadmin0000000001"
ADMIN_PAT = "admin-pat-bypass-2fa-0000000000000000000000001"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """The Rocket.Chat API emulator (plain HTTP) behind TLS fronts: trusted, untrusted, and one that is not RC."""
    wd = str(tmp_path_factory.mktemp("legacy-pki"))
    ca = TestCA(wd)
    emulator, emulator_url = serve_in_thread(version="6.9", host="127.0.0.1")
    upstream = ("127.0.0.1", emulator.server_address[1])
    fronts = {
        "good": FrontServer("127.0.0.1", 0, ca.issue("rc", [RC_HOST]), upstream=upstream).start(),
        "untrusted": FrontServer("127.0.0.1", 0, untrusted_ca(wd).issue("rc-bad", [RC_HOST]), upstream=upstream).start(),
        "other": FrontServer("127.0.0.1", 0, ca.issue("other", [RC_HOST]), {"/": (200, {"hello": "world"})}).start(),
    }
    try:
        yield ca, emulator, emulator_url, fronts
    finally:
        for front in fronts.values():
            front.stop()
        emulator.shutdown()
        emulator.server_close()


def connect(ca, url):
    client = h.HttpsClient(overrides=sn.AddressOverrides({RC_HOST: "127.0.0.1"}), ca_path=ca.cert_path, timeout=5)
    ctx = orch.CheckContext({}, None, client, None)
    return legacy.check_connection(ctx, url, DOMAIN)


def test_rocketchat_answers_at_the_srv_target_over_verified_tls(workspace):
    ca, _emulator, _url, fronts = workspace
    rec = connect(ca, "https://%s:%d" % (RC_HOST, fronts["good"].port))
    assert rec["status"] == "pass" and rec["name"] == "rocketchat_connection"
    assert rec["detail"] == "Rocket.Chat 6.9 answers at https://%s:%d over verified TLS" % (RC_HOST, fronts["good"].port)
    assert fronts["good"].hits[-1][:2] == ("GET", "/api/info")


def test_nothing_listens_at_the_srv_port(workspace):
    ca = workspace[0]
    port = free_port()
    rec = connect(ca, "https://%s:%d" % (RC_HOST, port))
    assert rec["status"] == "fail" and "connection refused" in rec["detail"]
    assert rec["hint"].startswith("nothing listens on %s:%d, where the SRV record sends peers" % (RC_HOST, port))


def test_untrusted_certificate_at_the_srv_target(workspace):
    ca, _emulator, _url, fronts = workspace
    rec = connect(ca, "https://%s:%d" % (RC_HOST, fronts["untrusted"].port))
    assert rec["status"] == "fail" and "certificate verification failed" in rec["detail"]
    assert "certificate for that name" in rec["hint"] and RC_HOST in rec["hint"]


def test_https_srv_pointing_at_plain_http(workspace):
    ca, _emulator, emulator_url, _fronts = workspace
    rec = connect(ca, emulator_url.replace("http://", "https://"))
    assert rec["status"] == "fail" and "publish _rocketchat._http instead" in rec["hint"]


def test_plain_http_srv_to_rocketchat(workspace):
    ca, _emulator, emulator_url, _fronts = workspace
    rec = connect(ca, emulator_url)
    assert rec["status"] == "pass" and rec["detail"].endswith("over plain HTTP")


@pytest.mark.parametrize("status, body, result", [
    (429, {"success": False, "error": "Error, too many requests. Please slow down. You must wait 10 seconds before "
                                      "trying this endpoint again."}, "pass"),
    (429, {"detail": "slow down"}, "fail"),
    (200, {"version": "6.9"}, "fail"),
    (200, {"success": True, "version": "unknown"}, "fail"),
])
def test_what_counts_as_rocketchat(status, body, result):
    """Rocket.Chat's own rate limiter (429 with its error text) still proves Rocket.Chat answers there."""
    ctx = ctx_with(Resp(status, body))
    rec = legacy.check_connection(ctx, "https://%s:443" % RC_HOST, DOMAIN)
    assert rec["status"] == result
    if result == "pass":
        assert "rate limiter" in rec["detail"]


def test_something_else_answers(workspace):
    ca, _emulator, _url, fronts = workspace
    rec = connect(ca, "https://%s:%d" % (RC_HOST, fronts["other"].port))
    assert rec["status"] == "fail" and "is not Rocket.Chat" in rec["detail"] and "HTTP 404" in rec["detail"]


def test_credentials_without_url_read_the_key_from_the_srv_target(workspace):
    """The settings API of the workspace peers reach (the SRV target) holds the key the TXT record publishes."""
    ca, emulator, _url, fronts = workspace
    key = emulator.emulator.store.value("FEDERATION_Public_Key")
    answers = rc_answers(https=[dc.SrvRecord(1, 1, fronts["good"].port, RC_HOST + ".")], key=[split_key(key)])
    client = h.HttpsClient(overrides=sn.AddressOverrides({RC_HOST: "127.0.0.1"}), ca_path=ca.cert_path, timeout=5)
    options = {"rocketchat": {"domain": DOMAIN, "user_id": ADMIN_ID, "auth_token": ADMIN_PAT}}
    result = orch.run_checks(options, dns_client=FakeDns(answers), http_client=client)
    assert result["federation_ok"] is True, result["report"]
    (rec,) = [c for c in result["checks"] if c["name"] == "rocketchat_public_key"]
    assert rec["status"] == "pass" and "settings API at https://%s:%d" % (RC_HOST, fronts["good"].port) in rec["detail"]
    other = rc_answers(https=[dc.SrvRecord(1, 1, fronts["good"].port, RC_HOST + ".")],
                       key=[split_key(legacy_public_key())])
    result = orch.run_checks(options, dns_client=FakeDns(other), http_client=client)
    assert result["failed_checks"] == ["rocketchat_public_key"]


def test_no_srv_record_skips_the_connection():
    result = orch.run_checks({"rocketchat": {"domain": DOMAIN, "public_key": KEY}}, dns_client=FakeDns(rc_answers()),
                             http_client=h.HttpsClient(timeout=1))
    (rec,) = [c for c in result["checks"] if c["name"] == "rocketchat_connection"]
    assert rec["status"] == "skip"


@pytest.mark.parametrize("error, fragment", [
    (h.HttpError("tls_verify", "certificate verification failed: x", "x"), "ca_path"),
    (h.HttpError("refused", "connection refused"), "Check url and that the server is up"),
])
def test_workspace_key_without_an_answer(error, fragment):
    ctx = ctx_with(error)
    key, _source, rec = legacy.fetch_workspace_key(ctx, {"domain": DOMAIN, "url": "https://chat.example.com/",
                                                         "user_id": "u", "auth_token": "t"})
    assert key is None and rec["status"] == "fail" and "no answer" in rec["detail"]
    assert fragment in rec["hint"] and len(ctx.http.calls) == 1   # retried below, by the pinned client
