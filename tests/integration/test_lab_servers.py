"""The real servers the integration suite stands on answer as the real thing does."""
import json

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.update

from tests.support.dnsutil import tsig_keyring


def test_bind_answers_and_accepts_tsig_update(bind_server):
    before = bind_server.opcode_counts()
    keyring = tsig_keyring(bind_server)
    update = dns.update.UpdateMessage("example.test", keyring=keyring)
    update.replace("lab-reachable", 60, "TXT", '"hello"')
    response = dns.query.tcp(update, bind_server.host, port=bind_server.port, timeout=5)
    assert response.rcode() == dns.rcode.NOERROR
    answer = dns.query.udp(dns.message.make_query("lab-reachable.example.test.", "TXT"), bind_server.host,
                           port=bind_server.port, timeout=5)
    assert [s for rr in answer.answer for r in rr for s in r.strings] == [b"hello"]
    assert bind_server.opcode_counts()["UPDATE"] == before["UPDATE"] + 1


def test_bind_refuses_unsigned_update(bind_server):
    update = dns.update.UpdateMessage("example.test")
    update.replace("unsigned", 60, "TXT", '"nope"')
    response = dns.query.tcp(update, bind_server.host, port=bind_server.port, timeout=5)
    assert response.rcode() == dns.rcode.REFUSED


def test_pdns_api_and_dns(pdns_server):
    zone = pdns_server.api("GET", "/api/v1/servers/localhost/zones/pdns.test.")
    assert zone["name"] == "pdns.test."
    serial = pdns_server.soa_serial("pdns.test")
    pdns_server.api("PATCH", "/api/v1/servers/localhost/zones/pdns.test.", {"rrsets": [{
        "name": "lab-reachable.pdns.test.", "type": "TXT", "ttl": 60, "changetype": "REPLACE",
        "records": [{"content": '"hello"', "disabled": False}]}]})
    answer = dns.query.udp(dns.message.make_query("lab-reachable.pdns.test.", "TXT"), pdns_server.host,
                           port=pdns_server.dns_port, timeout=5)
    assert [s for rr in answer.answer for r in rr for s in r.strings] == [b"hello"]
    assert pdns_server.soa_serial("pdns.test") > serial


def test_synapse_answers(synapse_server):
    versions = json.loads(synapse_server.get("/_matrix/client/versions"))
    assert "v1.1" in versions["versions"]
    keys = json.loads(synapse_server.get("/_matrix/key/v2/server"))
    assert keys["server_name"] == "hs1.test"
    assert len(keys["verify_keys"]) == 1
