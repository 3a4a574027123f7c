"""Pin the Rocket.Chat emulator to the contract (rocketchat.md), one behaviour per test, per version profile.

The emulator is driven in-process through ``Emulator.handle`` (same code path the HTTP server uses),
with an injectable clock, so no socket and no waiting is needed.
"""
import hashlib
import json

import pytest

from tests.emulator.rocketchat import Emulator
from tests.emulator.rocketchat.totp import hotp, totp, verify

ADMIN = ("rcadmin0000000001", "admin-pat-bypass-2fa-0000000000000000000000001")
ADMIN_PLAIN = ("rcadmin0000000001", "admin-pat-plain-00000000000000000000000000001")
SECADMIN_PLAIN = ("rcsecadmin0000001", "secadmin-pat-plain-000000000000000000000000001")
SECADMIN_BYPASS = ("rcsecadmin0000001", "secadmin-pat-bypass-2fa-00000000000000000001")
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
ALICE = ("rcalice0000000001", "alice-pat-bypass-2fa-0000000000000000000000001")
OPS = ("rcops000000000001", "ops-pat-bypass-2fa-000000000000000000000000001")
ALL = ["6.9", "7.10", "7.11", "8.0", "8.6"]


class Clock:
    def __init__(self, now=1_800_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


def make(version, **kw):
    clock = Clock()
    emu = Emulator(version, clock=clock, **kw)
    emu.clock = clock
    return emu


def call(emu, method, path, who=None, body=None, headers=None, ip="127.0.0.1"):
    hdrs = dict(headers or {})
    if who:
        hdrs.update({"X-User-Id": who[0], "X-Auth-Token": who[1]})
    raw = json.dumps(body).encode() if body is not None else b""
    return emu.handle(method, path, hdrs, raw, ip=ip)


def method_call(emu, who, entries, headers=None):
    message = json.dumps({"msg": "method", "id": "7", "method": "saveSettings", "params": [entries]})
    status, _h, body = call(emu, "POST", "/api/v1/method.call/saveSettings", who, {"message": message}, headers)
    return status, json.loads(body["message"]) if "message" in body else body


# --- /api/info ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("version,full", [("6.9", "6.9.7"), ("7.10", "7.10.4"), ("8.6", "8.6.0")])
def test_info_is_trimmed_without_permission_and_full_with_it(version, full):
    emu = make(version)
    assert call(emu, "GET", "/api/info")[2] == {"version": version, "success": True}
    assert call(emu, "GET", "/api/info", ALICE)[2]["version"] == version
    body = call(emu, "GET", "/api/info", ADMIN)[2]
    assert body["version"] == full and body["info"]["version"] == full
    assert ("supportedVersions" in body) == (version != "6.9")


# --- authentication -----------------------------------------------------------------------------------
@pytest.mark.parametrize("version", ALL)
def test_bad_token_is_401_with_the_logged_in_message(version):
    emu = make(version)
    status, _h, body = call(emu, "GET", "/api/v1/settings/Site_Name", ("rcadmin0000000001", "wrong"))
    assert status == 401
    assert body["error"] == "You must be logged in to do this."
    assert ("status" in body) == (version not in ("8.0", "8.6"))   # status/message until the 8.0 flag


def test_login_shapes_and_token_use():
    emu = make("7.10")
    status, _h, body = call(emu, "POST", "/api/v1/login", body={"user": "admin", "password": "nope"})
    assert status == 401 and body == {"status": "error", "error": "Unauthorized", "message": "Unauthorized"}
    hashed = hashlib.sha256(b"admin-password").hexdigest()
    status, _h, body = call(emu, "POST", "/api/v1/login", body={"username": "admin", "password": {"hashed": hashed}})
    assert status == 200 and body["status"] == "success"
    who = (body["data"]["userId"], body["data"]["authToken"])
    assert call(emu, "GET", "/api/v1/me", who)[2]["username"] == "admin"
    assert call(emu, "POST", "/api/v1/logout", who)[0] == 200
    assert call(emu, "GET", "/api/v1/me", who)[0] == 401


def test_login_of_a_totp_user_needs_the_code():
    emu = make("7.10")
    status, _h, body = call(emu, "POST", "/api/v1/login", body={"user": "secadmin", "password": "secadmin-password"})
    assert status == 401 and body["error"] == "totp-required" and body["details"]["method"] == "totp"
    status, _h, body = call(emu, "POST", "/api/v1/login",
                            body={"user": "secadmin", "password": "secadmin-password", "code": "000000"})
    assert status == 401 and body["error"] == "totp-invalid"
    code = totp(SECRET, at=emu.clock())
    status, _h, body = call(emu, "POST", "/api/v1/login",
                            body={"user": "secadmin@example.org", "password": "secadmin-password", "code": code})
    assert status == 200 and body["data"]["userId"] == "rcsecadmin0000001"


# --- permissions: 401/403 differences ---------------------------------------------------------------------
def test_non_admin_read_is_403_unauthorized_in_6x():
    status, _h, body = call(make("6.9"), "GET", "/api/v1/settings/Site_Name", ALICE)
    assert status == 403 and body == {"success": False, "error": "unauthorized"}


@pytest.mark.parametrize("version", ["7.10", "7.11", "8.6"])
def test_non_admin_read_is_403_permission_message_from_7x(version):
    status, _h, body = call(make(version), "GET", "/api/v1/settings/Site_Name", ALICE)
    assert status == 403
    assert body["error"] == "User does not have the permissions required for this action"


@pytest.mark.parametrize("version,status", [("6.9", 403), ("7.10", 401), ("8.6", 401)])
def test_unauthorized_helper_is_403_in_6x_and_401_from_7x(version, status):
    # users.generatePersonalAccessToken answers unauthorized() to users without create-personal-access-tokens
    got, _h, body = call(make(version), "POST", "/api/v1/users.generatePersonalAccessToken", ALICE,
                         {"tokenName": "x"})
    assert got == status and body["error"] == "unauthorized"


# --- settings per id ------------------------------------------------------------------------------------
@pytest.mark.parametrize("version", ALL)
def test_unknown_and_hidden_settings_answer_400_success_false(version):
    emu = make(version, hidden=["SMTP_Host"])
    for _id in ("No_Such_Setting", "SMTP_Host"):
        assert call(emu, "GET", "/api/v1/settings/" + _id, ADMIN)[:3:2] == (400, {"success": False})
        assert call(emu, "POST", "/api/v1/settings/" + _id, ADMIN, {"value": "x"})[:3:2] == (400, {"success": False})


def test_7_11_hides_legacy_and_bridge_status():
    emu = make("7.11")
    for _id in ("FEDERATION_Domain", "FEDERATION_Status", "Federation_Matrix_configuration_status",
                "Federation_Matrix_check_configuration_button"):
        assert call(emu, "GET", "/api/v1/settings/" + _id, ADMIN)[0] == 400
    assert call(emu, "GET", "/api/v1/settings/FEDERATION_Enabled", ADMIN)[0] == 200
    assert emu.store.settings["Federation_Matrix_homeserver_url"].readonly


@pytest.mark.parametrize("version", ["8.0", "8.6"])
def test_8x_removed_legacy_and_bridge_settings(version):
    emu = make(version)
    assert call(emu, "GET", "/api/v1/settings/FEDERATION_Enabled", ADMIN)[0] == 400
    assert call(emu, "GET", "/api/v1/settings/Federation_Matrix_enabled", ADMIN)[0] == 400
    assert call(emu, "GET", "/api/v1/settings/Federation_Service_Enabled", ADMIN)[0] == 200


@pytest.mark.parametrize("version", ["6.9", "7.10"])
def test_readonly_is_not_enforced_and_types_are_not_checked_per_id_in_6x_7x(version):
    emu = make(version)
    status, _h, body = call(emu, "POST", "/api/v1/settings/Federation_Matrix_hs_token", ADMIN, {"value": "t" * 40})
    assert (status, body) == (200, {"success": True})
    assert call(emu, "POST", "/api/v1/settings/Message_MaxAllowedSize", ADMIN, {"value": "100"})[0] == 200
    assert emu.store.value("Message_MaxAllowedSize") == "100"       # stored as a string
    # writing the same value again is still a bare success: no changed flag
    assert call(emu, "POST", "/api/v1/settings/Message_MaxAllowedSize", ADMIN, {"value": "100"})[2] == {"success": True}


@pytest.mark.parametrize("version", ["8.0", "8.6"])
def test_per_id_post_validates_types_in_8x(version):
    emu = make(version)
    status, _h, body = call(emu, "POST", "/api/v1/settings/Message_MaxAllowedSize", ADMIN, {"value": "100"})
    assert status == 400 and body["errorType"] == "error-setting-validation-failed"
    assert emu.store.value("Message_MaxAllowedSize") == 5000


def test_blocked_setting_cannot_be_written():
    emu = make("7.10", blocked=["Site_Name"])
    assert call(emu, "POST", "/api/v1/settings/Site_Name", ADMIN, {"value": "x"})[:3:2] == (400, {"success": False})
    status, result = method_call(emu, ADMIN, [{"_id": "Site_Name", "value": "x"}])
    assert status == 200 and result["error"]["error"] == "error-action-not-allowed"


# --- bulk paths -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("version", ["6.9", "7.10", "7.11", "8.0"])
def test_bulk_rest_endpoint_is_absent_before_8_6(version):
    assert call(make(version), "POST", "/api/v1/settings", ADMIN,
                {"settings": [{"_id": "Site_Name", "value": "x"}]})[0] == 404


def test_bulk_rest_endpoint_8_6_is_atomic_and_type_checked():
    emu = make("8.6")
    status, _h, body = call(emu, "POST", "/api/v1/settings", ADMIN, {"settings": [
        {"_id": "Site_Name", "value": "new"}, {"_id": "Message_MaxAllowedSize", "value": "5"}]})
    assert status == 400 and body["errorType"] == "error-setting-validation-failed"
    assert emu.store.value("Site_Name") == "Rocket.Chat"
    status, _h, body = call(emu, "POST", "/api/v1/settings", ADMIN, {"settings": [
        {"_id": "Site_Name", "value": "new"}, {"_id": "Message_MaxAllowedSize", "value": 5}]})
    assert (status, body) == (200, {"success": True})
    assert emu.store.value("Message_MaxAllowedSize") == 5


@pytest.mark.parametrize("version", ALL)
def test_method_call_save_settings_is_always_200_with_the_outcome_inside(version):
    emu = make(version)
    status, result = method_call(emu, ADMIN, [{"_id": "Site_Name", "value": "A"}, {"_id": "Message_AllowEditing",
                                                                                   "value": False}])
    assert status == 200 and result == {"msg": "result", "id": "7", "result": True}
    status, result = method_call(emu, ADMIN, [{"_id": "Message_AllowEditing", "value": "no"}])
    assert status == 200 and result["error"]["reason"] == "Match failed"
    status, result = method_call(emu, ALICE, [{"_id": "Site_Name", "value": "B"}])
    assert status == 200 and result["error"]["error"] == "error-action-not-allowed"
    assert result["error"]["details"]["settingIds"] == ["Site_Name"]
    assert emu.store.value("Site_Name") == "A"


def test_manage_selected_settings_needs_change_setting_permission():
    emu = make("8.6")
    emu.store.users["rcalice0000000001"]["roles"] = ["federation-editor"]
    ok = call(emu, "POST", "/api/v1/settings", ALICE, {"settings": [{"_id": "Site_Name", "value": "x"}]})
    assert ok[0] == 400 and ok[2]["details"]["settingIds"] == ["Site_Name"]


# --- two-factor -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("version", ALL)
def test_totp_challenge_then_code(version):
    emu = make(version)
    status, _h, body = call(emu, "POST", "/api/v1/settings/Site_Name", SECADMIN_PLAIN, {"value": "x"})
    assert status == 400 and body["errorType"] == "totp-required"
    assert body["error"] == "TOTP Required [totp-required]" and body["details"]["method"] == "totp"
    bad = call(emu, "POST", "/api/v1/settings/Site_Name", SECADMIN_PLAIN, {"value": "x"}, {"X-2FA-Code": "123456"})
    assert bad[0] == 400 and bad[2]["errorType"] == "totp-invalid"
    code = totp(SECRET, at=emu.clock())
    good = call(emu, "POST", "/api/v1/settings/Site_Name", SECADMIN_PLAIN, {"value": "x"},
                {"X-2FA-Code": code, "X-2FA-Method": "totp"})
    assert good[0] == 200


def test_password_method_code_is_sha256_of_the_password():
    emu = make("7.10")
    status, _h, body = call(emu, "POST", "/api/v1/settings/Site_Name", ADMIN_PLAIN, {"value": "x"})
    assert status == 400 and body["details"]["method"] == "password"
    digest = hashlib.sha256(b"admin-password").hexdigest().upper()   # compared lower-cased
    ok = call(emu, "POST", "/api/v1/settings/Site_Name", ADMIN_PLAIN, {"value": "x"},
              {"X-2FA-Code": digest, "X-2FA-Method": "password"})
    assert ok[0] == 200


def test_bypass_pat_skips_two_factor_and_remember_window_applies_to_other_tokens():
    emu = make("7.10")
    assert call(emu, "POST", "/api/v1/settings/Site_Name", SECADMIN_BYPASS, {"value": "y"})[0] == 200
    code = totp(SECRET, at=emu.clock())
    headers = {"X-2FA-Code": code, "User-Agent": "ua"}
    assert call(emu, "POST", "/api/v1/settings/Site_Name", SECADMIN_PLAIN, {"value": "z"}, headers)[0] == 200
    # same token + fingerprint is remembered for Accounts_TwoFactorAuthentication_RememberFor seconds
    assert call(emu, "POST", "/api/v1/settings/Site_Name", SECADMIN_PLAIN, {"value": "w"}, {"User-Agent": "ua"})[0] == 200
    assert call(emu, "POST", "/api/v1/settings/Site_Name", SECADMIN_PLAIN, {"value": "v"},
                {"User-Agent": "other"})[0] == 400
    emu.clock.now += 1801
    assert call(emu, "POST", "/api/v1/settings/Site_Name", SECADMIN_PLAIN, {"value": "u"}, {"User-Agent": "ua"})[0] == 400


def test_bulk_8_6_disables_remember_but_honours_bypass():
    emu = make("8.6")
    code = totp(SECRET, at=emu.clock())
    body = {"settings": [{"_id": "Site_Name", "value": "a"}]}
    assert call(emu, "POST", "/api/v1/settings", SECADMIN_PLAIN, body, {"X-2FA-Code": code})[0] == 200
    assert call(emu, "POST", "/api/v1/settings", SECADMIN_PLAIN, body)[2]["errorType"] == "totp-required"
    assert call(emu, "POST", "/api/v1/settings", SECADMIN_BYPASS, body)[0] == 200


def test_method_call_two_factor_error_is_inside_the_message():
    emu = make("7.10")
    status, result = method_call(emu, SECADMIN_PLAIN, [{"_id": "Site_Name", "value": "a"}])
    assert status == 200 and result["error"]["error"] == "totp-required"


def test_6x_checks_two_factor_before_the_handler_permission():
    emu = make("6.9")
    emu.store.users["rcalice0000000001"]["totp_secret"] = SECRET
    plain = ("rcalice0000000001", "alice-plain-token-0000000000000000000000000001")
    emu.store.add_token("rcalice0000000001", plain[1], pat_name="plain", bypass=False)
    assert call(emu, "POST", "/api/v1/settings/Site_Name", plain, {"value": "x"})[2]["errorType"] == "totp-required"
    emu7 = make("7.10")
    emu7.store.users["rcalice0000000001"]["totp_secret"] = SECRET
    emu7.store.add_token("rcalice0000000001", plain[1], pat_name="plain", bypass=False)
    assert call(emu7, "POST", "/api/v1/settings/Site_Name", plain, {"value": "x"})[0] == 403


def test_totp_implementation_matches_rfc6238_vectors():
    # RFC 6238 appendix B, SHA-1 secret "12345678901234567890", 8 digits
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    assert hotp(secret, 59 // 30, digits=8) == "94287082"
    assert hotp(secret, 1111111109 // 30, digits=8) == "07081804"
    assert hotp(secret, 20000000000 // 30, digits=8) == "65353130"
    assert verify(SECRET, totp(SECRET, at=1000.0), at=1030.0)
    assert not verify(SECRET, totp(SECRET, at=1000.0), at=1100.0)


# --- PATs -----------------------------------------------------------------------------------------------
def test_generate_pat_with_and_without_bypass():
    emu = make("7.10")
    status, _h, body = call(emu, "POST", "/api/v1/users.generatePersonalAccessToken", SECADMIN_BYPASS,
                            {"tokenName": "ci", "bypassTwoFactor": True})
    assert status == 200 and body["success"]
    new = ("rcsecadmin0000001", body["token"])
    assert call(emu, "POST", "/api/v1/settings/Site_Name", new, {"value": "q"})[0] == 200
    listed = call(emu, "GET", "/api/v1/users.getPersonalAccessTokens", new)[2]["tokens"]
    assert {"name": "ci", "bypassTwoFactor": True} .items() <= [t for t in listed if t["name"] == "ci"][0].items()
    # generating a PAT is itself two-factor protected
    status, _h, body = call(emu, "POST", "/api/v1/users.generatePersonalAccessToken", SECADMIN_PLAIN,
                            {"tokenName": "ci2"})
    assert body["errorType"] == "totp-required"


# --- rate limiting ---------------------------------------------------------------------------------------
def test_rate_limiter_headers_bucket_and_429():
    emu = make("7.10")
    seen = []
    for _dummy in range(10):
        status, headers, _b = call(emu, "GET", "/api/v1/settings/Site_Name", OPS)
        seen.append((status, headers["X-RateLimit-Remaining"]))
    assert seen[0] == (200, "9") and seen[-1] == (200, "0")
    status, headers, body = call(emu, "GET", "/api/v1/settings/Message_MaxAllowedSize", OPS)   # same route pattern
    assert status == 429
    assert body["error"].startswith("Error, too many requests. Please slow down. You must wait 60 seconds")
    assert headers["X-RateLimit-Limit"] == "10"
    assert int(headers["X-RateLimit-Reset"]) == int((emu.clock() + 60) * 1000)
    assert call(emu, "POST", "/api/v1/settings/Site_Name", OPS, {"value": "x"})[0] == 200    # other method: own bucket
    assert call(emu, "GET", "/api/v1/settings/Site_Name", OPS, ip="127.0.0.2")[0] == 200     # other IP: own bucket
    emu.clock.now += 60
    assert call(emu, "GET", "/api/v1/settings/Site_Name", OPS)[0] == 200


def test_admins_bypass_the_rate_limiter_without_headers():
    emu = make("7.10")
    for _dummy in range(15):
        status, headers, _b = call(emu, "GET", "/api/v1/settings/Site_Name", ADMIN)
        assert status == 200 and "X-RateLimit-Limit" not in headers


def test_rate_limit_window_is_configurable():
    emu = make("7.10", rate_limit_calls=2, rate_limit_window_ms=1500)
    for _dummy in range(2):
        call(emu, "GET", "/api/v1/settings/Site_Name", OPS)
    status, headers, body = call(emu, "GET", "/api/v1/settings/Site_Name", OPS)
    assert status == 429 and "wait 2 seconds" in body["error"]
    assert int(headers["X-RateLimit-Reset"]) == int((emu.clock() + 1.5) * 1000)


def test_method_call_is_not_rest_rate_limited_but_ddp_limited():
    emu = make("7.10")
    for _dummy in range(20):
        assert method_call(emu, OPS, [{"_id": "Site_Name", "value": "x"}])[1].get("result") is True
    assert method_call(emu, OPS, [{"_id": "Site_Name", "value": "x"}])[1]["error"]["error"] == "too-many-requests"


# --- listing -------------------------------------------------------------------------------------------
def test_settings_list_count_clamp_and_hidden_filter():
    emu = make("7.10", hidden=["SMTP_Host"])
    body = call(emu, "GET", "/api/v1/settings?count=500", ADMIN)[2]
    assert body["count"] == min(100, body["total"]) and "SMTP_Host" not in [s["_id"] for s in body["settings"]]
    assert call(emu, "GET", "/api/v1/settings", ADMIN)[2]["count"] == min(50, body["total"])
    public = call(emu, "GET", "/api/v1/settings", ALICE)[2]["settings"]
    assert all(emu.store.settings[s["_id"]].public for s in public)


@pytest.mark.parametrize("version,expect", [("6.9", "honour"), ("7.10", "ignore"), ("8.0", "refuse")])
def test_query_parameter_per_version(version, expect):
    emu = make(version)
    status, _h, body = call(emu, "GET", '/api/v1/settings?query={"_id":"Site_Name"}', ADMIN)
    if expect == "refuse":
        assert status == 400 and body["errorType"] == "error-invalid-params"
    elif expect == "honour":
        assert [s["_id"] for s in body["settings"]] == ["Site_Name"]
    else:
        assert body["total"] > 1


@pytest.mark.parametrize("version,masked", [("7.10", False), ("8.6", True)])
def test_secret_values_in_list_are_clear_until_the_newest_releases(version, masked):
    emu = make(version)
    emu.store.settings["SMTP_Password"].value = "pw"
    body = call(emu, "GET", "/api/v1/settings?count=0", ADMIN)[2]
    row = [s for s in body["settings"] if s["_id"] == "SMTP_Password"][0]
    assert (row["value"] == "") == masked and (row.get("hasValue") is True) == masked


@pytest.mark.parametrize("version,filtered", [("6.9", False), ("7.10", True)])
def test_settings_public_id_filter_from_7_0(version, filtered):
    body = call(make(version), "GET", "/api/v1/settings.public?_id=Site_Name,uniqueID")[2]
    assert (sorted(s["_id"] for s in body["settings"]) == ["Site_Name", "uniqueID"]) == filtered


# --- federation behaviour ---------------------------------------------------------------------------------
def test_bridge_defaults_are_derived_from_the_public_unique_id():
    emu = make("7.10", deployment_id="dep-123")
    assert emu.store.value("Federation_Matrix_hs_token") == hashlib.sha256(b"hs_dep-123").hexdigest()
    assert emu.store.value("Federation_Matrix_as_token") == hashlib.sha256(b"as_dep-123").hexdigest()
    public = call(emu, "GET", "/api/v1/settings.public?_id=uniqueID")[2]["settings"]
    assert public == [{"_id": "uniqueID", "value": "dep-123", "enterprise": False}]
    assert emu.store.value("Federation_Matrix_homeserver_domain") == emu.store.site_url   # late default: a URL


def test_registration_file_follows_the_settings():
    emu = make("7.10")
    method_call(emu, ADMIN, [{"_id": "Federation_Matrix_hs_token", "value": "H" * 40},
                             {"_id": "Federation_Matrix_enable_ephemeral_events", "value": True}])
    text = emu.store.value("Federation_Matrix_registration_file")
    lines = text.splitlines()
    assert lines[0].startswith("id: rocketchat_") and lines[1] == "hs_token: " + "H" * 40
    assert "de.sorunome.msc2409.push_ephemeral: true" in lines
    assert lines[-1] == "use_appservice_legacy_authorization: true"


def test_configuration_check_action_sets_invalid_when_the_homeserver_is_unreachable():
    emu = make("7.10")
    emu.store.set_value("Federation_Matrix_homeserver_url", "http://127.0.0.1:9")
    status, _h, body = call(emu, "POST", "/api/v1/settings/Federation_Matrix_check_configuration_button", ADMIN,
                            {"execute": True})
    assert status == 400 and body["errorType"] == "error-invalid-configuration"
    assert emu.store.value("Federation_Matrix_configuration_status") == "Invalid"
    assert call(make("7.11"), "POST", "/api/v1/settings/Federation_Matrix_check_configuration_button", ADMIN,
                {"execute": True})[:3:2] == (400, {"success": False})


def test_legacy_hub_registration_failure_switches_federation_off():
    emu = make("7.10")
    method_call(emu, ADMIN, [{"_id": "FEDERATION_Discovery_Method", "value": "hub"}])
    method_call(emu, ADMIN, [{"_id": "FEDERATION_Enabled", "value": True}])
    assert emu.store.value("FEDERATION_Enabled") is False
    assert emu.store.value("FEDERATION_Status") == "Could not register with Hub"
    method_call(emu, ADMIN, [{"_id": "FEDERATION_Discovery_Method", "value": "dns"}])
    method_call(emu, ADMIN, [{"_id": "FEDERATION_Enabled", "value": True}])
    assert emu.store.value("FEDERATION_Status") == "Enabled"


@pytest.mark.parametrize("version,gated", [("6.9", True), ("7.10", True)])
def test_legacy_rest_needs_enable_insecure_legacy_federation(version, gated):
    status, _h, body = call(make(version), "GET", "/api/v1/federation.users.search")
    assert status == 400 and body["error"].startswith("Deprecated. ENABLE_INSECURE_LEGACY_FEDERATION") == gated
    assert call(make("8.0"), "GET", "/api/v1/federation.users.search")[0] == 404


def test_legacy_public_key_is_a_442_character_single_line_spki_pem():
    key = make("7.10").store.value("FEDERATION_Public_Key")
    assert len(key) == 442 and "\n" not in key
    assert key.startswith("-----BEGIN PUBLIC KEY-----MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A")  # 2048-bit RSA SPKI


def test_well_known_served_only_when_enabled_and_serving():
    emu = make("7.10")
    assert call(emu, "GET", "/.well-known/matrix/server")[0] == 404
    emu.store.set_value("Federation_Matrix_enabled", True)
    emu.store.set_value("Federation_Matrix_homeserver_url", "https://matrix.example.com")
    assert call(emu, "GET", "/.well-known/matrix/server")[2] == {"m.server": "matrix.example.com:443"}
    client = {"m.homeserver": {"base_url": "https://matrix.example.com"}}
    assert call(emu, "GET", "/.well-known/matrix/client")[2] == client


def test_request_log_counts_every_api_call():
    emu = make("7.10")
    call(emu, "GET", "/api/info")
    call(emu, "POST", "/api/v1/settings/Site_Name", ADMIN, {"value": "x"})
    assert [(e["method"], e["route"], e["status"]) for e in emu.store.log] == [
        ("GET", "/api/info", 200), ("POST", "/api/v1/settings/:_id", 200)]
