"""fedops.rocketchat.settings through ansible-playbook against the emulator of every version profile."""
import json
import urllib.request

from tests.emulator.rocketchat.profiles import get_profile
from tests.integration.rocketchat.conftest import (
    ADMIN,
    ADMIN_PLAIN,
    ALICE,
    BAD,
    OPS,
    SECADMIN_BYPASS,
    SECADMIN_PLAIN,
    conn,
    each_profile,
    frozen_totp,
)

SMTP_SECRET = "smtp-secret-value-9f8e7d"


def task(name, args, **extra):
    entry = {"name": name, "fedops.rocketchat.settings": args}
    entry.update(extra)
    return entry


def full(rc):
    return get_profile(rc.version).full_version


DESIRED = {"Site_Name": "Fedops Chat", "Message_AllowEditing": False, "Message_MaxAllowedSize": 10000,
           "API_Upper_Count_Limit": 150}
EXPECTED = ["Site_Name", "Message_AllowEditing", "Message_MaxAllowedSize", "API_Upper_Count_Limit", "SMTP_Password"]


def test_check_mode_real_run_and_idempotence(rcs):
    def tasks(rc):
        args = conn(rc, ADMIN, settings=DESIRED, secret_settings={"SMTP_Password": SMTP_SECRET})
        return [task("check", args, check_mode=True), task("apply", args), task("again", args),
                task("again in check mode", args, check_mode=True)]

    def verify(rc, res):
        assert res.rc == 0
        check, apply, again, again_check = res.results
        assert check["changed"] and check["changed_settings"] == EXPECTED
        assert apply["changed"] and apply["changed_settings"] == EXPECTED
        assert apply["write_method"] == ("bulk" if rc.version == "8.6" else "method.call")
        assert not again["changed"] and again["write_method"] is None and not again_check["changed"]
        # the secret never shows: not in the diff, not in results, not in the output
        assert SMTP_SECRET not in res.output and SMTP_SECRET not in json.dumps(res.results)
        assert apply["diff"]["after"]["SMTP_Password"] == "********"
        assert '"Site_Name": "Fedops Chat"' in res.output          # the --diff text is printed
        # one write in four runs: check mode and the converged runs wrote nothing
        writes = rc.writes()
        assert len(writes) == 1, writes
        assert writes[0]["path"] == ("/api/v1/settings" if rc.version == "8.6" else "/api/v1/method.call/saveSettings")
        state = rc.settings()
        assert {k: state[k] for k in DESIRED} == DESIRED and state["SMTP_Password"] == SMTP_SECRET
        # a converged run is /api/info plus one list read (GET /api/v1/settings); from 8.6 the list masks the
        # secret, which is then read by id
        masked = 1 if rc.version == "8.6" else 0
        assert again["requests"]["requests"] == 2 + masked
        assert len([e for e in rc.log() if e["route"] == "/api/v1/settings" and e["method"] == "GET"]) == 4
        assert len([e for e in rc.log() if e["route"] == "/api/v1/settings/:_id"]) == 4 * masked

    each_profile(rcs, tasks, verify, diff=True)


def test_failures_write_nothing(rcs):
    def tasks(rc):
        return [
            task("non-admin", conn(rc, ALICE, settings={"API_Upper_Count_Limit": 5, "Site_Name": "x"}),
                 ignore_errors=True),
            task("bad token", conn(rc, BAD, settings={"Site_Name": "x"}), ignore_errors=True),
            task("hidden", conn(rc, ADMIN, settings={"SMTP_Host": "mail", "Site_Name": "x"}), ignore_errors=True),
            task("wrong type (catalog)", conn(rc, ADMIN, settings={"API_Upper_Count_Limit": "100", "Site_Name": "x"}),
                 ignore_errors=True),
            task("wrong type (server)", conn(rc, ADMIN, settings={"Message_AllowEditing": "no"}), ignore_errors=True),
            task("totp required", conn(rc, SECADMIN_PLAIN, settings={"Site_Name": "x"}), ignore_errors=True),
            task("unknown", conn(rc, ADMIN, settings={"No_Such_Setting": 1}), ignore_errors=True),
        ]

    def verify(rc, res):
        non_admin, bad, hidden, wrong, wrong_server, totp_required, unknown = res.results
        assert [r["status"] for r in res.records] == ["failed"] * 7
        if rc.version == "6.9":   # 6.x settings handlers answer unauthorized(): 403 {error: 'unauthorized'}
            assert "may not read setting API_Upper_Count_Limit (HTTP 403: unauthorized)" in non_admin["msg"]
        else:
            assert "(HTTP 403: User does not have the permissions required for this action)" in non_admin["msg"]
        assert "view-privileged-setting" in non_admin["msg"]
        assert "rejected the credentials (HTTP 401: You must be logged in to do this.)" in bad["msg"]
        assert "setting SMTP_Host does not exist or is hidden on Rocket.Chat %s" % full(rc) in hidden["msg"]
        assert "API_Upper_Count_Limit is a int setting and needs a JSON integer" in wrong["msg"]
        assert "Message_AllowEditing currently holds a JSON boolean" in wrong_server["msg"]
        assert "totp-required, method totp" in totp_required["msg"]
        assert "Ignore Two Factor Authentication" in totp_required["msg"]
        assert "No_Such_Setting does not exist or is hidden" in unknown["msg"]
        # the only write attempt is the one the server refused for want of a second factor; every other failure
        # was found before anything was sent (method.call answers 200 even when refusing, hence the user check)
        assert [w["user"] for w in rc.writes()] == [SECADMIN_PLAIN["user_id"]]
        assert rc.settings()["Site_Name"] == "Rocket.Chat"
        assert not [e for e in rc.log() if e["status"] >= 500]

    each_profile(rcs, tasks, verify)


def test_two_factor_paths_and_login(rcs):
    def tasks(rc):
        code = frozen_totp(rc)     # valid for the whole run: the emulator's clock stands still
        return [
            task("totp code with a plain PAT",
                 conn(rc, SECADMIN_PLAIN, two_factor_code=code, settings={"Site_Name": "one"})),
            task("login with the code", {"url": rc.url, "username": "secadmin", "password": "secadmin-password",
                                         "two_factor_code": code, "settings": {"Site_Name": "two"}}),
            task("wrong password for the password method",
                 conn(rc, ADMIN_PLAIN, password="wrong-password", settings={"Site_Name": "x"}), ignore_errors=True),
            task("PAT that bypasses 2FA", conn(rc, SECADMIN_BYPASS, settings={"Site_Name": "three"})),
            task("password method with a plain PAT",
                 conn(rc, ADMIN_PLAIN, password="admin-password", settings={"Site_Name": "four"})),
            task("login without the code",
                 {"url": rc.url, "username": "secadmin", "password": "secadmin-password",
                  "settings": {"Site_Name": "five"}}, ignore_errors=True),
            task("login without TOTP (password method for the write)",
                 {"url": rc.url, "username": "admin", "password": "admin-password", "settings": {"Site_Name": "six"}}),
        ]

    def verify(rc, res):
        results = res.results
        assert [r["status"] for r in res.records] == ["ok", "ok", "failed", "ok", "ok", "failed", "ok"]
        assert all(r["changed"] for r, rec in zip(results, res.records) if rec["status"] == "ok")
        assert "totp-invalid, method password" in results[2]["msg"]
        assert "asks user secadmin for a second factor to log in (method totp)" in results[5]["msg"]
        assert rc.settings()["Site_Name"] == "six"
        paths = [e["path"] for e in rc.log()]
        assert paths.count("/api/v1/login") == 3 and paths.count("/api/v1/logout") == 2   # logged out after use

    each_profile(rcs, tasks, verify)


def test_rate_limited_user_waits_for_reset_and_succeeds(rcs):
    def tasks(rc):
        # the emulator's clock stands still (C-EMU-3), so the used-up window is still open when the module
        # starts, however slow ansible-playbook is; the module's 429 then moves the clock to the reset, as if the
        # module's wait had taken that long
        rc.clock({"freeze": True})
        for _dummy in range(10):
            assert rc.api("GET", "/api/v1/settings?count=1", OPS)[0] == 200
        assert rc.api("GET", "/api/v1/settings?count=1", OPS)[0] == 429
        rc.clock({"skip_on_429": True})
        return [task("ops", conn(rc, OPS, settings={"Site_Name": "limited", "Layout_Home_Title": "Hi"}))]

    def verify(rc, res):
        assert res.rc == 0
        result = res.last
        assert result["changed"] and result["requests"]["rate_limited"] >= 1
        # waited for the announced reset (2.5 s window, RATE_WINDOW_MS), never longer; by the machine's clock the
        # window may have passed already, so there is no lower bound
        assert result["requests"]["rate_limit_wait"] <= 2.6
        statuses = [e["status"] for e in rc.log() if e["route"] == "/api/v1/settings"
                    and e["user"] == OPS["user_id"]]
        assert statuses[:11] == [200] * 10 + [429] and statuses[-1] == 200
        assert 429 in statuses[11:] and rc.settings()["Site_Name"] == "limited"

    each_profile(rcs, tasks, verify)


def test_info_endpoint_trimmed_for_anonymous_callers(rcs):
    for version, rc in rcs.items():
        with urllib.request.urlopen(rc.url + "/api/info", timeout=5) as answer:
            assert json.loads(answer.read())["version"] == version
