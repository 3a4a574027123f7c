"""federation_check through ansible-playbook against the loopback lab (real BIND, Synapse, TLS via a test CA).

The correct setup passes every check; each broken setup fails exactly one check, with a hint naming the fix.
Scenarios change DNS records (TSIG-signed updates) and front routes only; Synapse runs once per module.
"""
import os

from tests.emulator.rocketchat.profiles import legacy_public_key
from tests.support.ansible_run import run_tasks

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _keys

MODULE = "fedops.rocketchat.federation_check"


def run_module(module, args, check=False, expect_failure=False):
    """One task; the record's status says whether it failed (ansible-core 2.19 keeps ``failed`` out of the
    result dict the callback sees)."""
    res = run_tasks([{"name": "check", module: args, "ignore_errors": True}], check=check)
    assert res.records, res.output[-3000:]
    record = res.records[-1]
    assert (record["status"] == "failed") == expect_failure, "%s\n%s" % (record["status"], res.output[-6000:])
    result = record["result"]
    result["_playbook"] = res
    return result


def _results(res):
    """Results of a batch of tasks, with ``failed`` set from the recorded status."""
    out = []
    for record in res.records:
        record["result"]["failed"] = record["status"] == "failed"
        out.append(record["result"])
    return out


def _by_name(result, name):
    return [c for c in result["checks"] if c["name"] == name]


def _failed(result):
    return [c for c in result["checks"] if c["status"] == "fail"]


def _only_failure(result, name):
    failed = _failed(result)
    assert [c["name"] for c in failed] and all(c["name"] == name for c in failed), \
        "expected only %s to fail, got:\n%s" % (name, result.get("report"))
    assert result["failed_checks"] == [name]
    assert result["federation_ok"] is False
    assert result["changed"] is False
    for check in failed:
        assert check["hint"], check
    return failed


def test_correct_setup_passes_every_check_in_check_mode(baseline):
    lab = baseline
    before = len(lab.appservice.requests)
    result = run_module(MODULE, lab.args(), check=True)
    assert result["changed"] is False
    assert result["federation_ok"] is True, result["report"]
    statuses = dict((c["status"], 0) for c in result["checks"])
    assert set(statuses) == {"pass"}, result["report"]
    names = set(c["name"] for c in result["checks"])
    assert names >= {"server_name", "wellknown_server", "srv", "srv_target", "addresses", "connection",
                     "tls_certificate", "federation_version", "key_response", "key_server_name", "key_valid_until",
                     "key_ed25519", "key_signatures", "keys_consistent", "expected_key", "wellknown_client",
                     "appservice_ping", "appservice_transaction", "rocketchat_native_discovery", "rocketchat_srv",
                     "rocketchat_connection", "rocketchat_protocol", "rocketchat_public_key_txt",
                     "rocketchat_public_key"}
    assert all(f["reachable"] and f["required"] for f in result["peer_families"].values())
    assert sorted(result["peer_families"]) == ["matrix_spec", "rocketchat_native"]
    # the legacy SRV target answered as Rocket.Chat, over TLS verified for rc.check.test
    (connection,) = _by_name(result, "rocketchat_connection")
    assert connection["detail"] == "Rocket.Chat 6.9 answers at https://rc.check.test:443 over verified TLS"
    # the bridge got an empty transaction authenticated as Synapse >= 1.90 sends it (header only)
    transactions = [r for r in lab.appservice.requests[before:] if r[1].startswith("/_matrix/app/v1/transactions/")]
    assert [(r[0], "access_token" in r[1], r[2]) for r in transactions] == [
        ("PUT", False, "Bearer %s" % lab.hs_token)]
    # both addresses of the SRV target were checked, each with its own TLS certificate check
    assert sorted(c["target"] for c in _by_name(result, "tls_certificate")) == sorted(
        ["%s:8448" % lab.ip(11), "%s:8448" % lab.ip(14)])
    assert result["discovery"]["delegated"] == "matrix.check.test"
    assert result["discovery"]["srv"]["used"] == "_matrix-fed._tcp.matrix.check.test"
    assert result["version"]["name"] == "Synapse"
    assert result["report_lines"][0].startswith("federation check hs1.check.test + rc.check.test: OK")
    # the TXT key is split in two strings and joined as Rocket.Chat joins them
    txt = _by_name(result, "rocketchat_public_key_txt")[0]
    assert txt["data"]["value"] == lab.rc_key and "5 string(s), 442 characters" in txt["detail"]  # 100-char chunks
    assert "settings API" in _by_name(result, "rocketchat_public_key")[0]["detail"]
    # Synapse really pinged the bridge, with the hs_token
    assert lab.appservice.requests[before:] and all(
        r[2] == "Bearer %s" % lab.hs_token for r in lab.appservice.requests[before:])
    assert any(r[1].startswith("/_matrix/app/v1/ping") for r in lab.appservice.requests[before:])
    # no token in the output
    assert lab.as_token not in result["_playbook"].output
    assert lab.hs_token not in result["_playbook"].output


def test_txt_key_differs_from_workspace_key(baseline):
    lab = baseline
    other = legacy_public_key()
    lab.update([("rocketchat-public-key.rc", "TXT", ['"%s" "%s"' % (other[:255], other[255:])])])
    result = run_module(MODULE, lab.args(), expect_failure=True)
    (check,) = _only_failure(result, "rocketchat_public_key")
    assert "differs from the workspace's FEDERATION_Public_Key" in check["detail"]
    assert "publish the current FEDERATION_Public_Key in TXT rocketchat-public-key.rc.check.test" in check["hint"]
    assert "rocketchat_public_key" in result["msg"]


def test_srv_target_is_a_cname(baseline):
    lab = baseline
    lab.update([("_matrix-fed._tcp.matrix", "SRV", ["10 5 8448 alias.check.test."])])
    result = run_module(MODULE, lab.args(), expect_failure=True)
    (check,) = _only_failure(result, "srv_target")
    assert check["target"] == "alias.check.test"
    assert "is a CNAME (to fed.check.test)" in check["detail"]
    assert "RFC 2782" in check["hint"] and "fed.check.test" in check["hint"]


def test_certificate_not_trusted(baseline):
    lab = baseline
    lab.update([("_matrix-fed._tcp.matrix", "SRV", ["10 5 8448 fed-untrusted.check.test."])])
    result = run_module(MODULE, lab.args(), expect_failure=True)
    (check,) = _only_failure(result, "tls_certificate")
    assert check["target"] == "%s:8448" % lab.ip(12)
    assert "issued by 'fedops untrusted CA'" in check["detail"]
    assert "does not trust" in check["detail"] and lab.ca.cert_path in check["detail"]
    assert "federation_custom_ca_list" in check["hint"]
    # the unverified second pass still fetched and verified the keys
    assert [c["status"] for c in _by_name(result, "key_signatures")] == ["pass"]


def test_certificate_for_the_wrong_name(baseline):
    lab = baseline
    lab.update([("_matrix-fed._tcp.matrix", "SRV", ["10 5 8448 fed-wrongname.check.test."])])
    result = run_module(MODULE, lab.args(), expect_failure=True)
    (check,) = _only_failure(result, "tls_certificate")
    assert "certificate is for other.check.test, not matrix.check.test" in check["detail"]
    assert "subjectAltName includes matrix.check.test" in check["hint"]
    assert check["data"]["dns_names"] == ["other.check.test"]


def test_expected_signing_key_differs_regenerated_key(baseline, tmp_path):
    lab = baseline
    regenerated = _keys.generate_signing_key(version=lab.published_key["key_id"].split(":", 1)[1])
    key_file = tmp_path / "backup.signing.key"
    key_file.write_text(_keys.serialize_signing_keys([regenerated]))
    os.chmod(key_file, 0o600)
    args = lab.args()
    by_result = dict(args, expected_signing_key={"key_id": regenerated.key_id,
                                                 "public_key": regenerated.public_key_b64})
    by_file = dict(args, signing_key_path=str(key_file))
    del by_file["expected_signing_key"]
    res = run_tasks([{"name": "expected from a result", MODULE: by_result, "ignore_errors": True},
                     {"name": "expected from a key file", MODULE: by_file, "ignore_errors": True}])
    results = _results(res)
    assert len(results) == 2
    for result in results:
        assert result["failed"] is True
        result["changed"] = result.get("changed", False)
        (check,) = _only_failure(result, "expected_key")
        assert regenerated.public_key_b64 in check["detail"]
        assert lab.published_key["public_key"] in check["detail"]
        assert "regenerated" in check["hint"] and "old_signing_keys" in check["hint"]
    # the seed of the key file never appears in the output
    assert _keys.serialize_signing_keys([regenerated]).split()[2] not in res.output


def test_wellknown_points_to_a_closed_port(baseline):
    lab = baseline
    lab.fronts["wellknown"].set_routes(lab.wellknown_routes("matrix.check.test:8449"))
    result = run_module(MODULE, lab.args(), expect_failure=True)
    (check,) = _only_failure(result, "connection")
    assert check["target"] == "%s:8449" % lab.ip(11)
    assert "connection refused" in check["detail"]
    assert "m.server" in check["hint"] and "/.well-known/matrix/server" in check["hint"]
    assert [c["status"] for c in _by_name(result, "key_response")] == ["skip"]


def test_appservice_tokens_wrong(baseline):
    lab = baseline
    lab.appservice.hs_token = "not-the-registered-hs-token"
    wrong_as = lab.args(appservice={"id": "rocketchat_fedops", "as_token": "wrong-as-token"})
    wrong_hs = lab.args()
    res = run_tasks([{"name": "as_token wrong", MODULE: wrong_as, "ignore_errors": True},
                     {"name": "bridge rejects the hs_token", MODULE: wrong_hs, "ignore_errors": True}])
    as_result, hs_result = _results(res)
    assert as_result["failed"] and hs_result["failed"]
    as_result["changed"] = as_result.get("changed", False)
    _only_failure(as_result, "appservice_ping")
    assert as_result["failed_checks"] == ["appservice_ping"]
    assert hs_result["failed_checks"] == ["appservice_ping", "appservice_transaction"]
    (as_check,) = _by_name(as_result, "appservice_ping")
    assert "as_token" in as_check["hint"]
    (hs_check,) = _by_name(hs_result, "appservice_ping")
    assert "M_BAD_STATUS" in hs_check["detail"] and "403" in hs_check["detail"]
    assert "hs_token" in hs_check["hint"]
    # the transaction probe, tried both ways, names the token, not Synapse's legacy option
    (txn_check,) = _by_name(hs_result, "appservice_transaction")
    assert "HTTP 403" in txn_check["detail"] and txn_check["hint"].startswith("the hs_token differs")
    assert "wrong-as-token" not in res.output and lab.hs_token not in res.output


def test_wellknown_308_redirect_is_flagged(baseline):
    lab = baseline
    routes = lab.wellknown_routes()
    routes["/.well-known/matrix/server"] = ("redirect", 308, "/moved/server")
    routes["/moved/server"] = (200, {"m.server": "matrix.check.test"})
    lab.fronts["wellknown"].set_routes(routes)
    result = run_module(MODULE, lab.args(fail_on_error=False))
    # Synapse ignores the well-known, falls back to hs1.check.test:8448, where nothing listens
    assert result["federation_ok"] is False
    assert result["failed_checks"] == ["connection", "wellknown_server"]
    assert [c["target"] for c in _failed(result) if c["name"] == "connection"] == ["%s:8448" % lab.ip(10)]
    (check,) = _by_name(result, "wellknown_server")
    assert "308" in check["hint"] and "301" in check["hint"]
    assert [h["status"] for h in check["data"]["hops"]] == [308, 200]


def test_legacy_tcp_only_warns_and_given_key(baseline):
    lab = baseline
    lab.update([("_rocketchat._https.rc", "SRV", []),
                ("_rocketchat._tcp.rc", "SRV", ["1 1 443 rc.check.test."]),
                ("rocketchat-tcp-protocol.rc", "TXT", ['"https"'])])
    result = run_module(MODULE, {"rocketchat": {"domain": "rc.check.test", "public_key": lab.rc_key},
                                 "nameservers": lab.args()["nameservers"], "ca_path": lab.ca.cert_path})
    assert result["federation_ok"] is True
    assert result["warning_checks"] == ["rocketchat_protocol"]
    (check,) = _by_name(result, "rocketchat_protocol")
    assert "queried as SRV" in check["detail"] and "_rocketchat._https.rc.check.test" in check["hint"]
    assert _by_name(result, "rocketchat_public_key")[0]["status"] == "pass"
    assert "server_name" not in result


def test_matrix_tcp_only_fails_for_rocketchat_peers(baseline):
    """Only the deprecated SRV: Synapse peers follow it, Rocket.Chat 7.11+ peers go to matrix.check.test:8448,
    where nothing listens."""
    lab = baseline
    lab.update([("_matrix-fed._tcp.matrix", "SRV", []),
                ("_matrix._tcp.matrix", "SRV", ["10 5 8448 fed.check.test."]),
                ("matrix", "A", [lab.ip(10)])])
    both = lab.args(rocketchat=None, appservice=None, client_wellknown=False)
    synapse_only = dict(both, peer_families=["matrix_spec"])
    res = run_tasks([{"name": "both families", MODULE: both, "ignore_errors": True},
                     {"name": "Synapse peers only", MODULE: synapse_only, "ignore_errors": True}])
    both_result, synapse_result = _results(res)
    both_result["changed"] = both_result.get("changed", False)
    (check,) = _only_failure(both_result, "rocketchat_native_discovery")
    assert check["target"] == "matrix.check.test"
    assert "connect to matrix.check.test:8448 instead" in check["detail"] and "connection refused" in check["detail"]
    assert check["hint"] == ("publish _matrix-fed._tcp.matrix.check.test. 3600 IN SRV 10 5 8448 fed.check.test. "
                             "(the same target and port as _matrix._tcp.matrix.check.test)")
    assert both_result["peer_families"]["matrix_spec"]["reachable"] is True
    assert both_result["peer_families"]["rocketchat_native"]["reachable"] is False
    # Synapse peers still reach it through the deprecated record (with its warning)
    assert [c["status"] for c in _by_name(both_result, "srv")] == ["warn"]
    assert both_result["discovery"]["srv"]["used"] == "_matrix._tcp.matrix.check.test"
    assert [c["status"] for c in _by_name(both_result, "key_signatures")] == ["pass", "pass"]
    # with only Synapse peers required, the same server passes, warning for Rocket.Chat peers
    assert synapse_result["failed"] is False and synapse_result["federation_ok"] is True
    assert synapse_result["warning_checks"] == ["rocketchat_native_discovery", "srv"]
    assert synapse_result["peer_families"]["rocketchat_native"] == {
        "name": "Rocket.Chat native (7.11+)", "reachable": False, "required": False,
        "failed_checks": ["rocketchat_native_discovery"]}


def test_legacy_srv_to_a_port_where_nothing_listens(baseline):
    lab = baseline
    lab.update([("_rocketchat._https.rc", "SRV", ["1 1 4443 rc.check.test."])])
    result = run_module(MODULE, lab.args(server_name=None, appservice=None, expected_signing_key=None),
                        expect_failure=True)
    (check,) = _only_failure(result, "rocketchat_connection")
    assert check["detail"].startswith("GET https://rc.check.test:4443/api/info: connection refused")
    assert check["hint"].startswith("nothing listens on rc.check.test:4443, where the SRV record sends peers")
    assert result["rocketchat"]["url"] == "https://rc.check.test:4443"


def test_bad_input_fails_naming_the_option(tmp_path):
    not_pem = tmp_path / "ca.txt"
    not_pem.write_text("not a certificate\n")
    res = run_tasks([
        {"name": "bad server name", MODULE: {"server_name": "exa mple.org"}, "ignore_errors": True},
        {"name": "bad nameserver", MODULE: {"server_name": "example.org", "nameservers": ["ns.example.org"]},
         "ignore_errors": True},
        {"name": "bad override", MODULE: {"server_name": "example.org", "resolve": {"a.example.org": "nope"}},
         "ignore_errors": True},
        {"name": "bad expected key", MODULE: {"server_name": "example.org", "expected_signing_key": "abc"},
         "ignore_errors": True},
        {"name": "missing CA bundle, legacy check only", MODULE: {
            "rocketchat": {"domain": "rc.example.org", "public_key": "k"}, "ca_path": "/nonexistent/ca.pem"},
         "ignore_errors": True},
        {"name": "CA bundle that is not PEM", MODULE: {"server_name": "example.org", "ca_path": str(not_pem)},
         "ignore_errors": True},
    ])
    results = _results(res)
    messages = [r["msg"] for r in results]
    assert all(r["failed"] for r in results)
    assert messages[0].startswith("server_name 'exa mple.org'")
    assert messages[1].startswith("nameservers:")
    assert messages[2].startswith("resolve:")
    assert messages[3].startswith("expected_signing_key:")
    assert messages[4] == "ca_path: '/nonexistent/ca.pem' does not exist"
    assert messages[5].startswith("ca_path: '%s' holds no PEM certificate" % not_pem)
    assert "Errno" not in res.output
    assert "Traceback" not in res.output


def test_explicit_port_through_override_and_checking_the_delegated_host(baseline):
    lab = baseline
    nameservers = lab.args()["nameservers"]
    # the SRV target pinned to one address (DNS has two); everything passes
    pinned = {"server_name": "hs1.check.test", "resolve": {"fed.check.test": lab.ip(11)},
              "nameservers": nameservers, "ca_path": lab.ca.cert_path, "expected_signing_key": lab.published_key}
    # a port that is not part of the homeserver's server_name
    with_port = {"server_name": "hs1.check.test:8448", "resolve": {"hs1.check.test:8448": lab.ip(11)},
                 "nameservers": nameservers, "ca_path": lab.ca.cert_path, "fail_on_error": False}
    # the usual mistake: checking the delegated host instead of the server name
    delegated = {"server_name": "matrix.check.test", "nameservers": nameservers, "ca_path": lab.ca.cert_path,
                 "fail_on_error": False}
    res = run_tasks([{"name": "pinned", MODULE: pinned, "ignore_errors": True},
                     {"name": "with port", MODULE: with_port, "ignore_errors": True},
                     {"name": "delegated host", MODULE: delegated, "ignore_errors": True}])
    pinned_result, port_result, delegated_result = _results(res)
    assert pinned_result["federation_ok"] is True, pinned_result.get("report")
    assert pinned_result["discovery"]["addresses"] == ["%s:8448" % lab.ip(11)]
    assert pinned_result["discovery"]["endpoints"][0]["note"] == "override"
    assert port_result["discovery"]["wellknown"] is None
    assert port_result["failed_checks"] == ["key_server_name", "key_signatures"]
    assert "a port is part of the server name only when" in _by_name(port_result, "key_server_name")[0]["hint"]
    assert delegated_result["failed"] is False and delegated_result["federation_ok"] is False
    assert delegated_result["failed_checks"] == ["key_server_name", "key_signatures"]
    hint = _by_name(delegated_result, "key_server_name")[0]["hint"]
    assert "check the server_name, not the delegated host" in hint and "'hs1.check.test'" in hint
