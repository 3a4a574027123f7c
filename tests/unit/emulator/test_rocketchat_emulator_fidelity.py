"""Contract tests for the places where the emulator must follow Rocket.Chat's source closely: per-id write
validation by release, the settings each bridge release has, enterprise settings without their licence, and the
order of authentication and rate limiting. Each test names the clause of tests/emulator/rocketchat/CONTRACT.md it
pins."""
import json

import pytest

from tests.unit.emulator.test_rocketchat_emulator import ADMIN, ALICE, ALL, OPS, call, make

BRIDGE_LATE = ("Federation_Matrix_enable_ephemeral_events", "Federation_Matrix_max_size_of_public_rooms_users",
               "Federation_Matrix_configuration_status", "Federation_Matrix_check_configuration_button")


def post(emu, _id, body, who=ADMIN):
    status, _h, answer = call(emu, "POST", "/api/v1/settings/" + _id, who, body)
    return status, answer


# --- C-SET-3 ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("version", ALL)
def test_post_without_value_is_a_bare_400(version):
    """C-SET-3: no Match error text, for a known and an unknown setting alike."""
    emu = make(version)
    for _id in ("Site_Name", "No_Such_Setting"):
        assert post(emu, _id, {}) == (400, {"success": False})
        assert post(emu, _id, {"val": 1}) == (400, {"success": False})
    assert emu.store.value("Site_Name") == "Rocket.Chat"


# --- C-SET-4 / C-SET-5 --------------------------------------------------------------------------------------
@pytest.mark.parametrize("version", ["8.0", "8.6"])
def test_8x_per_id_write_has_no_generic_type_check(version):
    """C-SET-4: a string "true" for a boolean and "100" for an int are stored and answered 200."""
    emu = make(version)
    assert post(emu, "Message_AllowEditing", {"value": "true"}) == (200, {"success": True})
    assert emu.store.value("Message_AllowEditing") == "true"
    assert post(emu, "Message_MaxAllowedSize", {"value": "100"}) == (200, {"success": True})
    assert emu.store.value("Message_MaxAllowedSize") == "100"
    assert post(emu, "Federation_Service_Enabled", {"value": 1}) == (200, {"success": True})


def _with_rules(version):
    emu = make(version)
    settings = emu.store.settings
    settings["Message_MaxAllowedSize"].extra.update(minValue=1, maxValue=10000)
    settings["Theme_Custom_Css"].type = "code"
    settings["Theme_Custom_Css"].extra.update(code="application/json",
                                              schema=lambda doc: isinstance(doc, dict) and "color" in doc)
    settings["Site_Name"].extra["validation"] = lambda value, store: value != "forbidden"
    return emu


@pytest.mark.parametrize("version", ["8.0", "8.6"])
def test_8x_per_id_write_checks_bounds_and_validation_rules(version):
    """C-SET-4: checkSettingValueBounds -> error-invalid-setting-value; schema and rules -> <id>_Invalid."""
    emu = _with_rules(version)
    status, body = post(emu, "Message_MaxAllowedSize", {"value": 20000})
    assert status == 400 and body["errorType"] == "error-invalid-setting-value"
    assert body["error"] == ("Value for setting Message_MaxAllowedSize must be less than or equal to 10000 "
                             "[error-invalid-setting-value]")
    status, body = post(emu, "Message_MaxAllowedSize", {"value": "-5"})      # Number("-5") is compared
    assert status == 400 and "greater than or equal to 1" in body["error"]
    assert post(emu, "Message_MaxAllowedSize", {"value": 0}) == (200, {"success": True})   # falsy: not checked
    for _id, value in (("Theme_Custom_Css", '{"font": 1}'), ("Theme_Custom_Css", "{not json"),
                       ("Theme_Custom_Css", 5), ("Site_Name", "forbidden")):
        assert post(emu, _id, {"value": value}) == (400, {"success": False, "error": "%s_Invalid" % _id,
                                                          "errorType": "error-setting-validation-failed"})
    assert post(emu, "Theme_Custom_Css", {"value": ""}) == (200, {"success": True})
    assert post(emu, "Theme_Custom_Css", {"value": '{"color": "red"}'}) == (200, {"success": True})
    assert emu.store.value("Site_Name") == "Rocket.Chat" and emu.store.value("Message_MaxAllowedSize") == 0


@pytest.mark.parametrize("version", ["6.9", "7.10", "7.11"])
def test_before_8_per_id_write_checks_nothing(version):
    """C-SET-5: the same bounds and rules are not consulted before 8.0."""
    emu = _with_rules(version)
    assert post(emu, "Message_MaxAllowedSize", {"value": 20000}) == (200, {"success": True})
    assert post(emu, "Site_Name", {"value": "forbidden"}) == (200, {"success": True})
    assert post(emu, "Theme_Custom_Css", {"value": "{not json"}) == (200, {"success": True})


# --- C-SET-6 / C-SET-7 --------------------------------------------------------------------------------------
def test_hidden_action_is_a_bare_400_and_the_button_is_readonly_in_7_11():
    """C-SET-6, C-SET-7: the 7.11 button is hidden and readonly; executing it is refused like an unknown id."""
    emu = make("7.11")
    button = emu.store.settings["Federation_Matrix_check_configuration_button"]
    assert button.readonly and button.hidden
    assert post(emu, button._id, {"execute": True}) == (400, {"success": False})
    assert not make("7.10").store.settings[button._id].readonly


# --- C-RATE-2 -----------------------------------------------------------------------------------------------
def test_anonymous_calls_get_401_before_the_rate_limiter_counts_them():
    """C-RATE-2: 401 without rate-limit headers, and the bucket of a real caller from the same IP is untouched."""
    emu = make("7.10")
    for _dummy in range(15):
        status, headers, body = call(emu, "GET", "/api/v1/settings/Site_Name", ("rcops000000000001", "wrong"))
        assert status == 401 and body["error"] == "You must be logged in to do this."
        assert "X-RateLimit-Remaining" not in headers
        status, headers, _body = call(emu, "GET", "/api/v1/settings/Site_Name")
        assert status == 401 and not headers
    for count in range(10):
        status, headers, _body = call(emu, "GET", "/api/v1/settings/Site_Name", OPS)
        assert status == 200 and headers["X-RateLimit-Remaining"] == str(9 - count)
    assert call(emu, "GET", "/api/v1/settings/Site_Name", OPS)[0] == 429


# --- C-CAT-2 / C-CAT-3 --------------------------------------------------------------------------------------
@pytest.mark.parametrize("version,present", [
    ("5.4", ()),
    ("6.9", ("Federation_Matrix_enable_ephemeral_events", "Federation_Matrix_max_size_of_public_rooms_users")),
    ("7.10", BRIDGE_LATE),
])
def test_bridge_settings_per_release(version, present):
    """C-CAT-2: the early bridge lacks ephemeral events, the room size, the status and the button; 6.12 added the
    last two."""
    emu = make(version)
    assert call(emu, "GET", "/api/v1/settings/Federation_Matrix_enabled", ADMIN)[0] == 200
    for _id in BRIDGE_LATE:
        assert (call(emu, "GET", "/api/v1/settings/" + _id, ADMIN)[0] == 200) is (_id in present), _id
    assert ("Federation_Matrix_serve_well_known" in emu.store.settings) is (version != "5.4")


def test_early_bridge_defaults_and_registration_file():
    """C-CAT-2, C-BRG-1: 5.x defaults and a registration without push_ephemeral."""
    emu = make("5.4", deployment_id="dep-54")
    assert emu.store.value("Federation_Matrix_homeserver_domain") == "local.rocket.chat"
    assert emu.store.value("Federation_Matrix_bridge_url") == "http://host.docker.internal:3300"
    registration = emu.store.value("Federation_Matrix_registration_file")
    assert "id: rocketchat_dep-54" in registration and "push_ephemeral" not in registration


@pytest.mark.parametrize("version,extra", [("7.11", False), ("8.0", True)])
def test_native_settings_per_release(version, extra):
    """C-CAT-3: 7.11 registers the native settings; 8.0 adds receipts and user-domain validation."""
    settings = make(version).store.settings
    assert settings["Federation_Service_Enabled"].value is False and settings["Federation_Service_Domain"].value == ""
    assert settings["Federation_Service_max_allowed_size_of_public_rooms_to_join"].value == 100
    assert not settings["Federation_Service_Allow_List"].enterprise
    assert ("Federation_Service_EDU_Process_Receipt" in settings) is extra
    assert ("Federation_Service_Validate_User_Domain" in settings) is extra


# --- C-LIC-1 / C-LIC-2 --------------------------------------------------------------------------------------
@pytest.mark.parametrize("version,exists", [("5.4", False), ("6.9", True), ("8.6", True)])
def test_licenses_info_lists_active_modules_to_any_user(version, exists):
    """C-LIC-1: activeModules for every authenticated user, the licence itself only with view-privileged-setting."""
    emu = make(version, license_modules=["federation", "auditing"])
    status, _h, body = call(emu, "GET", "/api/v1/licenses.info", ALICE)
    assert status == (200 if exists else 404)
    if exists:
        assert body["license"]["activeModules"] == ["federation", "auditing"] and "license" not in body["license"]
        assert "license" in call(emu, "GET", "/api/v1/licenses.info", ADMIN)[2]["license"]
        unlicensed = make(version, license_modules=None)
        assert call(unlicensed, "GET", "/api/v1/licenses.info", ALICE)[2]["license"]["activeModules"] == []
        assert call(emu, "GET", "/api/v1/licenses.info")[0] == 401


def test_licence_validity_periods_only_with_view_privileged_setting():
    """C-LIC-3: the licence's validation.validPeriods come with the licence itself (view-privileged-setting); none
    until set, and a reset clears them."""
    emu = make("7.11", license_modules=["federation"])
    assert call(emu, "GET", "/api/v1/licenses.info", ADMIN)[2]["license"]["license"]["validation"] == \
        {"validPeriods": []}
    period = {"validUntil": "2027-01-31T00:00:00.000Z", "invalidBehavior": "invalidate_license"}
    assert emu.control("POST", "/_emulator/license", {"validPeriods": [period]}) == (200, {"success": True})
    licence = call(emu, "GET", "/api/v1/licenses.info", ADMIN)[2]["license"]["license"]
    assert licence["validation"]["validPeriods"] == [period]
    assert "license" not in call(emu, "GET", "/api/v1/licenses.info", ALICE)[2]["license"]
    emu.store.reset()
    assert call(emu, "GET", "/api/v1/licenses.info", ADMIN)[2]["license"]["license"]["validation"] == \
        {"validPeriods": []}


def _listed(emu, _id):
    status, _h, body = call(emu, "GET", "/api/v1/settings?count=0", ADMIN)
    assert status == 200
    return [row for row in body["settings"] if row["_id"] == _id][0]


@pytest.mark.parametrize("version", ["7.11", "8.6"])
@pytest.mark.parametrize("modules", [None, [], ["livechat-enterprise"]])
def test_unlicensed_enterprise_settings_serve_their_invalid_value(version, modules):
    """C-LIC-2: the list and settings.public serve invalidValue; GET by id serves the stored value; writes are
    stored (200) without effect."""
    emu = make(version, license_modules=modules)
    assert post(emu, "Federation_Service_Enabled", {"value": True}) == (200, {"success": True})
    assert post(emu, "Federation_Service_Domain", {"value": "chat.example.com"}) == (200, {"success": True})
    assert call(emu, "GET", "/api/v1/settings/Federation_Service_Enabled", ADMIN)[2]["value"] is True
    row = _listed(emu, "Federation_Service_Enabled")
    assert row == {"_id": "Federation_Service_Enabled", "value": False, "enterprise": True, "invalidValue": False,
                   "modules": ["federation"]}
    assert _listed(emu, "Federation_Service_Domain")["value"] == ""
    assert _listed(emu, "Federation_Service_Allow_List") == {"_id": "Federation_Service_Allow_List", "value": "",
                                                             "enterprise": False}
    public = call(emu, "GET", "/api/v1/settings.public?_id=Federation_Service_Enabled")[2]["settings"]
    assert public[0]["value"] is False
    assert emu.store.value("Federation_Service_Enabled") is True   # stored


@pytest.mark.parametrize("version", ["7.11", "8.6"])
def test_licensed_enterprise_settings_serve_their_value(version):
    """C-LIC-2: with the federation module the list serves the stored value."""
    emu = make(version, license_modules=["federation"])
    post(emu, "Federation_Service_Enabled", {"value": True})
    assert _listed(emu, "Federation_Service_Enabled")["value"] is True


def test_bridge_room_size_needs_a_licence_and_from_6_12_the_module():
    """C-LIC-2, C-CAT-2: invalidValue false; no module before the 6.12 adapter, 'federation' from it."""
    assert _listed(make("6.9", license_modules=None), "Federation_Matrix_max_size_of_public_rooms_users")["value"] \
        is False
    row = _listed(make("6.9", license_modules=["auditing"]), "Federation_Matrix_max_size_of_public_rooms_users")
    assert row["value"] == 100 and "modules" not in row
    row = _listed(make("7.10", license_modules=["auditing"]), "Federation_Matrix_max_size_of_public_rooms_users")
    assert row["value"] is False and row["modules"] == ["federation"]
    assert _listed(make("7.10"), "Federation_Matrix_max_size_of_public_rooms_users")["value"] == 100


def test_method_call_keeps_its_type_checks_on_8x():
    """C-SET-8: saveSettings still refuses a string for a boolean (only the per-id route does not)."""
    emu = make("8.0")
    message = json.dumps({"msg": "method", "id": "1", "method": "saveSettings",
                          "params": [[{"_id": "Message_AllowEditing", "value": "true"}]]})
    status, _h, body = call(emu, "POST", "/api/v1/method.call/saveSettings", ADMIN, {"message": message})
    assert status == 200 and json.loads(body["message"])["error"]["reason"] == "Match failed"


@pytest.mark.parametrize("version", ALL)
def test_every_federation_setting_records_its_source(version):
    """C-CAT-1, C-CAT-2, C-CAT-3: each federation entry names the Rocket.Chat file or change it was read from."""
    for item in make(version).store.settings.values():
        if item._id.startswith(("FEDERATION_", "Federation_")):
            assert item.source and ("apps/meteor/" in item.source or "#" in item.source), item._id


# --- C-PERM-1 / C-PERM-2 ------------------------------------------------------------------------------------
def _roles(emu, permission, who=ALICE):
    status, _h, body = call(emu, "GET", "/api/v1/permissions.listAll", who)
    assert status == 200 and body["remove"] == [] and body["success"] is True
    return [row["roles"] for row in body["update"] if row["_id"] == permission][0]


@pytest.mark.parametrize("version", ["7.10", "8.6"])
def test_permissions_list_to_any_user_with_rocketchat_defaults(version):
    """C-PERM-1: any authenticated user lists the permissions; access-federation is admin, user, federated-external."""
    emu = make(version)
    assert _roles(emu, "access-federation") == ["admin", "user", "federated-external"]
    assert _roles(emu, "access-permissions", ADMIN) == ["admin"]
    assert call(emu, "GET", "/api/v1/permissions.listAll")[0] == 401


def test_permissions_update_sets_roles_exactly_and_validates_first():
    """C-PERM-2: access-permissions needed; unknown permission or role -> 400 before any change; roles set exactly
    (200 also when equal); the holders of a permission get it for routes; reset restores the defaults."""
    emu = make("7.11")
    url = "/api/v1/permissions.update"
    update = {"permissions": [{"_id": "access-federation", "roles": ["admin"]}]}
    assert call(emu, "POST", url, ALICE, update)[0] == 403
    for body, error_type in (
            ({"permissions": [{"_id": "access-federation", "roles": ["admin"]}, {"_id": "no-such", "roles": []}]},
             "error-invalid-permission"),
            ({"permissions": [{"_id": "access-federation", "roles": ["admin", "no-such-role"]}]}, "error-invalid-role"),
            ({"permissions": [{"_id": "access-federation", "roles": ["admin", "admin"]}]}, "error-invalid-body-params"),
            ({"permissions": [{"_id": "access-federation"}]}, "error-invalid-body-params")):
        status, _h, answer = call(emu, "POST", url, ADMIN, body)
        assert (status, answer["success"], answer["errorType"]) == (400, False, error_type)
        assert _roles(emu, "access-federation") == ["admin", "user", "federated-external"]
    status, _h, answer = call(emu, "POST", url, ADMIN, update)
    assert status == 200 and {"_id": "access-federation", "roles": ["admin"]} in answer["permissions"]
    assert _roles(emu, "access-federation") == ["admin"]
    assert call(emu, "POST", url, ADMIN, update)[0] == 200
    assert emu.store.has_permission(emu.store.users["rcalice0000000001"], "access-federation") is False
    call(emu, "POST", url, ADMIN, {"permissions": [{"_id": "access-permissions", "roles": ["admin", "user"]}]})
    assert call(emu, "POST", url, ALICE, update)[0] == 200
    emu.store.reset()
    assert _roles(emu, "access-federation") == ["admin", "user", "federated-external"]
