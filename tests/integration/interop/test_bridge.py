"""Rocket.Chat's Matrix bridge (its own library, built as Rocket.Chat 7.10 builds it) and Synapse, both configured
by the collection, carry messages, invites and typing in both directions."""
import urllib.error
import urllib.request

import yaml

from tests.support.node_peers import MatrixUser


def _of_type(event_type, **fields):
    def match(entry):
        event = entry["event"]
        return event.get("type") == event_type and all(
            (event.get("content", {}).get(k) if k == "body" else event.get(k)) == v for k, v in fields.items())
    return match


def test_bridge_reads_what_the_collection_wrote(bridge_lab):
    """The bridge configured itself from the settings API; the registration file agrees with it."""
    state = bridge_lab.bridge.state()
    with open(bridge_lab.registration_path, encoding="utf-8") as handle:
        registration = yaml.safe_load(handle)
    assert state["registration_id"] == registration["id"] == "rocketchat_hs1_peers_test"
    assert state["domain"] == "hs1.peers.test"
    assert state["ephemeral"] is True and registration["de.sorunome.msc2409.push_ephemeral"] is True
    assert registration["url"].endswith(":%d" % state["bridge_port"])
    assert bridge_lab.synapse_options["use_appservice_legacy_authorization"] is True


def test_appservice_ping(bridge_lab):
    """Bridge.ts ping(): the homeserver pings the bridge with the hs_token and answers the bridge."""
    result = bridge_lab.bridge.call("ping")
    assert isinstance(result.get("duration_ms"), int)
    assert bridge_lab.bridge.saw(lambda e: e["handler"] == "ping")


def test_invite_message_and_typing_reach_the_bridge(bridge_lab, alice):
    """Synapse -> bridge: an invite for a Rocket.Chat user, a message and a typing notification arrive in the
    bridge's handlers (onEvent, onEphemeralEvent) through real transactions."""
    bridge = bridge_lab.bridge
    bob = bridge.call("provision", username="bob.rc", name="Bob")["user_id"]
    room = alice.create_room(invite=[bob])
    invite = bridge.wait_for(_of_type("m.room.member", state_key=bob, room_id=room), what="invite")
    assert invite["handler"] == "onEvent" and invite["event"]["content"]["membership"] == "invite"
    assert invite["forwarded_to_rocketchat"] is True

    bridge.call("join", user_id=bob, room_id=room)
    alice.send(room, "hello Rocket.Chat, from Synapse")
    message = bridge.wait_for(_of_type("m.room.message", body="hello Rocket.Chat, from Synapse"),
                              what="message")
    assert message["handler"] == "onEvent" and message["event"]["sender"] == alice.user_id

    alice.typing(room, True)
    typing = bridge.wait_for(
        lambda e: e["event"].get("type") == "m.typing" and alice.user_id in e["event"]["content"]["user_ids"],
        what="typing notification")
    assert typing["handler"] == "onEphemeralEvent" and typing["event"]["room_id"] == room


def test_message_from_the_bridge_reaches_a_synapse_user(bridge_lab):
    """bridge -> Synapse: a Rocket.Chat user's message, sent as Bridge.ts sendMessage() does, is in /sync."""
    carol = MatrixUser(bridge_lab.synapse, "carol", "carol-password-1")
    bridge = bridge_lab.bridge
    dave = bridge.call("provision", username="dave.rc", name="Dave")["user_id"]
    room = carol.create_room(invite=[dave])
    bridge.call("join", user_id=dave, room_id=room)
    carol.sync_events(timeout_ms=0)
    bridge.call("send", user_id=dave, room_id=room, msg="hello Synapse, from Rocket.Chat")
    event = carol.wait_for_message(lambda e: e["content"].get("body") == "hello Synapse, from Rocket.Chat")
    assert event["sender"] == dave and event["room_id"] == room


def test_federation_info_compares_the_registration_file(bridge_lab, tmp_path):
    """federation_info registration_path: no differences for the file the playbook wrote; a changed token and the
    ephemeral switch are reported without printing the token."""
    from tests.support.ansible_run import run_module  # pylint: disable=import-outside-toplevel
    auth = {"url": bridge_lab.rc_url, "user_id": bridge_lab.admin["_id"],
            "auth_token": bridge_lab.admin["pats"][0][1], "validate_certs": False}
    result = run_module("federation_info", dict(auth, registration_path=bridge_lab.registration_path))
    assert result["registration_differences"] == []

    with open(bridge_lab.registration_path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    data["as_token"] = "a-token-synapse-has-but-rocket-chat-does-not"
    data["de.sorunome.msc2409.push_ephemeral"] = False
    drifted = tmp_path / "drifted.yaml"
    drifted.write_text(yaml.safe_dump(data))
    result = run_module("federation_info", dict(auth, registration_path=str(drifted)))
    assert result["registration_differences"][0] == "as_token differs from Rocket.Chat's Federation_Matrix_as_token"
    assert "ephemeral events" in result["registration_differences"][1]
    assert "a-token-synapse-has" not in str(result["registration_differences"])


def test_bridge_library_accepts_transactions_only_with_the_query_token(bridge_lab):
    """matrix-appservice 0.10.0 (inside every Rocket.Chat bridge): an empty transaction authenticated with the
    Authorization header only is refused; with ?access_token= (Synapse's legacy authorization) it is accepted."""
    args = bridge_lab.appservice_args()
    assert args["legacy_authorization"] is True

    def put(path, headers):
        request = urllib.request.Request(args["url"] + path, data=b'{"events": []}', method="PUT",
                                         headers=dict(headers, **{"Content-Type": "application/json"}))
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # nosec - loopback test peer
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    bearer = {"Authorization": "Bearer %s" % args["hs_token"]}
    assert put("/_matrix/app/v1/transactions/fedops-probe-1", bearer) == 403
    assert put("/_matrix/app/v1/transactions/fedops-probe-2?access_token=%s" % args["hs_token"], bearer) == 200
    assert put("/_matrix/app/v1/transactions/fedops-probe-3?access_token=wrong", {}) == 403


def test_federation_check_transaction_passes_with_legacy_authorization(bridge_lab):
    from tests.integration.interop.test_bridge_legacy_authorization import (  # pylint: disable=import-outside-toplevel
        _appservice_checks)
    checks = _appservice_checks(bridge_lab)
    assert checks["appservice_ping"]["status"] == "pass"
    assert checks["appservice_transaction"]["status"] == "pass", checks["appservice_transaction"]
    assert "legacy authorization" in checks["appservice_transaction"]["detail"]
