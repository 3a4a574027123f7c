"""Rocket.Chat's legacy peer lookup (SRV order, TXT joining, node-rsa loading) against the records federation_dns
published in real BIND, with a real-size key made the way Rocket.Chat makes it."""
import hashlib
import json
import os

import pytest

from tests.support.ansible_run import run_module
from tests.support.paths import OUTPUT
from tests.support.node_peers import PEERS_DIR, run_node

ZONE = "fed.test"
DOMAIN = "legacy-peer.fed.test"


@pytest.fixture(scope="module")
def rocketchat_key(tmp_path_factory):
    """A workspace key pair from node-rsa as Rocket.Chat generates it (512 requested, regenerated at 2048).

    node-rsa generates in plain JavaScript (tens of seconds); the pair is kept in tests/output for the installed
    lockfile, so a new pinned node-rsa generates anew.
    """
    with open(os.path.join(PEERS_DIR, "package-lock.json"), "rb") as handle:
        stamp = hashlib.sha256(handle.read()).hexdigest()[:16]
    cache = os.path.join(OUTPUT, "peers-legacy-key-%s.json" % stamp)
    if os.path.exists(cache):
        with open(cache, encoding="utf-8") as handle:
            key = json.load(handle)
    else:
        key = run_node("legacy.js", ["generate"], timeout=300)
        os.makedirs(OUTPUT, exist_ok=True)
        with open(cache, "w", encoding="utf-8") as handle:
            json.dump(key, handle)
        os.chmod(cache, 0o600)
    path = tmp_path_factory.mktemp("legacy-key") / "private.pem"
    path.write_text(key["private_key"])
    os.chmod(path, 0o600)
    return dict(key, private_key_path=str(path))


def _publish(bind_server, legacy):
    return run_module("federation_dns", {
        "provider": "rfc2136", "zone": ZONE,
        "rfc2136": {"server": bind_server.host, "port": bind_server.port, "key_name": bind_server.tsig_name,
                    "key_secret": bind_server.tsig_secret, "key_algorithm": bind_server.tsig_algorithm},
        "legacy": legacy})


def test_rocketchat_keys_are_2048_bit(rocketchat_key):
    assert rocketchat_key["bits"] == 2048
    assert len(rocketchat_key["public_key"]) == 442 and "\n" not in rocketchat_key["public_key"]


def test_legacy_peer_resolves_and_loads_the_published_key(bind_server, rocketchat_key):
    _publish(bind_server, {"domain": DOMAIN, "public_key": rocketchat_key["public_key"]})
    peer = run_node("legacy.js", ["resolve", "--domain", DOMAIN, "--dns", "%s:%d" % (bind_server.host, bind_server.port),
                                  "--private-key-file", rocketchat_key["private_key_path"]])
    assert peer["hub"] is False
    assert peer["url"] == "https://%s:443" % DOMAIN
    assert peer["queried"][0] == "SRV _rocketchat._https.%s" % DOMAIN
    # one TXT record of two character-strings, joined by the peer into the exact key
    assert len(peer["txt_strings"]) == 2 and sum(peer["txt_strings"]) == 442
    assert peer["public_key"] == rocketchat_key["public_key"]
    assert peer["bits"] == 2048 and peer["round_trip"] is True


def test_legacy_peer_follows_the_http_srv(bind_server, rocketchat_key):
    domain = "legacy-http.fed.test"
    _publish(bind_server, {"domain": domain, "protocol": "http", "port": 3000,
                           "public_key": rocketchat_key["public_key"]})
    peer = run_node("legacy.js", ["resolve", "--domain", domain, "--dns", "%s:%d" % (bind_server.host, bind_server.port)])
    assert peer["url"] == "http://%s:3000" % domain
    assert peer["queried"][:2] == ["SRV _rocketchat._https.%s" % domain, "SRV _rocketchat._http.%s" % domain]
    assert peer["public_key"] == rocketchat_key["public_key"] and peer["bits"] == 2048
