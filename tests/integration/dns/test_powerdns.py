"""federation_dns against PowerDNS Authoritative: its HTTP API (provider=powerdns) and RFC 2136.

API calls are counted by a recording relay in front of the API; RFC 2136 UPDATEs by PowerDNS's own
`dnsupdate-queries` statistic.
"""
import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._dns import _engine, _module
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._errors import DNSConcurrentChangeError

from .conftest import run_ok, KEY_1, KEY_2, direct_update, joined_txt, lookup, run_failing, unused_udp_tcp_port

MODULE = "fedops.rocketchat.federation_dns"


def intent(domain, key=KEY_1):
    return {
        "ttl": 300,
        "legacy": {"domain": domain, "target": "chat." + domain, "public_key": key},
        "matrix": {"server_name": domain, "target": "matrix." + domain},
        "records": [{"name": "chat." + domain, "type": "A", "values": ["127.0.0.1"]},
                    {"name": "matrix." + domain, "type": "AAAA", "values": ["::1"]}],
    }


def api_args(pdns, url=None, domain="pdns.test", **kw):
    args = dict(intent(domain), provider="powerdns", powerdns={"api_url": url or pdns.api_url, "api_key": pdns.api_key})
    args.update(kw)
    return args


def rfc_args(pdns, domain="rfc.pdns.test", **kw):
    args = dict(intent(domain), provider="rfc2136", zone="rfc.pdns.test",
                rfc2136={"server": pdns.host, "port": pdns.dns_port, "key_name": pdns.tsig_name,
                         "key_secret": pdns.tsig_secret, "key_algorithm": pdns.tsig_algorithm})
    args.update(kw)
    return args


def updates(pdns):
    return int(pdns.statistics()["dnsupdate-queries"])


def test_api_lifecycle(pdns_server, pdns_relay):
    serial = pdns_server.soa_serial("pdns.test")
    checked = run_ok(MODULE, api_args(pdns_server, pdns_relay.url), check=True, diff=True)
    assert checked["changed"] is True and len(checked["changes"]) == 5
    assert pdns_relay.count("PATCH") == 0 and pdns_server.soa_serial("pdns.test") == serial
    assert pdns_server.api_key not in checked["_playbook"].output
    assert checked["zone"] == "pdns.test."  # found through the API's zone list

    pdns_relay.calls.clear()
    created = run_ok(MODULE, api_args(pdns_server, pdns_relay.url))
    assert created["changed"] is True and created["provider_ids"]["zone_id"] == "pdns.test."
    assert pdns_relay.count("PATCH") == 1
    assert pdns_server.soa_serial("pdns.test") > serial
    assert joined_txt(lookup(pdns_server, "rocketchat-public-key.pdns.test.", "TXT")).decode() == KEY_1
    srv = lookup(pdns_server, "_matrix-fed._tcp.pdns.test.", "SRV")
    assert [(r.priority, r.weight, r.port, r.target.to_text()) for r in srv] == [(10, 0, 8448, "matrix.pdns.test.")]
    srv = lookup(pdns_server, "_rocketchat._https.pdns.test.", "SRV")
    assert [(r.priority, r.weight, r.port, r.target.to_text()) for r in srv] == [(1, 1, 443, "chat.pdns.test.")]

    pdns_relay.calls.clear()
    serial = pdns_server.soa_serial("pdns.test")
    again = run_ok(MODULE, api_args(pdns_server, pdns_relay.url))
    assert again["changed"] is False
    assert pdns_relay.count("PATCH") == 0 and pdns_relay.count("GET") == 2  # zone list + one zone read
    assert pdns_server.soa_serial("pdns.test") == serial

    pdns_relay.calls.clear()
    args = api_args(pdns_server, pdns_relay.url, zone="pdns.test")
    args["legacy"]["public_key"] = KEY_2
    changed = run_ok(MODULE, args, diff=True)
    assert [(c["action"], c["type"]) for c in changed["changes"]] == [("update", "TXT")]
    assert pdns_relay.count("PATCH") == 1
    assert joined_txt(lookup(pdns_server, "rocketchat-public-key.pdns.test.", "TXT")).decode() == KEY_2

    pdns_relay.calls.clear()
    gone = run_ok(MODULE, dict(args, state="absent"))
    assert gone["changed"] and pdns_relay.count("PATCH") == 1
    assert lookup(pdns_server, "rocketchat-public-key.pdns.test.", "TXT") is None
    assert lookup(pdns_server, "_matrix-fed._tcp.pdns.test.", "SRV") is None
    assert lookup(pdns_server, "ns1.pdns.test.", "A") is not None


def test_api_concurrent_change_is_refused(pdns_server, pdns_relay):
    domain = "race.pdns.test"
    gets = []

    def competitor(method, path):
        if method == "GET" and path.endswith("/zones/pdns.test."):
            gets.append(path)
            if len(gets) == 2:  # after the module's read, before its verification and PATCH
                pdns_server.api("PATCH", "/api/v1/servers/localhost/zones/pdns.test.", {"rrsets": [{
                    "name": "_matrix-fed._tcp.%s." % domain, "type": "SRV", "ttl": 300, "changetype": "REPLACE",
                    "records": [{"content": "5 0 8448 other.pdns.test.", "disabled": False}]}]})

    pdns_relay.before = competitor
    args = api_args(pdns_server, pdns_relay.url, domain=domain, zone="pdns.test")
    failed = run_failing(MODULE, args)
    assert failed["error"] == "DNSConcurrentChangeError" and "nothing was written" in failed["msg"]
    assert "_matrix-fed._tcp.race.pdns.test. SRV" in failed["msg"]
    assert pdns_relay.count("PATCH") == 0
    assert [r.target.to_text() for r in lookup(pdns_server, "_matrix-fed._tcp.%s." % domain, "SRV")] == ["other.pdns.test."]
    assert lookup(pdns_server, "rocketchat-public-key.%s." % domain, "TXT") is None
    pdns_relay.before = None
    assert run_ok(MODULE, args)["changed"] is True


def test_api_errors(pdns_server):
    wrong = api_args(pdns_server, zone="pdns.test")
    wrong["powerdns"]["api_key"] = "not-the-key"
    failed = run_failing(MODULE, wrong)
    assert failed["error"] == "DNSAuthError" and "powerdns.api_key" in failed["msg"]
    assert "not-the-key" not in failed["_playbook"].output

    port = unused_udp_tcp_port()
    down = api_args(pdns_server, url="http://127.0.0.1:%d" % port, zone="pdns.test", retries=1, timeout=2)
    failed = run_failing(MODULE, down)
    assert failed["error"] == "DNSNetworkError" and "2 attempt(s)" in failed["msg"]

    missing = api_args(pdns_server, zone="nothere.test", domain="nothere.test")
    failed = run_failing(MODULE, missing)
    assert "no zone nothere.test." in failed["msg"]


def test_rfc2136_on_powerdns_and_cross_provider_convergence(pdns_server, pdns_relay):
    before = updates(pdns_server)
    serial = pdns_server.soa_serial("rfc.pdns.test")
    assert run_ok(MODULE, rfc_args(pdns_server), check=True)["changed"] is True
    assert updates(pdns_server) == before and pdns_server.soa_serial("rfc.pdns.test") == serial

    created = run_ok(MODULE, rfc_args(pdns_server))
    assert created["changed"] is True and updates(pdns_server) == before + 1
    assert joined_txt(lookup(pdns_server, "rocketchat-public-key.rfc.pdns.test.", "TXT")).decode() == KEY_1
    assert pdns_server.soa_serial("rfc.pdns.test") > serial

    assert run_ok(MODULE, rfc_args(pdns_server))["changed"] is False
    assert updates(pdns_server) == before + 1

    args = rfc_args(pdns_server)
    args["legacy"]["public_key"] = KEY_2
    changed = run_ok(MODULE, args)
    assert [(c["action"], c["type"]) for c in changed["changes"]] == [("update", "TXT")]
    assert updates(pdns_server) == before + 2
    assert joined_txt(lookup(pdns_server, "rocketchat-public-key.rfc.pdns.test.", "TXT")).decode() == KEY_2

    # what RFC 2136 wrote is, for the API provider, already right: no PATCH
    pdns_relay.calls.clear()
    api = dict(args, provider="powerdns", powerdns={"api_url": pdns_relay.url, "api_key": pdns_server.api_key})
    del api["rfc2136"]
    assert run_ok(MODULE, api)["changed"] is False
    assert pdns_relay.count("PATCH") == 0

    wrong = rfc_args(pdns_server)
    wrong["rfc2136"]["key_secret"] = "d3JvbmdzZWNyZXR3cm9uZ3NlY3JldHdyb25nc2VjcmV0"
    failed = run_failing(MODULE, wrong)
    assert failed["error"] == "DNSAuthError" and "TSIG" in failed["msg"]

    gone = run_ok(MODULE, dict(args, state="absent"))
    assert gone["changed"] and updates(pdns_server) == before + 3
    assert lookup(pdns_server, "_rocketchat._https.rfc.pdns.test.", "SRV") is None


def test_rfc2136_concurrent_change_on_powerdns(pdns_server):
    """PowerDNS checks the UPDATE's prerequisites too: an edit made after the read fails the write.

    Runs the engine in-process and lets a competitor write right after the provider's read, before
    the UPDATE is sent.
    """
    domain = "race.rfc.pdns.test"
    name = "_matrix-fed._tcp.%s." % domain
    direct_update(pdns_server, "rfc.pdns.test", port=pdns_server.dns_port,
                  replace={name: ("SRV", 300, ["10 0 8448 old.rfc.pdns.test."])})
    params = rfc_args(pdns_server, domain=domain)
    params.update(state="present", timeout=5, retries=1, txt_chunk_size=255)
    provider = _module.make_provider(params)
    original_read = provider.read

    def read_then_competitor(zone, keys):
        result = original_read(zone, keys)
        provider.read = original_read
        direct_update(pdns_server, "rfc.pdns.test", port=pdns_server.dns_port,
                      replace={name: ("SRV", 300, ["5 0 8448 other.rfc.pdns.test."])})
        return result

    provider.read = read_then_competitor
    serial = pdns_server.soa_serial("rfc.pdns.test")
    with pytest.raises(DNSConcurrentChangeError) as err:
        _engine.run(provider, params)
    assert "nothing was applied" in err.value.msg and provider.stats["update"] == 1
    assert [r.target.to_text() for r in lookup(pdns_server, name, "SRV")] == ["other.rfc.pdns.test."]
    assert lookup(pdns_server, "rocketchat-public-key.%s." % domain, "TXT") is None
    assert pdns_server.soa_serial("rfc.pdns.test") == serial + 1
