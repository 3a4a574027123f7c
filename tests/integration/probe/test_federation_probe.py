"""federation_probe through ansible-playbook between two real Synapse homeservers federating over TLS.

The probe passes (each side sees the other's message), check mode creates nothing, and with hs-b.test's
``federation_domain_whitelist`` shutting hs-a.test out it fails at the invite with the allow-list hint. After a
pass and after a failure neither probe account is in any room.
"""
import json

from tests.support.ansible_run import run_module

MODULE = "fedops.rocketchat.federation_probe"
NOTHING = {"hs-a.test": [], "hs-b.test": []}


def _steps(result):
    return dict((s["name"], s) for s in result["steps"])


def test_probe_passes_between_the_two_servers(probe_lab):
    rooms_before = probe_lab.total_rooms_a()
    result = run_module(MODULE, probe_lab.args())
    assert result["changed"] is False
    assert result["ok"] is True, result["verdict"]
    steps = _steps(result)
    assert [s["name"] for s in result["steps"]] == [
        "accounts", "create_room", "invite", "invite_received", "join", "message_to_remote", "message_to_local",
        "typing", "reaction", "media", "cleanup"]
    assert set(s["status"] for s in result["steps"]) == {"pass"}, json.dumps(result["steps"], indent=1)
    # the message sent on hs-a.test was seen, with its event id, by the account on hs-b.test (and back)
    assert steps["message_to_remote"]["detail"] == "%s saw %s from %s" % (
        probe_lab.b.user_id, result["event_ids"]["message_to_remote"], probe_lab.a.user_id)
    assert steps["message_to_local"]["detail"].startswith(probe_lab.a.user_id + " saw $")
    assert "client/v1 endpoint" in steps["media"]["detail"]
    # room version 12 (Synapse's default) ids carry no server name
    assert result["round_trip_ms"] > 0 and result["room_id"].startswith("!")
    assert result["verdict"].startswith("federation probe @probe:hs-a.test -> @probe:hs-b.test: OK")
    # a real room was made on hs-a.test, and nothing is left joined on either side
    assert probe_lab.total_rooms_a() == rooms_before + 1
    assert probe_lab.joined_rooms() == NOTHING
    output = result["_playbook"].output
    for token in (probe_lab.a.access_token, probe_lab.b.access_token):
        assert token not in output


def test_check_mode_does_nothing(probe_lab):
    rooms_before = probe_lab.total_rooms_a()
    result = run_module(MODULE, probe_lab.args(), check=True)
    assert result["changed"] is False and result["ok"] is None
    assert set(s["status"] for s in result["steps"]) == {"planned"}
    assert result["room_id"] is None
    assert probe_lab.total_rooms_a() == rooms_before
    assert probe_lab.joined_rooms() == NOTHING


def test_allow_list_excluding_the_local_server_fails_at_the_invite_with_the_hint(probe_lab):
    lab = probe_lab.lab
    lab.reconfigure("hs-b.test", {"federation_domain_whitelist": ["hs-b.test"]})
    try:
        result = run_module(MODULE, probe_lab.args(timeout=20), expect_failure=True)
        steps = _steps(result)
        assert result["failed_step"] == "invite", json.dumps(result["steps"], indent=1)
        assert "federation_domain_whitelist" in steps["invite"]["hint"]
        assert "hs-b.test" in steps["invite"]["hint"]
        assert all(steps[n]["status"] == "skip" for n in ("invite_received", "join", "message_to_remote"))
        assert steps["cleanup"]["status"] == "pass"
        assert result["msg"].startswith("federation probe @probe:hs-a.test -> @probe:hs-b.test: FAILED at invite")
        assert probe_lab.joined_rooms() == NOTHING
    finally:
        lab.reconfigure("hs-b.test", None)
