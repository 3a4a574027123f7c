"""fedops.rocketchat.federation and federation_info through ansible-playbook against every emulator profile."""
import hashlib
import json
import sys

from tests.emulator.rocketchat.profiles import get_profile
from tests.integration.rocketchat.conftest import (
    ADMIN,
    ALICE,
    BAD,
    OPS,
    SECADMIN_BYPASS,
    SECADMIN_PLAIN,
    conn,
    each_profile,
    frozen_totp,
)

HS = "hs-" + "4f" * 22
AS = "as-" + "9c" * 22
BRIDGE = {"homeserver_url": "http://127.0.0.1:9", "homeserver_domain": "example.com", "bridge_url": "http://rc:3300",
          "hs_token": HS, "as_token": AS, "enable_ephemeral_events": True}
NATIVE = {"domain": "chat.example.com", "allow_list": ["*.example.org", "partner.example"], "edu_presence": True}
BRIDGE_PROFILES = ("6.9", "7.10")
CHECKED_PROFILES = ("7.10",)    # the configuration check arrived in 6.12 (C-CAT-2)


def fed(name, args, **extra):
    entry = {"name": name, "fedops.rocketchat.federation": args}
    entry.update(extra)
    return entry


def info(name, args, **extra):
    entry = {"name": name, "fedops.rocketchat.federation_info": args}
    entry.update(extra)
    return entry


def intent(rc):
    if rc.version in BRIDGE_PROFILES:
        return {"mode": "matrix_bridge", "matrix_bridge": dict(BRIDGE)}
    return {"mode": "native", "native": dict(NATIVE)}


def test_intent_per_release(rcs):
    def tasks(rc):
        own = intent(rc)
        steps = [
            fed("check", conn(rc, ADMIN, **own), check_mode=True),
            fed("apply", conn(rc, ADMIN, check_configuration=rc.version in CHECKED_PROFILES, **own)),
            fed("again", conn(rc, ADMIN, **own)),
            info("facts", conn(rc, ADMIN)),
        ]
        if rc.version in BRIDGE_PROFILES:
            default_hs = hashlib.sha256(("hs_dep-%s" % rc.version).encode()).hexdigest()
            steps += [
                fed("hidden option", conn(rc, ADMIN, mode="matrix_bridge", matrix_bridge=dict(
                    BRIDGE, bridge_localpart="bot")), ignore_errors=True),
                fed("default token", conn(rc, ADMIN, mode="matrix_bridge", matrix_bridge=dict(
                    BRIDGE, hs_token=default_hs)), ignore_errors=True),
                fed("other generation", conn(rc, ADMIN, mode="native", native=NATIVE), ignore_errors=True),
                fed("legacy", conn(rc, ADMIN, mode="legacy", legacy={"domain": "example.com"})),
            ]
        else:
            steps += [
                fed("hidden option", conn(rc, ADMIN, mode="native", native=dict(NATIVE, join_encrypted_rooms=True)),
                    ignore_errors=True),
                fed("bad domain", conn(rc, ADMIN, mode="native", native=dict(NATIVE, domain="Chat.Example.com")),
                    ignore_errors=True),
                fed("other generation", conn(rc, ADMIN, mode="matrix_bridge", matrix_bridge=BRIDGE),
                    ignore_errors=True),
                fed("legacy", conn(rc, ADMIN, mode="legacy", legacy={"domain": "example.com"}), ignore_errors=True),
            ]
        steps += [fed("disable", conn(rc, ADMIN, mode="disabled")), info("facts after", conn(rc, ADMIN))]
        return steps

    def verify(rc, res):
        r = res.results
        status = [rec["status"] for rec in res.records]
        bridge = rc.version in BRIDGE_PROFILES
        assert status == ["ok"] * 4 + ["failed"] * (3 if bridge else 4) + ["ok"] * (3 if bridge else 2)
        check, apply, again, facts = r[:4]
        assert check["changed"] and apply["changed"] and not again["changed"]
        assert check["changed_settings"] == apply["changed_settings"]
        assert HS not in res.output and AS not in res.output and HS not in json.dumps(r)
        full = get_profile(rc.version).full_version
        if rc.version in CHECKED_PROFILES:
            assert apply["configuration_checked"] and apply["configuration_status"] == "Invalid"
            assert "homeserver could not be reached" in apply["configuration_message"]
        if bridge:
            assert "Federation_Matrix_homeserver_domain" in apply["changed_settings"]
            assert facts["active_mode"] == "matrix_bridge" and facts["matrix_bridge"]["enabled"] is True
            registration = facts["matrix_bridge"]["registration_file"]
            assert "hs_token: ********" in registration and "url: http://rc:3300" in registration
            assert "de.sorunome.msc2409.push_ephemeral: true" in registration
            assert facts["matrix_bridge"]["default_tokens_in_use"] is False
            hidden, default_token, other, legacy = r[4:8]
            assert "Federation_Matrix_bridge_localpart does not exist or is hidden on Rocket.Chat %s" % full \
                in hidden["msg"]
            assert "hs_token equals Rocket.Chat's default token" in default_token["msg"]
            assert "needs Rocket.Chat 7.11 and later" in other["msg"]
            assert legacy["changed"] and legacy["legacy_status"] == "Enabled"
            assert "ENABLE_INSECURE_LEGACY_FEDERATION" in res.output      # the deprecation warning
            after = r[-1]
            assert after["active_mode"] == "disabled" and after["legacy"]["domain"] == "example.com"
            records = after["legacy"]["dns_records"]
            assert records[0]["name"] == "_rocketchat._http.example.com" and records[0]["port"] == rc.port
            assert records[1]["value"] == after["legacy"]["public_key"] and len(records[1]["value"]) == 442
            # the key the DNS records carry comes with the settings write, no federation_info call needed
            assert legacy["legacy_public_key"] == after["legacy"]["public_key"]
            # bridge write, check action (6.12+), legacy write, disable write
            assert len(rc.writes()) == (4 if rc.version in CHECKED_PROFILES else 3)
        else:
            assert apply["write_method"] == ("bulk" if rc.version == "8.6" else "method.call")
            assert facts["active_mode"] == "native" and facts["native"]["allow_list"] == NATIVE["allow_list"]
            assert facts["license"]["federation_module"] is True and facts["native"]["licensed"] is True
            assert apply["license"]["federation_module"] is True
            if rc.version in ("7.11", "8.0"):      # suffix matching before PR #39752
                assert "badpartner.example" in res.output
                assert "badpartner.example" in facts["native"]["allow_list_warnings"][0]
            else:                                  # exact matching: a bare entry admits only itself
                assert facts["native"]["allow_list_warnings"] == []
            assert facts["settings"]["Federation_Service_Matrix_Signing_Key"] == "********"
            assert "Federation_Service_Join_Encrypted_Rooms" in facts["hidden_settings"]
            hidden, bad_domain, other, legacy = r[4:8]
            assert "Federation_Service_Join_Encrypted_Rooms does not exist or is hidden on Rocket.Chat %s" % full \
                in hidden["msg"]
            assert "must be lower case" in bad_domain["msg"]
            assert "needs Rocket.Chat 4.7 to 7.10" in other["msg"]
            assert "mode=legacy is not available on Rocket.Chat %s" % full in legacy["msg"]
            assert r[-1]["active_mode"] == "disabled" and r[-1]["supported_modes"] == ["native"]
            assert len(rc.writes()) == 2
        assert r[-2]["changed"]

    each_profile(rcs, tasks, verify, diff=True)


# n calls on GET settings/:_id, then the emulator's frozen clock may skip to a window's reset on the next 429
BURST = ("import json, sys, urllib.request\n"
         "url, uid, tok, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])\n"
         "for _ in range(n):\n"
         "    req = urllib.request.Request(url + '/api/v1/settings/Site_Name', headers={'X-User-Id': uid,"
         " 'X-Auth-Token': tok})\n"
         "    try:\n"
         "        urllib.request.urlopen(req, timeout=5).read()\n"
         "    except Exception:\n"
         "        pass\n"
         "req = urllib.request.Request(url + '/_emulator/clock', data=json.dumps({'skip_on_429': True}).encode(),"
         " headers={'Content-Type': 'application/json'}, method='POST')\n"
         "urllib.request.urlopen(req, timeout=5).read()\n")


def test_acceptance_cases_for_both_modules(rcs):
    def tasks(rc):
        # 30 calls per window for non-admins here (both are settings), so the federation_info reads fit one
        # window; the emulator's clock stands still (C-EMU-3) from here, so every call up to the burst lands in
        # that window and the TOTP code stays valid, however slow the machine; after the burst, the module's 429
        # moves the clock to the window's reset (its wait is at most the 2 s window)
        rc.set_settings({"API_Enable_Rate_Limiter_Limit_Calls_Default": 30,
                         "API_Enable_Rate_Limiter_Limit_Time_Default": 2000})
        code = frozen_totp(rc, skip_on_429=False)
        own = intent(rc)
        other = dict(own)
        if rc.version in BRIDGE_PROFILES:
            other["matrix_bridge"] = dict(BRIDGE, homeserver_domain="example.net")
        else:
            other["native"] = dict(NATIVE, domain="chat.example.net")
        return [
            fed("totp required", conn(rc, SECADMIN_PLAIN, **own), ignore_errors=True),
            fed("totp code", conn(rc, SECADMIN_PLAIN, two_factor_code=code, **own)),
            fed("non-admin", conn(rc, ALICE, **own), ignore_errors=True),
            fed("bad token", conn(rc, BAD, **own), ignore_errors=True),
            fed("bypass PAT", conn(rc, SECADMIN_BYPASS, **other)),
            info("info non-admin", conn(rc, ALICE), ignore_errors=True),
            info("info bad token", conn(rc, BAD), ignore_errors=True),
            info("info plain PAT: reads need no second factor", conn(rc, SECADMIN_PLAIN)),
            {"name": "use up the non-admin's window", "ansible.builtin.command": {"argv": [
                sys.executable, "-c", BURST, rc.url, OPS["user_id"], OPS["auth_token"], "30"]}},
            info("info rate limited", conn(rc, OPS)),
            fed("federation as a rate-limited user", conn(rc, OPS, **own)),
        ]

    def verify(rc, res):
        r = res.results
        status = [rec["status"] for rec in res.records]
        assert status == ["failed", "ok", "failed", "failed", "ok", "failed", "failed", "ok", "ok", "ok", "ok"]
        assert "totp-required, method totp" in r[0]["msg"]
        assert r[1]["changed"] and r[4]["changed"] and r[10]["changed"]
        for denied in (r[2], r[5]):
            assert "rcalice0000000001 may not read setting" in denied["msg"]
            assert ("HTTP 403: unauthorized" if rc.version == "6.9" else "HTTP 403: User does not have") in denied["msg"]
        for bad in (r[3], r[6]):
            assert "rejected the credentials (HTTP 401: You must be logged in to do this.)" in bad["msg"]
        assert r[7]["version"] == get_profile(rc.version).full_version
        limited = r[9]
        # it waited for the announced reset, never longer (by the machine's clock the 2 s window may have passed
        # already: the module then goes on at once, which is why no lower bound is asserted)
        assert limited["requests"]["rate_limited"] >= 1 and limited["requests"]["rate_limit_wait"] <= 2.1
        assert limited["version"] == rc.version          # a non-admin sees the trimmed version
        ops_statuses = [e["status"] for e in rc.log() if e["user"] == OPS["user_id"]]
        assert 429 in ops_statuses and ops_statuses[-1] == 200

    each_profile(rcs, tasks, verify)
