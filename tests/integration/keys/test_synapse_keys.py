"""Keys made by fedops.rocketchat.signing_key, loaded into a real Synapse: published, verified, rotated."""
import base64
import json
import os
import re

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _keys
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._signedjson import (
    SignatureError,
    verify_signed_json,
)
from tests.support.ansible_run import run_module
from tests.support.synapse import SynapseServer

MODULE = "fedops.rocketchat.signing_key"
SERVER = "hs1.test"


def key_response(server):
    raw = server.get("/_matrix/key/v2/server")
    return raw, json.loads(raw)


def one_byte_changed(raw):
    """The response with one digit of valid_until_ts changed (still valid JSON, same shape)."""
    match = re.search(rb'"valid_until_ts":\s*(\d+)', raw)
    position = match.start(1) + len(match.group(1)) - 1
    changed = bytearray(raw)
    changed[position] = ord("1") if changed[position] != ord("1") else ord("2")
    return bytes(changed)


def test_synapse_publishes_our_key_verifies_and_rotates(workdir):
    path = os.path.join(workdir, "%s.signing.key" % SERVER)
    made = run_module(MODULE, {"path": path, "version": "a_Fed1"})
    with open(path, "rb") as handle:
        key_file = handle.read()

    server = SynapseServer(os.path.join(workdir, "synapse"), server_name=SERVER, signing_key_path=path)
    os.makedirs(server.workdir, exist_ok=True)
    with server:
        server.start()
        raw, body = key_response(server)
        # Synapse used our key (it did not make its own): the published key is ours
        assert body["server_name"] == SERVER
        assert body["verify_keys"] == {"ed25519:a_Fed1": {"key": made["public_key"]}}
        assert body["old_verify_keys"] == {}
        with open(path, "rb") as handle:
            assert handle.read() == key_file
        # our verifier accepts Synapse's signature ...
        verify_signed_json(body, SERVER, made["key_id"], made["public_key"])
        # ... and rejects the response after one byte changed
        with pytest.raises(SignatureError, match="does not verify"):
            verify_signed_json(json.loads(one_byte_changed(raw)), SERVER, made["key_id"], made["public_key"])
        signature = body["signatures"][SERVER][made["key_id"]]
        flipped = dict(body, signatures={SERVER: {made["key_id"]: ("A" if signature[0] != "A" else "B") + signature[1:]}})
        with pytest.raises(SignatureError):
            verify_signed_json(flipped, SERVER, made["key_id"], made["public_key"])
        # and a key with the right id but another public key is rejected too
        other = _keys.generate_signing_key("a_Fed1")
        with pytest.raises(SignatureError):
            verify_signed_json(body, SERVER, made["key_id"], other.public_key)

        # rotate: the new key signs, the old public key is published in old_verify_keys with its expired_ts
        rotated = run_module(MODULE, {"path": path, "version": "a_Fed2", "rotate": True})
        assert rotated["changed"] is True
        server.extra_config["old_signing_keys"] = rotated["old_signing_keys"]
        server.restart()
        raw, body = key_response(server)
        expired_ts = rotated["old_signing_keys"]["ed25519:a_Fed1"]["expired_ts"]
        assert body["verify_keys"] == {"ed25519:a_Fed2": {"key": rotated["public_key"]}}
        assert body["old_verify_keys"] == {"ed25519:a_Fed1": {"key": made["public_key"], "expired_ts": expired_ts}}
        verify_signed_json(body, SERVER, "ed25519:a_Fed2", rotated["public_key"])
        with pytest.raises(SignatureError):
            verify_signed_json(json.loads(one_byte_changed(raw)), SERVER, "ed25519:a_Fed2", rotated["public_key"])

        # a second rotation keeps both old keys published
        third = run_module(MODULE, {"path": path, "version": "a_Fed3", "rotate": True})
        server.extra_config["old_signing_keys"] = third["old_signing_keys"]
        server.restart()
        raw, body = key_response(server)
        assert set(body["old_verify_keys"]) == {"ed25519:a_Fed1", "ed25519:a_Fed2"}
        assert body["old_verify_keys"]["ed25519:a_Fed2"]["key"] == rotated["public_key"]
        verify_signed_json(body, SERVER, "ed25519:a_Fed3", third["public_key"])


def test_rocketchat_key_moved_into_synapse(workdir):
    """A key as Rocket.Chat stores it (padded base64 of a 32-byte seed, version setting '0') runs Synapse."""
    seed = os.urandom(32)
    rc_value = base64.b64encode(seed).decode()
    path = os.path.join(workdir, "rc.signing.key")
    moved = run_module(MODULE, {"path": path, "rocketchat_key": rc_value, "version": "0"})
    assert moved["key_id"] == "ed25519:0"
    server = SynapseServer(os.path.join(workdir, "synapse-rc"), server_name="rc.test", signing_key_path=path)
    os.makedirs(server.workdir, exist_ok=True)
    with server:
        server.start()
        raw, body = key_response(server)
    expected_public = _keys.from_rocketchat(rc_value, "0").public_key_b64
    assert body["verify_keys"] == {"ed25519:0": {"key": expected_public}}
    verify_signed_json(body, "rc.test", "ed25519:0", expected_public)
    assert rc_value not in moved["_playbook"].output
