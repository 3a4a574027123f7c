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


def test_api_lifecycle(dns_pdns, pdns_relay):
    serial = dns_pdns.soa_serial("pdns.test")
    checked = run_ok(MODULE, api_args(dns_pdns, pdns_relay.url), check=True, diff=True)
    assert checked["changed"] is True and len(checked["changes"]) == 5
    assert pdns_relay.count("PATCH") == 0 and dns_pdns.soa_serial("pdns.test") == serial
    assert dns_pdns.api_key not in checked["_playbook"].output
    assert checked["zone"] == "pdns.test."  # found through the API's zone list

    pdns_relay.calls.clear()
    created = run_ok(MODULE, api_args(dns_pdns, pdns_relay.url))
    assert created["changed"] is True and created["provider_ids"]["zone_id"] == "pdns.test."
    assert pdns_relay.count("PATCH") == 1
    assert dns_pdns.soa_serial("pdns.test") > serial
    assert joined_txt(lookup(dns_pdns, "rocketchat-public-key.pdns.test.", "TXT")).decode() == KEY_1
    srv = lookup(dns_pdns, "_matrix-fed._tcp.pdns.test.", "SRV")
    assert [(r.priority, r.weight, r.port, r.target.to_text()) for r in srv] == [(10, 0, 8448, "matrix.pdns.test.")]
    srv = lookup(dns_pdns, "_rocketchat._https.pdns.test.", "SRV")
    assert [(r.priority, r.weight, r.port, r.target.to_text()) for r in srv] == [(1, 1, 443, "chat.pdns.test.")]

    pdns_relay.calls.clear()
    serial = dns_pdns.soa_serial("pdns.test")
    again = run_ok(MODULE, api_args(dns_pdns, pdns_relay.url))
    assert again["changed"] is False
    assert pdns_relay.count("PATCH") == 0 and pdns_relay.count("GET") == 2  # zone list + one zone read
    assert dns_pdns.soa_serial("pdns.test") == serial

    pdns_relay.calls.clear()
    args = api_args(dns_pdns, pdns_relay.url, zone="pdns.test")
    args["legacy"]["public_key"] = KEY_2
    changed = run_ok(MODULE, args, diff=True)
    assert [(c["action"], c["type"]) for c in changed["changes"]] == [("update", "TXT")]
    assert pdns_relay.count("PATCH") == 1
    assert joined_txt(lookup(dns_pdns, "rocketchat-public-key.pdns.test.", "TXT")).decode() == KEY_2

    pdns_relay.calls.clear()
    gone = run_ok(MODULE, dict(args, state="absent"))
    assert gone["changed"] and pdns_relay.count("PATCH") == 1
    assert lookup(dns_pdns, "rocketchat-public-key.pdns.test.", "TXT") is None
    assert lookup(dns_pdns, "_matrix-fed._tcp.pdns.test.", "SRV") is None
    assert lookup(dns_pdns, "ns1.pdns.test.", "A") is not None


def test_api_concurrent_change_is_refused(dns_pdns, pdns_relay):
    domain = "race.pdns.test"
    gets = []

    def competitor(method, path):
        if method == "GET" and path.endswith("/zones/pdns.test."):
            gets.append(path)
            if len(gets) == 2:  # after the module's read, before its verification and PATCH
                dns_pdns.api("PATCH", "/api/v1/servers/localhost/zones/pdns.test.", {"rrsets": [{
                    "name": "_matrix-fed._tcp.%s." % domain, "type": "SRV", "ttl": 300, "changetype": "REPLACE",
                    "records": [{"content": "5 0 8448 other.pdns.test.", "disabled": False}]}]})

    pdns_relay.before = competitor
    args = api_args(dns_pdns, pdns_relay.url, domain=domain, zone="pdns.test")
    failed = run_failing(MODULE, args)
    assert failed["error"] == "DNSConcurrentChangeError" and "nothing was written" in failed["msg"]
    assert "_matrix-fed._tcp.race.pdns.test. SRV" in failed["msg"]
    assert pdns_relay.count("PATCH") == 0
    assert [r.target.to_text() for r in lookup(dns_pdns, "_matrix-fed._tcp.%s." % domain, "SRV")] == ["other.pdns.test."]
    assert lookup(dns_pdns, "rocketchat-public-key.%s." % domain, "TXT") is None
    pdns_relay.before = None
    assert run_ok(MODULE, args)["changed"] is True


def test_api_errors(dns_pdns):
    wrong = api_args(dns_pdns, zone="pdns.test")
    wrong["powerdns"]["api_key"] = "not-the-key"
    failed = run_failing(MODULE, wrong)
    assert failed["error"] == "DNSAuthError" and "powerdns.api_key" in failed["msg"]
    assert "not-the-key" not in failed["_playbook"].output

    port = unused_udp_tcp_port()
    down = api_args(dns_pdns, url="http://127.0.0.1:%d" % port, zone="pdns.test", retries=1, timeout=2)
    failed = run_failing(MODULE, down)
    assert failed["error"] == "DNSNetworkError" and "2 attempt(s)" in failed["msg"]

    missing = api_args(dns_pdns, zone="nothere.test", domain="nothere.test")
    failed = run_failing(MODULE, missing)
    assert "no zone nothere.test." in failed["msg"]


def test_rfc2136_on_powerdns_and_cross_provider_convergence(dns_pdns, pdns_relay):
    before = updates(dns_pdns)
    serial = dns_pdns.soa_serial("rfc.pdns.test")
    assert run_ok(MODULE, rfc_args(dns_pdns), check=True)["changed"] is True
    assert updates(dns_pdns) == before and dns_pdns.soa_serial("rfc.pdns.test") == serial

    created = run_ok(MODULE, rfc_args(dns_pdns))
    assert created["changed"] is True and updates(dns_pdns) == before + 1
    assert joined_txt(lookup(dns_pdns, "rocketchat-public-key.rfc.pdns.test.", "TXT")).decode() == KEY_1
    assert dns_pdns.soa_serial("rfc.pdns.test") > serial

    assert run_ok(MODULE, rfc_args(dns_pdns))["changed"] is False
    assert updates(dns_pdns) == before + 1

    args = rfc_args(dns_pdns)
    args["legacy"]["public_key"] = KEY_2
    changed = run_ok(MODULE, args)
    assert [(c["action"], c["type"]) for c in changed["changes"]] == [("update", "TXT")]
    assert updates(dns_pdns) == before + 2
    assert joined_txt(lookup(dns_pdns, "rocketchat-public-key.rfc.pdns.test.", "TXT")).decode() == KEY_2

    # what RFC 2136 wrote is, for the API provider, already right: no PATCH
    pdns_relay.calls.clear()
    api = dict(args, provider="powerdns", powerdns={"api_url": pdns_relay.url, "api_key": dns_pdns.api_key})
    del api["rfc2136"]
    assert run_ok(MODULE, api)["changed"] is False
    assert pdns_relay.count("PATCH") == 0

    wrong = rfc_args(dns_pdns)
    wrong["rfc2136"]["key_secret"] = "d3JvbmdzZWNyZXR3cm9uZ3NlY3JldHdyb25nc2VjcmV0"
    failed = run_failing(MODULE, wrong)
    assert failed["error"] == "DNSAuthError" and "TSIG" in failed["msg"]

    gone = run_ok(MODULE, dict(args, state="absent"))
    assert gone["changed"] and updates(dns_pdns) == before + 3
    assert lookup(dns_pdns, "_rocketchat._https.rfc.pdns.test.", "SRV") is None


def test_rfc2136_concurrent_change_on_powerdns(dns_pdns):
    """PowerDNS checks the UPDATE's prerequisites too: an edit made after the read fails the write.

    Runs the engine in-process and lets a competitor write right after the provider's read, before
    the UPDATE is sent.
    """
    domain = "race.rfc.pdns.test"
    name = "_matrix-fed._tcp.%s." % domain
    direct_update(dns_pdns, "rfc.pdns.test", port=dns_pdns.dns_port,
                  replace={name: ("SRV", 300, ["10 0 8448 old.rfc.pdns.test."])})
    params = rfc_args(dns_pdns, domain=domain)
    params.update(state="present", timeout=5, retries=1, txt_chunk_size=255)
    provider = _module.make_provider(params)
    original_read = provider.read

    def read_then_competitor(zone, keys):
        result = original_read(zone, keys)
        provider.read = original_read
        direct_update(dns_pdns, "rfc.pdns.test", port=dns_pdns.dns_port,
                      replace={name: ("SRV", 300, ["5 0 8448 other.rfc.pdns.test."])})
        return result

    provider.read = read_then_competitor
    serial = dns_pdns.soa_serial("rfc.pdns.test")
    with pytest.raises(DNSConcurrentChangeError) as err:
        _engine.run(provider, params)
    assert "nothing was applied" in err.value.msg and provider.stats["update"] == 1
    assert [r.target.to_text() for r in lookup(dns_pdns, name, "SRV")] == ["other.rfc.pdns.test."]
    assert lookup(dns_pdns, "rocketchat-public-key.%s." % domain, "TXT") is None
    assert dns_pdns.soa_serial("rfc.pdns.test") == serial + 1
