# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The checks as pure logic: key responses, certificates, Rocket.Chat TXT/SRV rules, appservice ping, report."""

from __future__ import annotations

import json
import time

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _check as c
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _discovery as d
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _signedjson as sj

from tests.emulator.rocketchat.profiles import legacy_public_key
from tests.support.pki import TestCA, untrusted_ca

SERVER = "example.org"
SEED = bytes(range(32))
SEED2 = bytes(range(1, 33))
PUB = sj.unpadded_b64encode(sj.public_key_from_seed(SEED))
PUB2 = sj.unpadded_b64encode(sj.public_key_from_seed(SEED2))
NOW_MS = 1_800_000_000_000


def key_doc(server=SERVER, vut=NOW_MS + 86400 * 1000, keys=(("ed25519:a_one", SEED),), sign_as=None, old=None):
    doc = {"server_name": server, "valid_until_ts": vut, "old_verify_keys": old or {},
           "verify_keys": dict((kid, {"key": sj.unpadded_b64encode(sj.public_key_from_seed(seed))})
                               for kid, seed in keys)}
    for kid, seed in keys:
        doc = sj.sign_json(doc, sign_as or server, kid, seed)
    return doc


def statuses(records):
    return dict((r["name"], r["status"]) for r in records)


# ---- key response ------------------------------------------------------------------------------------------

def test_good_key_response_passes_everything():
    records, good = c.check_key_response(key_doc(keys=(("ed25519:a_one", SEED), ("ed25519:a_two", SEED2))),
                                         SERVER, NOW_MS, "192.0.2.1:8448")
    assert statuses(records) == {"key_server_name": "pass", "key_valid_until": "pass", "key_ed25519": "pass",
                                 "key_signatures": "pass"}
    assert good == {"ed25519:a_one": PUB, "ed25519:a_two": PUB2}
    assert all(r["target"] == "192.0.2.1:8448" and r["ok"] and r["hint"] is None for r in records)


def test_server_name_mismatch():
    records, _unused = c.check_key_response(key_doc(server="matrix.example.org"), SERVER, NOW_MS)
    (rec,) = [r for r in records if r["name"] == "key_server_name"]
    assert rec["status"] == "fail" and "'matrix.example.org'" in rec["detail"]
    assert "not the delegated host" in rec["hint"]
    # signatures are by matrix.example.org, so none from example.org
    assert statuses(records)["key_signatures"] == "fail"


def test_server_name_with_a_port_the_server_does_not_have():
    records, _unused = c.check_key_response(key_doc(), SERVER + ":8448", NOW_MS)
    rec = [r for r in records if r["name"] == "key_server_name"][0]
    assert rec["status"] == "fail" and "port is part of the server name only when" in rec["hint"]


def test_valid_until_in_the_past_and_soon():
    records, _unused = c.check_key_response(key_doc(vut=NOW_MS - 1), SERVER, NOW_MS)
    assert statuses(records)["key_valid_until"] == "fail"
    records, _unused = c.check_key_response(key_doc(vut=NOW_MS + 60 * 1000), SERVER, NOW_MS)
    assert statuses(records)["key_valid_until"] == "warn"
    records, _unused = c.check_key_response(key_doc(vut=NOW_MS + 30 * 86400 * 1000), SERVER, NOW_MS)
    rec = [r for r in records if r["name"] == "key_valid_until"][0]
    assert rec["status"] == "pass" and "peers cache it until 2027-01-22" in rec["detail"]


@pytest.mark.parametrize("vut", [None, "123", 1.5, True])
def test_valid_until_wrong_type(vut):
    doc = key_doc()
    doc["valid_until_ts"] = vut
    records, _unused = c.check_key_response(doc, SERVER, NOW_MS)
    assert statuses(records)["key_valid_until"] == "fail"


def test_short_key_and_missing_keys():
    doc = key_doc()
    doc["verify_keys"]["ed25519:short"] = {"key": sj.unpadded_b64encode(b"x" * 31)}
    records, good = c.check_key_response(doc, SERVER, NOW_MS)
    rec = [r for r in records if r["name"] == "key_ed25519"][0]
    assert rec["status"] == "fail" and "ed25519:short" in rec["detail"]
    assert list(good) == ["ed25519:a_one"]
    doc = key_doc()
    doc["verify_keys"] = {}
    records, good = c.check_key_response(doc, SERVER, NOW_MS)
    assert statuses(records)["key_ed25519"] == "fail" and statuses(records)["key_signatures"] == "skip"


def test_tampered_or_unsigned_key_response():
    doc = key_doc()
    doc["valid_until_ts"] += 1          # signature no longer covers the content
    records, _unused = c.check_key_response(doc, SERVER, NOW_MS)
    rec = [r for r in records if r["name"] == "key_signatures"][0]
    assert rec["status"] == "fail" and "does not verify" in rec["detail"]
    doc = key_doc(keys=(("ed25519:a_one", SEED), ("ed25519:a_two", SEED2)))
    del doc["signatures"][SERVER]["ed25519:a_two"]   # every key must sign, not just the first
    records, _unused = c.check_key_response(doc, SERVER, NOW_MS)
    assert "ed25519:a_two" in [r for r in records if r["name"] == "key_signatures"][0]["detail"]


def test_not_an_object():
    records, good = c.check_key_response([1], SERVER, NOW_MS)
    assert records[0]["status"] == "fail" and good == {}


def test_consistency():
    assert c.check_consistency({})["status"] == "skip"
    assert c.check_consistency({"a": {"k": PUB}})["status"] == "pass"
    assert c.check_consistency({"a": {"k": PUB}, "b": {"k": PUB}})["status"] == "pass"
    rec = c.check_consistency({"a": {"k": PUB}, "b": {"k": PUB2}})
    assert rec["status"] == "fail" and "a: k=" in rec["detail"] and "b: k=" in rec["detail"]
    assert "same signing key" in rec["hint"]


# ---- expected keys -----------------------------------------------------------------------------------------

def test_normalise_expected_forms():
    assert c.normalise_expected(PUB) == [(None, PUB)]
    assert c.normalise_expected("ed25519:a_one %s" % PUB) == [("ed25519:a_one", PUB)]
    assert c.normalise_expected({"key_id": "ed25519:a_one", "public_key": PUB, "changed": False}) == [
        ("ed25519:a_one", PUB)]
    assert c.normalise_expected({"verify_keys": {"ed25519:x": {"key": PUB}}}) == [("ed25519:x", PUB)]
    assert c.normalise_expected([PUB, PUB2 + "="]) == [(None, PUB), (None, PUB2)]


@pytest.mark.parametrize("value, fragment", [
    ("abc", "decodes to 2 bytes"),
    ("ed25519 a_one %s" % PUB, "3 fields"),
    ("!!!", "not base64"),
    (42, "got int"),
    ([], "no key"),
    ({"key_id": "x"}, "must be a string"),
])
def test_normalise_expected_errors(value, fragment):
    with pytest.raises(ValueError, match=fragment):
        c.normalise_expected(value)


def test_expected_key_matches_and_mismatches():
    responses = {"192.0.2.1:8448": key_doc()}
    assert c.check_expected([("ed25519:a_one", PUB)], responses)["status"] == "pass"
    assert c.check_expected([(None, PUB)], responses)["status"] == "pass"
    rec = c.check_expected([("ed25519:a_one", PUB2)], responses)
    assert rec["status"] == "fail" and PUB2 in rec["detail"] and PUB in rec["detail"]
    assert "regenerated" in rec["hint"]
    rec = c.check_expected([("ed25519:other", PUB)], responses)
    assert "under another id" in rec["detail"]
    rotated = {"a": key_doc(keys=(("ed25519:a_two", SEED2),),
                            old={"ed25519:a_one": {"key": PUB, "expired_ts": NOW_MS}})}
    rec = c.check_expected([("ed25519:a_one", PUB)], rotated)
    assert rec["status"] == "fail" and "only an old (expired) key" in rec["detail"]
    assert c.check_expected([(None, PUB)], {})["status"] == "skip"


# ---- certificates ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    wd = str(tmp_path_factory.mktemp("pki"))
    ca = TestCA(wd)
    good = ca.issue("good", ["matrix.example.org", "*.example.net", "192.0.2.1"])
    other = untrusted_ca(wd).issue("other", ["matrix.example.org"])
    return good, other


def _der(cert):
    from cryptography.hazmat.primitives import serialization  # pylint: disable=import-outside-toplevel
    return cert.certificate.public_bytes(serialization.Encoding.DER)


def test_describe_and_match(certs):
    good, _other = certs
    info = c.describe_certificate(_der(good))
    assert info["dns_names"] == ["matrix.example.org", "*.example.net"]
    assert info["ip_addresses"] == ["192.0.2.1"] and info["issuer_cn"] == "fedops test CA"
    assert info["sha256"] == good.sha256 and not info["self_issued"]
    assert c.name_matches(info, "matrix.example.org") and c.name_matches(info, "MATRIX.example.org.")
    assert c.name_matches(info, "a.example.net") and not c.name_matches(info, "a.b.example.net")
    assert not c.name_matches(info, "example.net")
    assert c.name_matches(info, "192.0.2.1") and not c.name_matches(info, "192.0.2.2")
    assert c.describe_certificate(b"") == {}


def test_explain_wrong_name_untrusted_expired(certs):
    good, other = certs
    info = c.describe_certificate(_der(good))
    detail, hint = c.explain_certificate_failure("Hostname mismatch", info, "hs.example.org", "the system trust store")
    assert detail.startswith("certificate is for matrix.example.org, *.example.net, 192.0.2.1, not hs.example.org")
    assert "subjectAltName includes hs.example.org" in hint
    info2 = c.describe_certificate(_der(other))
    detail, hint = c.explain_certificate_failure("unable to get local issuer certificate", info2,
                                                 "matrix.example.org", "the CA bundle /x.pem")
    assert "issued by 'fedops untrusted CA', which the CA bundle /x.pem does not trust" in detail
    assert "federation_custom_ca_list" in hint
    detail, hint = c.explain_certificate_failure("certificate has expired", info, "matrix.example.org", "x",
                                                 now=time.time() + 400 * 86400)
    assert detail.startswith("certificate expired at") and "renew" in hint
    detail, _hint = c.explain_certificate_failure("self-signed", dict(info, self_issued=True, dns_names=["a"],
                                                                      ip_addresses=[]), "a", "x")
    assert "is self-signed" in detail


# ---- Rocket.Chat legacy --------------------------------------------------------------------------------------

DOMAIN = "chat.example.com"
KEY = legacy_public_key()


def rc_answers(https=None, http=None, tcp=None, key=None, protocol=None, **status):
    def srv(name, records):
        if name in status:
            return d.DnsAnswer(name, "SRV", status[name], error="SERVFAIL")
        return d.DnsAnswer(name, "SRV", "ok", records) if records else d.DnsAnswer(name, "SRV", "nxdomain")

    def txt(name, records):
        return d.DnsAnswer(name, "TXT", "ok", records) if records else d.DnsAnswer(name, "TXT", "nxdomain")

    return {
        "_rocketchat._https." + DOMAIN: srv("_rocketchat._https." + DOMAIN, https),
        "_rocketchat._http." + DOMAIN: srv("_rocketchat._http." + DOMAIN, http),
        "_rocketchat._tcp." + DOMAIN: srv("_rocketchat._tcp." + DOMAIN, tcp),
        "rocketchat-public-key." + DOMAIN: txt("rocketchat-public-key." + DOMAIN, key),
        "rocketchat-tcp-protocol." + DOMAIN: txt("rocketchat-tcp-protocol." + DOMAIN, protocol),
    }


SRV_443 = [d.SrvRecord(1, 1, 443, DOMAIN + ".")]


def split_key(text, size=100):
    return [text[i:i + size].encode() for i in range(0, len(text), size)]


def test_join_like_rocketchat():
    answer = d.DnsAnswer("k", "TXT", "ok", [[b"ab", b"cd"], [b"zz"]])
    assert c.join_rocketchat_txt(answer) == "abcd"
    assert c.join_rocketchat_txt(d.DnsAnswer("k", "TXT", "nxdomain")) is None


def test_public_key_der():
    assert c.public_key_der(KEY) is not None
    multi = KEY.replace("-----BEGIN PUBLIC KEY-----", "-----BEGIN PUBLIC KEY-----\n").replace(
        "-----END", "\n-----END")
    assert c.public_key_der(multi) == c.public_key_der(KEY)
    assert c.public_key_der("hello") is None
    assert c.public_key_der("-----BEGIN PUBLIC KEY-----AAAA-----END PUBLIC KEY-----") is None
    assert c.public_key_der(None) is None


def test_rocketchat_correct_split_key():
    records, url = c.rocketchat_legacy_records(DOMAIN, rc_answers(https=SRV_443, key=[split_key(KEY)]), KEY, "given")
    assert statuses(records) == {"rocketchat_srv": "pass", "rocketchat_protocol": "pass",
                                 "rocketchat_public_key_txt": "pass", "rocketchat_public_key": "pass"}
    assert url == "https://chat.example.com:443"


def test_rocketchat_order_https_before_http_before_tcp():
    http_srv = [d.SrvRecord(1, 1, 80, "h." + DOMAIN)]
    records, url = c.rocketchat_legacy_records(DOMAIN, rc_answers(https=SRV_443, http=http_srv, tcp=http_srv,
                                                                  key=[[KEY.encode()]]), KEY, "given")
    assert url.startswith("https://chat.example.com")
    records, url = c.rocketchat_legacy_records(DOMAIN, rc_answers(http=http_srv, tcp=SRV_443,
                                                                  key=[[KEY.encode()]]), KEY, "given")
    assert url == "http://h.chat.example.com:80" and statuses(records)["rocketchat_srv"] == "warn"


def test_rocketchat_first_srv_record_only():
    records_list = [d.SrvRecord(10, 1, 443, "b." + DOMAIN), d.SrvRecord(1, 1, 8443, "a." + DOMAIN)]
    records, url = c.rocketchat_legacy_records(DOMAIN, rc_answers(https=records_list, key=[[KEY.encode()]]))
    assert url == "https://b.chat.example.com:443"      # first as returned, priority ignored like Rocket.Chat
    assert statuses(records)["rocketchat_srv"] == "warn"


def test_rocketchat_tcp_only_warns_and_http_protocol_fails():
    records, url = c.rocketchat_legacy_records(DOMAIN, rc_answers(tcp=SRV_443, key=[[KEY.encode()]],
                                                                  protocol=[[b"https"]]))
    assert statuses(records)["rocketchat_protocol"] == "warn" and url.startswith("https://")
    records, url = c.rocketchat_legacy_records(DOMAIN, rc_answers(tcp=SRV_443, key=[[KEY.encode()]],
                                                                  protocol=[[b"http"]]))
    rec = [r for r in records if r["name"] == "rocketchat_protocol"][0]
    assert rec["status"] == "fail" and url.startswith("https://") and "_rocketchat._http." in rec["hint"]


def test_rocketchat_missing_and_broken_records():
    records, url = c.rocketchat_legacy_records(DOMAIN, rc_answers())
    assert statuses(records) == {"rocketchat_srv": "fail", "rocketchat_protocol": "skip",
                                 "rocketchat_public_key_txt": "fail", "rocketchat_public_key": "skip"}
    assert url is None
    records, _unused = c.rocketchat_legacy_records(DOMAIN, rc_answers(**{"_rocketchat._https." + DOMAIN: "error"}))
    assert "SERVFAIL" in records[0]["detail"]
    records, _unused = c.rocketchat_legacy_records(DOMAIN, rc_answers(https=SRV_443, key=[[b"not a key"]]), KEY, "given")
    assert statuses(records)["rocketchat_public_key_txt"] == "fail"
    records, _unused = c.rocketchat_legacy_records(DOMAIN, rc_answers(https=SRV_443, key=[[KEY.encode()], [b"x"]]),
                                                   KEY, "given")
    assert statuses(records)["rocketchat_public_key_txt"] == "warn"


def test_rocketchat_key_comparison():
    other = legacy_public_key()
    records, _unused = c.rocketchat_legacy_records(DOMAIN, rc_answers(https=SRV_443, key=[split_key(KEY)]), other,
                                                   "settings API")
    rec = [r for r in records if r["name"] == "rocketchat_public_key"][0]
    assert rec["status"] == "fail" and "settings API" in rec["detail"]
    multiline = KEY.replace("-----BEGIN PUBLIC KEY-----", "-----BEGIN PUBLIC KEY-----\n")
    records, _unused = c.rocketchat_legacy_records(DOMAIN, rc_answers(https=SRV_443, key=[split_key(KEY)]), multiline,
                                                   "given")
    assert statuses(records)["rocketchat_public_key"] == "pass"


# ---- appservice ping and settings API with a fake HTTP client --------------------------------------------------

class Resp(object):
    def __init__(self, status, body):
        self.status = status
        self.body = json.dumps(body).encode()

    def json(self):
        return json.loads(self.body.decode())


class FakeHttp(object):
    def __init__(self, response):
        self.response = response
        self.calls = []

    def request_url(self, url, method="GET", headers=None, body=None):
        self.calls.append((method, url, headers, body))
        if isinstance(self.response, Exception):
            raise self.response
        return self.response


def ctx_with(response, **options):
    opts = {"server_name": SERVER, "appservice": {"id": "rc|1", "as_token": "secret-as"}}
    opts.update(options)
    return c.CheckContext(opts, None, FakeHttp(response), None, now=1000.0)


@pytest.mark.parametrize("status, body, result, hint", [
    (200, {"duration_ms": 12}, "pass", None),
    (403, {"errcode": "M_FORBIDDEN"}, "fail", "as_token"),
    (401, {"errcode": "M_UNKNOWN_TOKEN"}, "fail", "app_service_config_files"),
    (400, {"errcode": "M_URL_NOT_SET"}, "fail", "url: null"),
    (502, {"errcode": "M_BAD_STATUS", "status": 403, "body": "{}"}, "fail", "hs_token"),
    (502, {"errcode": "M_BAD_STATUS", "status": 500}, "fail", "bridge's log"),
    (502, {"errcode": "M_CONNECTION_FAILED"}, "fail", "cannot reach the bridge"),
    (504, {"errcode": "M_CONNECTION_TIMEOUT"}, "fail", "in time"),
    (404, {"errcode": "M_UNRECOGNIZED"}, "fail", "1.84"),
])
def test_appservice_ping_outcomes(status, body, result, hint):
    ctx = ctx_with(Resp(status, body))
    rec = c.check_appservice(ctx, "https://matrix.example.org/")
    assert rec["status"] == result
    if hint:
        assert hint in rec["hint"]
    method, url, headers, sent = ctx.http.calls[0]
    assert method == "POST" and url == "https://matrix.example.org/_matrix/client/v1/appservice/rc%7C1/ping"
    assert headers == {"Authorization": "Bearer secret-as"} and sent["transaction_id"] == "fedops-check-1000000"
    assert "secret-as" not in json.dumps(rec)


def test_appservice_ping_connection_error():
    rec = c.check_appservice(ctx_with(d.HttpError("refused", "connection refused")), "https://m.example.org")
    assert rec["status"] == "fail" and "connection refused" in rec["detail"]


@pytest.mark.parametrize("status, body, fragment", [
    (401, {"success": False, "error": "You must be logged in to do this."}, "not valid"),
    (403, {"success": False, "error": "unauthorized"}, "view-privileged-setting"),
    (400, {"success": False}, "7.11"),
    (200, {"_id": "FEDERATION_Public_Key", "value": "", "success": True}, "enable legacy federation"),
])
def test_workspace_key_errors(status, body, fragment):
    ctx = ctx_with(Resp(status, body))
    key, source, rec = c.fetch_workspace_key(ctx, {"domain": DOMAIN, "url": "https://chat.example.com/",
                                                   "user_id": "u", "auth_token": "t"})
    assert key is None and rec["status"] == "fail" and rec["name"] == "rocketchat_settings"
    assert fragment in (rec["hint"] or "")
    assert ctx.http.calls[0][1] == "https://chat.example.com/api/v1/settings/FEDERATION_Public_Key"
    assert ctx.http.calls[0][2] == {"X-User-Id": "u", "X-Auth-Token": "t"}


def test_workspace_key_given_or_read():
    ctx = ctx_with(Resp(200, {"_id": "FEDERATION_Public_Key", "value": KEY, "success": True}))
    assert c.fetch_workspace_key(ctx, {"domain": DOMAIN, "public_key": "K"}) == ("K", "given", None)
    assert ctx.http.calls == []
    assert c.fetch_workspace_key(ctx, {"domain": DOMAIN}) == (None, None, None)
    key, source, rec = c.fetch_workspace_key(ctx, {"domain": DOMAIN, "url": "http://rc:3000", "user_id": "u",
                                                   "auth_token": "t"})
    assert (key, source, rec) == (KEY, "settings API", None)


# ---- orchestration with fakes (legacy only: DNS, no HTTP) and the report --------------------------------------

class FakeDns(object):
    def __init__(self, answers):
        self.answers = answers
        self.queries = 0

    def query(self, name, rdtype):
        self.queries += 1
        return self.answers[name]


def test_run_checks_legacy_only():
    answers = rc_answers(https=SRV_443, key=[split_key(KEY)])
    result = c.run_checks({"rocketchat": {"domain": DOMAIN, "public_key": KEY}}, dns_client=FakeDns(answers),
                          http_client=FakeHttp(None))
    assert result["federation_ok"] is True and result["failed_checks"] == []
    assert result["stats"]["dns_queries"] == 5
    assert result["report_lines"][0] == ("federation check chat.example.com: OK (4 passed, 0 failed, 0 warnings, "
                                         "0 skipped)")
    answers = rc_answers(https=SRV_443, key=[split_key(legacy_public_key())])
    result = c.run_checks({"rocketchat": {"domain": DOMAIN, "public_key": KEY}}, dns_client=FakeDns(answers),
                          http_client=FakeHttp(None))
    assert result["federation_ok"] is False and result["failed_checks"] == ["rocketchat_public_key"]
    assert "FAIL rocketchat_public_key [chat.example.com]" in result["report"]
    assert "  fix: publish the current FEDERATION_Public_Key" in result["report"]


def test_report_orders_failures_then_warnings():
    records = [c.record("a", "pass", "fine"), c.record("b", "warn", "meh", "do x", "t1"),
               c.record("c", "fail", "bad", "do y"), c.record("d", "skip", "n/a")]
    lines = c.render_report("example.org", records, ["step one"])
    assert lines == ["federation check example.org: FAILED (1 passed, 1 failed, 1 warnings, 1 skipped)",
                     "  step one", "FAIL c: bad", "  fix: do y", "WARN b [t1]: meh", "  fix: do x"]
    assert c.record("x", "pass", "d", "hint")["hint"] is None
    assert c.record("x", "fail", "d", "hint")["ok"] is False


def test_sequential_mode_gives_the_same_records():
    answers = rc_answers(https=SRV_443, key=[split_key(KEY)])
    options = {"rocketchat": {"domain": DOMAIN, "public_key": KEY}}
    concurrent = c.run_checks(options, dns_client=FakeDns(answers), http_client=FakeHttp(None))
    sequential = c.run_checks(options, dns_client=FakeDns(answers), http_client=FakeHttp(None), sequential=True)
    assert sequential["checks"] == concurrent["checks"]


def test_inline_executor_keeps_exceptions():
    future = c.InlineExecutor().submit(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        future.result()


@pytest.mark.parametrize("kwargs, status", [
    (dict(status=404, error="HTTP 404 Not Found"), "pass"),
    (dict(error="connection refused", error_kind="refused"), "pass"),
    (dict(error="example.org has no A or AAAA records", error_kind="dns"), "pass"),
    (dict(error="timed out", error_kind="timeout"), "warn"),
    (dict(status=500, error="HTTP 500 Internal Server Error"), "warn"),
])
def test_absent_wellknown(kwargs, status):
    wellknown = d.WellKnownResult("https://example.org/.well-known/matrix/server", "absent", **kwargs)
    assert c._wellknown_record(wellknown, None)["status"] == status


def test_invalid_wellknown_hints():
    url = "https://example.org/.well-known/matrix/server"
    rec = c._wellknown_record(d.WellKnownResult(url, "invalid", error="x", redirect_308=True), None)
    assert rec["status"] == "fail" and "308" in rec["hint"]
    rec = c._wellknown_record(d.WellKnownResult(url, "invalid", error="x", verify_error="Hostname mismatch"), None)
    assert "certificate for example.org" in rec["hint"] and "Hostname mismatch" in rec["hint"]
    rec = c._wellknown_record(d.WellKnownResult(url, "invalid", error="x", m_server="a b"), None)
    assert '"<hostname>[:<port>]"' in rec["hint"]
    assert c._wellknown_record(None, None)["status"] == "skip"
