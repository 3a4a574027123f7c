"""Rocket.Chat's native federation library (@rocket.chat/federation-sdk) against a key made by signing_key, a real
Synapse using that key, and the records federation_dns published in real BIND."""
import json
import os

import dns.query
import dns.update
import pytest

from tests.support.ansible_run import run_module
from tests.support.dnsutil import tsig_keyring
from tests.support.node_peers import run_node
from tests.support.pki import TestCA
from tests.support.procs import free_port
from tests.support.synapse import SynapseServer

ZONE = "fed.test"
SERVER = "native.fed.test"
TARGET = "matrix-native.fed.test"


def _add_address(bind, name, address):
    keyring = tsig_keyring(bind)
    update = dns.update.UpdateMessage(ZONE, keyring=keyring, keyalgorithm=bind.tsig_algorithm)
    update.replace(name, 300, "A", address)
    dns.query.tcp(update, bind.host, port=bind.port, timeout=5)


@pytest.fixture(scope="module")
def native_lab(bind_server, tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("native-lab"))
    key_path = os.path.join(workdir, "%s.signing.key" % SERVER)
    key = run_module("signing_key", {"path": key_path, "version": "a_Peer1"})
    ca = TestCA(os.path.join(workdir, "pki"))
    cert = ca.issue("synapse", [TARGET, SERVER])
    port = free_port()
    run_module("federation_dns", {
        "provider": "rfc2136", "zone": ZONE,
        "rfc2136": {"server": bind_server.host, "port": bind_server.port, "key_name": bind_server.tsig_name,
                    "key_secret": bind_server.tsig_secret, "key_algorithm": bind_server.tsig_algorithm},
        "matrix": {"server_name": SERVER, "target": TARGET, "port": port}})
    _add_address(bind_server, TARGET + ".", "127.0.0.1")
    synapse = SynapseServer(os.path.join(workdir, "synapse"), server_name=SERVER, port=port,
                            signing_key_path=key_path, tls_certificate_path=cert.cert_path,
                            tls_private_key_path=cert.key_path)
    with synapse:
        synapse.start()
        yield {"synapse": synapse, "key": key, "key_path": key_path, "ca": ca, "bind": bind_server}


def test_sdk_derives_the_key_synapse_publishes(native_lab):
    """The SDK's key id and public key for the signing_key file equal what Synapse serves with the same file."""
    published = json.loads(native_lab["synapse"].get("/_matrix/key/v2/server"))
    sdk = run_node("native.js", ["--key-file", native_lab["key_path"], "--server-name", SERVER])
    assert published["verify_keys"] == {sdk["key_id"]: {"key": sdk["public_key"]}}
    assert sdk["key_id"] == native_lab["key"]["key_id"] == "ed25519:a_Peer1"
    assert sdk["public_key"] == native_lab["key"]["public_key"]


def test_sdk_reaches_synapse_through_the_published_records(native_lab):
    """makeSignedRequest (the SDK's path for every outgoing federation request) resolves the server name through
    the _matrix-fed._tcp SRV record in BIND and fetches Synapse's key document over TLS."""
    bind = native_lab["bind"]
    sdk = run_node("native.js", ["--key-file", native_lab["key_path"], "--server-name", "peer.example",
                                 "--target", SERVER, "--dns", "%s:%d" % (bind.host, bind.port)],
                   env={"NODE_EXTRA_CA_CERTS": native_lab["ca"].cert_path})
    assert sdk["srv_queries"][0] == "_matrix-fed._tcp.%s" % SERVER
    assert sdk["target_status"] == 200, sdk
    assert sdk["target_key"]["server_name"] == SERVER
    assert sdk["target_key"]["verify_keys"] == {
        native_lab["key"]["key_id"]: {"key": native_lab["key"]["public_key"]}}
