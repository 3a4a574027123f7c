"""federation_dns with provider=rfc2136 against a real BIND 9 primary.

Messages are counted by BIND itself (statistics channel, opcode counters), so "one UPDATE" and "no
UPDATE" are what the server received, not what the module claims.
"""
import dns.rdatatype
import pytest

from tests.support.ansible_run import run_tasks

from .conftest import run_ok, run_failing, statuses, KEY_1, KEY_2, KEY_2_MULTILINE, direct_update, joined_txt, lookup, unused_udp_tcp_port

MODULE = "fedops.rocketchat.federation_dns"


@pytest.fixture(scope="module", autouse=True)
def _empty_zones(bind_server):
    """The session's BIND is shared: start this module from zones no other test wrote to (as a fresh server)."""
    bind_server.reset_zones()


def args_for(server, port=None, zone="fed.test", domain="fed.test", **kw):
    args = {
        "provider": "rfc2136",
        "zone": zone,
        "ttl": 300,
        "rfc2136": {"server": server.host, "port": port or server.port, "key_name": server.tsig_name,
                    "key_secret": server.tsig_secret, "key_algorithm": server.tsig_algorithm},
        "legacy": {"domain": domain, "target": "chat." + domain, "public_key": KEY_1},
        "matrix": {"server_name": domain, "target": "matrix." + domain, "legacy_srv": True},
        "records": [{"name": "chat." + domain, "type": "A", "values": ["127.0.0.1"]},
                    {"name": "matrix." + domain, "type": "A", "values": ["127.0.0.2"]}],
    }
    if zone is None:
        del args["zone"]
    args.update(kw)
    return args


class Counter:
    """BIND's own opcode counters around one module run."""

    def __init__(self, server):
        self.server = server
        self.before = server.opcode_counts()

    def delta(self):
        after = self.server.opcode_counts()
        return {k: after.get(k, 0) - self.before.get(k, 0) for k in ("QUERY", "UPDATE")}


def test_lifecycle_check_create_converge_change_absent(bind_server):
    zone = "fed.test"
    serial = bind_server.soa_serial(zone)

    # check mode: predicts the creation, shows the diff, sends no UPDATE, the serial does not move
    counter = Counter(bind_server)
    checked = run_ok(MODULE, args_for(bind_server), check=True, diff=True)
    assert checked["changed"] is True
    assert sorted(c["action"] for c in checked["changes"]) == ["create"] * 6
    assert counter.delta()["UPDATE"] == 0
    assert bind_server.soa_serial(zone) == serial
    diff_text = checked["_playbook"].output
    assert "+_rocketchat._https.fed.test. 300 IN SRV 1 1 443 chat.fed.test." in diff_text
    assert '+rocketchat-public-key.fed.test. 300 IN TXT "%s" "%s"' % (KEY_1[:255], KEY_1[255:]) in diff_text
    assert bind_server.tsig_secret not in diff_text

    # create: exactly one UPDATE; 6 RRsets read with one query each
    counter = Counter(bind_server)
    created = run_ok(MODULE, args_for(bind_server), diff=True)
    assert created["changed"] is True
    assert counter.delta() == {"QUERY": 6, "UPDATE": 1}
    assert created["provider_ids"]["zone"] == "fed.test." and created["provider_ids"]["message_id"] >= 0
    assert bind_server.soa_serial(zone) > serial

    key = lookup(bind_server, "rocketchat-public-key.fed.test.", "TXT")
    assert joined_txt(key).decode("ascii") == KEY_1 and len(KEY_1) == 442
    assert [len(s) for s in key[0].strings] == [255, 187]
    srv = lookup(bind_server, "_rocketchat._https.fed.test.", "SRV")
    assert [(r.priority, r.weight, r.port, r.target.to_text()) for r in srv] == [(1, 1, 443, "chat.fed.test.")]
    assert srv.ttl == 300
    for name in ("_matrix-fed._tcp.fed.test.", "_matrix._tcp.fed.test."):
        fed = lookup(bind_server, name, "SRV")
        assert [(r.priority, r.weight, r.port, r.target.to_text()) for r in fed] == [(10, 0, 8448, "matrix.fed.test.")]

    # converge: changed=false, one query per RRset, no UPDATE, serial unchanged
    serial = bind_server.soa_serial(zone)
    counter = Counter(bind_server)
    again = run_ok(MODULE, args_for(bind_server))
    assert again["changed"] is False and again["changes"] == []
    assert counter.delta() == {"QUERY": 6, "UPDATE": 0}
    assert bind_server.soa_serial(zone) == serial

    # change the key (given as a multi-line PEM): exactly one UPDATE, published single-line
    args = args_for(bind_server)
    args["legacy"]["public_key"] = KEY_2_MULTILINE
    counter = Counter(bind_server)
    changed = run_ok(MODULE, args, diff=True)
    assert changed["changed"] is True
    assert [(c["action"], c["type"]) for c in changed["changes"]] == [("update", "TXT")]
    assert counter.delta()["UPDATE"] == 1
    assert joined_txt(lookup(bind_server, "rocketchat-public-key.fed.test.", "TXT")).decode() == KEY_2
    assert "-rocketchat-public-key.fed.test. 300 IN TXT \"%s\" \"%s\"" % (KEY_1[:255], KEY_1[255:]) \
        in changed["_playbook"].output

    # absent removes exactly those records; an unrelated value in a managed RRset stays
    direct_update(bind_server, zone, replace={"other.fed.test.": ("TXT", 300, ['"keep me"'])})
    counter = Counter(bind_server)
    gone = run_ok(MODULE, dict(args, state="absent"))
    assert gone["changed"] is True and counter.delta()["UPDATE"] == 1
    for name, rtype in (("rocketchat-public-key.fed.test.", "TXT"), ("_rocketchat._https.fed.test.", "SRV"),
                        ("_matrix-fed._tcp.fed.test.", "SRV"), ("chat.fed.test.", "A")):
        assert lookup(bind_server, name, rtype) is None
    assert joined_txt(lookup(bind_server, "other.fed.test.", "TXT")) == b"keep me"
    assert lookup(bind_server, "ns1.fed.test.", "A") is not None
    counter = Counter(bind_server)
    assert run_ok(MODULE, dict(args, state="absent"))["changed"] is False
    assert counter.delta()["UPDATE"] == 0


def test_absent_keeps_other_values_of_the_rrset(bind_server):
    zone = "fed.test"
    direct_update(bind_server, zone, replace={"multi.fed.test.": ("A", 300, ["127.0.0.7", "127.0.0.8"])})
    args = {"provider": "rfc2136", "zone": zone, "rfc2136": args_for(bind_server)["rfc2136"], "state": "absent",
            "records": [{"name": "multi.fed.test", "type": "A", "values": ["127.0.0.7"]}]}
    result = run_ok(MODULE, args)
    assert result["changed"] and result["changes"][0]["action"] == "update"
    assert sorted(r.address for r in lookup(bind_server, "multi.fed.test.", "A")) == ["127.0.0.8"]


def test_txt_layout_from_elsewhere_is_not_a_change_unless_enforced(bind_server):
    zone = "fed.test"
    # someone published the key split 200 + 242 (as Route 53 users are told to split it in two)
    direct_update(bind_server, zone, replace={"rocketchat-public-key.layout.fed.test.": (
        "TXT", 300, ['"%s" "%s"' % (KEY_1[:200], KEY_1[200:])])})
    args = {"provider": "rfc2136", "zone": zone, "ttl": 300, "rfc2136": args_for(bind_server)["rfc2136"],
            "legacy": {"domain": "layout.fed.test", "public_key": KEY_1}}
    direct_update(bind_server, zone, replace={"_rocketchat._https.layout.fed.test.": ("SRV", 300, ["1 1 443 layout.fed.test."])})
    counter = Counter(bind_server)
    assert run_ok(MODULE, args)["changed"] is False
    assert counter.delta()["UPDATE"] == 0
    enforced = run_ok(MODULE, dict(args, txt_enforce_chunks=True, txt_chunk_size=128))
    assert enforced["changed"] is True
    strings = lookup(bind_server, "rocketchat-public-key.layout.fed.test.", "TXT")[0].strings
    assert [len(s) for s in strings] == [128, 128, 128, 58] and b"".join(strings).decode() == KEY_1
    assert run_ok(MODULE, dict(args, txt_enforce_chunks=True, txt_chunk_size=128))["changed"] is False


def test_long_utf8_txt_and_escapes_round_trip(bind_server):
    value = 'é€"\\;' * 120 + "😀" * 30
    args = {"provider": "rfc2136", "zone": "fed.test", "rfc2136": args_for(bind_server)["rfc2136"],
            "records": [{"name": "long.fed.test", "type": "TXT", "values": [value]}]}
    result = run_ok(MODULE, args)
    assert result["changed"] and result["provider_ids"]["transport"] == "tcp"
    rrset = lookup(bind_server, "long.fed.test.", "TXT")
    strings = rrset[0].strings
    assert all(len(s) <= 255 for s in strings) and len(strings) > 4
    assert b"".join(strings) == value.encode("utf-8")
    for s in strings:
        s.decode("utf-8")
    assert run_ok(MODULE, args)["changed"] is False


def test_concurrent_change_between_read_and_write_fails_cleanly(bind_server, bind_relay):
    zone = "fed.test"
    direct_update(bind_server, zone, replace={"_matrix-fed._tcp.race.fed.test.": ("SRV", 300, ["10 0 8448 old.fed.test."])},
                  delete=[("rocketchat-public-key.race.fed.test.", "TXT")])
    serial = bind_server.soa_serial(zone)

    def competing_writer():
        # another client edits a managed RRset after the module read it, before its UPDATE arrives
        direct_update(bind_server, zone, replace={"_matrix-fed._tcp.race.fed.test.": ("SRV", 300, ["5 0 8448 other.fed.test."])})

    bind_relay.before_update = competing_writer
    args = {"provider": "rfc2136", "zone": zone, "ttl": 300,
            "rfc2136": dict(args_for(bind_server)["rfc2136"], port=bind_relay.port),
            "legacy": {"domain": "race.fed.test", "public_key": KEY_1},
            "matrix": {"server_name": "race.fed.test", "target": "matrix.race.fed.test"}}
    failed = run_failing(MODULE, args)
    assert failed["error"] == "DNSConcurrentChangeError"
    assert "changed between the read and the write" in failed["msg"] and "nothing was applied" in failed["msg"]
    assert "_matrix-fed._tcp.race.fed.test. SRV" in failed["msg"]
    assert "Traceback" not in failed["_playbook"].output
    assert bind_relay.seen.count("UPDATE") == 1
    # the zone holds the competitor's edit and nothing of the module's (no half-applied UPDATE)
    srv = lookup(bind_server, "_matrix-fed._tcp.race.fed.test.", "SRV")
    assert [r.target.to_text() for r in srv] == ["other.fed.test."]
    assert lookup(bind_server, "rocketchat-public-key.race.fed.test.", "TXT") is None
    assert lookup(bind_server, "_rocketchat._https.race.fed.test.", "SRV") is None
    assert bind_server.soa_serial(zone) == serial + 1  # only the competitor's change
    # a re-run converges
    assert run_ok(MODULE, args)["changed"] is True
    assert [r.target.to_text() for r in lookup(bind_server, "_matrix-fed._tcp.race.fed.test.", "SRV")] == ["matrix.race.fed.test."]


def test_server_down_between_read_and_write_changes_nothing(bind_server, bind_relay):
    zone = "fed.test"
    serial = bind_server.soa_serial(zone)

    def server_goes_down():
        bind_relay.drop_updates = True   # the reads were answered; the UPDATE never is

    bind_relay.before_update = server_goes_down
    args = {"provider": "rfc2136", "zone": zone, "ttl": 300, "timeout": 1, "retries": 1,
            "rfc2136": dict(args_for(bind_server)["rfc2136"], port=bind_relay.port),
            "legacy": {"domain": "down.fed.test", "public_key": KEY_1}}
    failed = run_failing(MODULE, args)
    assert failed["error"] == "DNSNetworkError", failed["msg"]
    assert "Traceback" not in failed["_playbook"].output
    assert bind_relay.seen.count("UPDATE") >= 1
    # nothing half-applied: the zone is as it was
    assert bind_server.soa_serial(zone) == serial
    assert lookup(bind_server, "_rocketchat._https.down.fed.test.", "SRV") is None
    assert lookup(bind_server, "rocketchat-public-key.down.fed.test.", "TXT") is None
    # the server is back: the next run converges
    bind_relay.drop_updates = False
    assert run_ok(MODULE, dict(args, rfc2136=dict(args["rfc2136"], port=bind_server.port)))["changed"] is True


def test_srv_target_that_is_a_cname_in_the_zone_is_refused(bind_server):
    zone = "fed.test"
    direct_update(bind_server, zone, replace={"alias.fed.test.": ("CNAME", 300, ["chat.fed.test."])})
    args = {"provider": "rfc2136", "zone": zone, "rfc2136": args_for(bind_server)["rfc2136"],
            "matrix": {"server_name": "cn.fed.test", "target": "alias.fed.test"}}
    serial = bind_server.soa_serial(zone)
    for check in (True, False):  # check mode reads it; a real run has the server assert it in the UPDATE
        failed = run_failing(MODULE, args, check=check)
        assert "alias.fed.test. are CNAMEs" in failed["msg"] and "RFC 2782" in failed["msg"]
        assert failed["error"] == "DNSInputError"
    assert bind_server.soa_serial(zone) == serial
    assert lookup(bind_server, "_matrix-fed._tcp.cn.fed.test.", "SRV") is None


def test_wrong_tsig_secret_is_a_clear_error(bind_server):
    args = args_for(bind_server)
    args["rfc2136"]["key_secret"] = "d3JvbmdzZWNyZXR3cm9uZ3NlY3JldHdyb25nc2VjcmV0"
    failed = run_failing(MODULE, args)
    assert failed["error"] == "DNSAuthError"
    assert "TSIG" in failed["msg"] and "rfc2136.key_secret" in failed["msg"]
    assert "d3JvbmdzZWNyZXR3cm9uZ3NlY3JldHdyb25nc2VjcmV0" not in failed["_playbook"].output
    args["rfc2136"]["key_name"] = "no-such-key"
    failed = run_failing(MODULE, args)
    assert failed["error"] == "DNSAuthError" and "does not know this key" in failed["msg"]


def test_unreachable_server_bounded_retries(bind_server):
    port = unused_udp_tcp_port()
    args = args_for(bind_server, port=port, timeout=1, retries=2)
    failed = run_failing(MODULE, args)
    assert failed["error"] == "DNSNetworkError"
    assert "127.0.0.1 port %d" % port in failed["msg"] and "3 attempt(s)" in failed["msg"]


def test_bad_inputs_change_nothing(bind_server):
    good = args_for(bind_server)
    cases = [
        ("legacy", dict(good["legacy"], domain="bad domain!"), "legacy.domain"),
        ("legacy", dict(good["legacy"], port=0), "legacy.port: 0 is out of range"),
        ("legacy", dict(good["legacy"], port=70000), "legacy.port: 70000 is out of range"),
        ("legacy", dict(good["legacy"], priority=-1), "legacy.priority: -1 is out of range"),
        ("legacy", dict(good["legacy"], public_key="ssh-rsa AAAAB3Nza fedops"), "legacy.public_key: not a PEM"),
        ("matrix", dict(good["matrix"], port=70000), "matrix.port: 70000"),
        ("records", good["records"] + [{"name": "matrix.fed.test", "type": "CNAME", "values": ["x.example.net"]}],
         "matrix.fed.test"),
        ("records", [{"name": "chat.fed.test", "type": "CNAME", "values": ["lb.example.net"]}],
         "SRV target chat.fed.test. is a CNAME"),
        ("zone", "other.test", "not inside zone other.test."),
    ]
    tasks = []
    for option, value, dummy in cases:
        task_args = dict(good)
        task_args[option] = value
        tasks.append({"name": "bad %s" % option, MODULE: task_args, "ignore_errors": True})
    serial = bind_server.soa_serial("fed.test")
    counter = Counter(bind_server)
    play = run_tasks(tasks)
    assert len(play.records) == len(cases)
    for (option, value, needle), (status, result) in zip(cases, statuses(play)):
        assert status == "failed", (option, result)
        assert needle in result["msg"], (needle, result["msg"])
        assert "Traceback" not in result.get("module_stderr", "")
    assert counter.delta()["UPDATE"] == 0
    assert bind_server.soa_serial("fed.test") == serial


def test_zone_from_soa_and_wait_for_propagation(bind_server):
    args = args_for(bind_server, zone=None, domain="auto.test", wait_for_propagation=True,
                    propagation_servers=["%s:%d" % (bind_server.host, bind_server.port)], propagation_timeout=20)
    counter = Counter(bind_server)
    result = run_ok(MODULE, args)
    assert result["zone"] == "auto.test." and result["changed"]
    assert result["propagation"]["servers"] == ["%s:%d" % (bind_server.host, bind_server.port)]
    assert result["propagation"]["rounds"] >= 1
    delta = counter.delta()
    assert delta["UPDATE"] == 1
    # 1 SOA + 6 reads + 6 propagation checks
    assert delta["QUERY"] == 13
    assert lookup(bind_server, "_matrix-fed._tcp.auto.test.", "SRV") is not None


def test_udp_transport_when_asked(bind_server):
    args = {"provider": "rfc2136", "zone": "fed.test",
            "rfc2136": dict(args_for(bind_server)["rfc2136"], protocol="udp"),
            "records": [{"name": "udp.fed.test", "type": "A", "values": ["127.0.0.9"]}]}
    result = run_ok(MODULE, args)
    assert result["provider_ids"]["transport"] == "udp"
    assert lookup(bind_server, "udp.fed.test.", "A")[0].address == "127.0.0.9"
    assert lookup(bind_server, "udp.fed.test.", "A").rdtype == dns.rdatatype.A


@pytest.mark.parametrize("algorithm", ["hmac-sha512"])
def test_wrong_algorithm_is_an_auth_error(bind_server, algorithm):
    args = args_for(bind_server)
    args["rfc2136"]["key_algorithm"] = algorithm
    failed = run_failing(MODULE, args)
    assert failed["error"] == "DNSAuthError"


def test_axfr_read_method_one_message_per_read(bind_server):
    domain = "axfr.fed.test"
    args = args_for(bind_server, domain=domain)
    args["rfc2136"]["read_method"] = "axfr"
    counter = Counter(bind_server)
    assert run_ok(MODULE, args)["changed"] is True
    assert counter.delta() == {"QUERY": 1, "UPDATE": 1}
    counter = Counter(bind_server)
    again = run_ok(MODULE, args)
    assert again["changed"] is False and again["stats"]["query"] == 1
    assert counter.delta() == {"QUERY": 1, "UPDATE": 0}
    args["legacy"]["public_key"] = KEY_2
    counter = Counter(bind_server)
    changed = run_ok(MODULE, args)
    assert [(c["action"], c["type"]) for c in changed["changes"]] == [("update", "TXT")]
    assert counter.delta() == {"QUERY": 1, "UPDATE": 1}
    assert joined_txt(lookup(bind_server, "rocketchat-public-key.%s." % domain, "TXT")).decode() == KEY_2
