"""federation_probe through ansible-playbook between two real Synapse homeservers federating over TLS.

The probe passes (each side sees the other's message), check mode creates nothing, and with hs-b.test's
``federation_domain_whitelist`` shutting hs-a.test out it fails at the invite with the allow-list hint. After a
pass and after a failure neither probe account is in any room.
"""
import json
import os

import requests

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


# --- Rocket.Chat's bridge way of downloading remote media ----------------------------------------------------
AS_TOKEN = "probe-lab-bridge-as-token"
BRIDGE_USER = "@rc_probe:hs-a.test"


def _bridge_registration(lab):
    """An application service on hs-a.test as Rocket.Chat's bridge registers (no listener: url null)."""
    path = os.path.join(lab.workdir, "bridge-registration.yaml")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump({"id": "rocketchat", "url": None, "as_token": AS_TOKEN, "hs_token": "probe-lab-bridge-hs-token",
                   "sender_localpart": "rocketchat_bot", "rate_limited": False,
                   "namespaces": {"users": [{"exclusive": True, "regex": "@rc_.*:hs-a\\.test"}],
                                  "rooms": [], "aliases": []}}, handle)
    return path


def _anonymous_r0(lab, server, media_id):
    """What an unauthenticated r0 download on hs-a.test answers (status, errcode)."""
    response = requests.get("%s/_matrix/media/r0/download/%s/%s" % (lab["hs-a.test"].url, server, media_id),
                            verify=lab.ca.cert_path, timeout=60)
    return response.status_code, (response.json() if response.status_code != 200 else {}).get("errcode")


def test_bridge_media_fails_with_authenticated_media_and_passes_without(probe_lab):
    """A bridge account (as_token) on hs-a.test: Rocket.Chat's way of downloading hs-b.test's file (no token, r0 on
    hs-a.test) fails with the fix while either side keeps Synapse's default enable_authenticated_media, and passes
    with it off on both sides."""
    lab = probe_lab.lab
    appservice = {"app_service_config_files": [_bridge_registration(lab)]}
    args = probe_lab.args(local={"homeserver_url": lab["hs-a.test"].url, "as_token": AS_TOKEN,
                                 "user_id": BRIDGE_USER, "ca_path": lab.ca.cert_path},
                          typing=False, reaction=False, timeout=20)
    observed = {}
    try:
        lab.reconfigure("hs-a.test", appservice)
        requests.post("%s/_matrix/client/v3/register" % lab["hs-a.test"].url, verify=lab.ca.cert_path, timeout=60,
                      headers={"Authorization": "Bearer %s" % AS_TOKEN},
                      json={"type": "m.login.application_service", "username": "rc_probe"}).raise_for_status()
        observed["on/on"] = _anonymous_r0(lab, "hs-a.test", "NoSuchMediaIdAtAll")
        result = run_module(MODULE, args, expect_failure=True)
        media = _steps(result)["media"]
        assert result["failed_step"] == "media", json.dumps(result["steps"], indent=1)
        assert "/_matrix/media/r0/download/hs-b.test/" in media["detail"] and "404" in media["detail"]
        assert "enable_authenticated_media: false on hs-a.test" in media["hint"]
        assert "synapse_enable_authenticated_media" in media["hint"] and "hs-b.test must serve" in media["hint"]
        assert probe_lab.joined_rooms() == NOTHING
        # bridge_media=warn: the step passes, the warning carries the hint
        result = run_module(MODULE, dict(args, bridge_media="warn"))
        assert result["ok"] is True and "WARNING" in _steps(result)["media"]["detail"], result["verdict"]

        # off on the bridge's Synapse only: hs-b.test (authenticated media on) refuses the legacy federation path
        lab.reconfigure("hs-a.test", dict(appservice, enable_authenticated_media=False))
        observed["off/on"] = _anonymous_r0(lab, "hs-a.test", "NoSuchMediaIdAtAll")
        result = run_module(MODULE, args, expect_failure=True)
        assert result["failed_step"] == "media", json.dumps(result["steps"], indent=1)
        assert "hs-b.test must serve media" in _steps(result)["media"]["hint"]
        assert "404 M_NOT_FOUND" in _steps(result)["media"]["detail"]

        # off on both: Rocket.Chat's way works
        lab.reconfigure("hs-b.test", {"enable_authenticated_media": False})
        result = run_module(MODULE, args)
        assert result["ok"] is True, result["verdict"]
        assert "Rocket.Chat's bridge way (no token, /_matrix/media/r0/download on hs-a.test) fetched " \
               "mxc://hs-b.test/" in _steps(result)["media"]["detail"]
        assert probe_lab.joined_rooms() == NOTHING
        # a media id that cannot exist gets the same answer in both modes: federation_check cannot tell the modes
        # apart without a real file, which is why the probe checks this
        assert observed["on/on"] == observed["off/on"] == (404, "M_NOT_FOUND"), observed
    finally:
        lab.reconfigure("hs-b.test", None)
        lab.reconfigure("hs-a.test", None)
