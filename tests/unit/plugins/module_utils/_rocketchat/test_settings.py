import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat import _catalog as catalog
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._settings import (
    MASK,
    build_diff,
    check_against_current,
    check_value,
    choose_write_path,
    json_type,
    plan_changes,
    readonly_warnings,
    validate_known,
    values_equal,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._version import RocketChatVersion as V


@pytest.mark.parametrize("left,right,equal", [
    (True, True, True), (True, 1, False), (1, True, False), (False, 0, False), ("true", True, False),
    (5, 5.0, True), ("5", 5, False), (None, "", False), ([1, 2], [1, 2], True), ([1, 2], [2, 1], False),
    ({"a": 1}, {"a": 1}, True), ({"a": True}, {"a": 1}, False), ("x", "x", True), (None, None, True),
])
def test_values_equal_keeps_json_types(left, right, equal):
    assert values_equal(left, right) is equal


@pytest.mark.parametrize("value,name", [(None, "null"), (True, "boolean"), (3, "integer"), (3.0, "integer"),
                                        (3.5, "number"), ("s", "string"), ([], "array"), ({}, "object")])
def test_json_type(value, name):
    assert json_type(value) == name


def test_check_value_against_catalog_types():
    spec = catalog.lookup
    assert check_value("Federation_Matrix_enabled", True, spec("Federation_Matrix_enabled")) is None
    assert "needs a JSON boolean" in check_value("Federation_Matrix_enabled", "true", spec("Federation_Matrix_enabled"))
    assert "needs a JSON integer" in check_value("API_Upper_Count_Limit", "100", spec("API_Upper_Count_Limit"))
    assert "needs a JSON integer" in check_value("API_Upper_Count_Limit", True, spec("API_Upper_Count_Limit"))
    assert "needs a JSON string" in check_value("Site_Name", 5, spec("Site_Name"))
    assert "must be one of dns, hub" in check_value("FEDERATION_Discovery_Method", "dht",
                                                    spec("FEDERATION_Discovery_Method"))
    assert "is an action" in check_value("FEDERATION_Test_Setup", True, spec("FEDERATION_Test_Setup"))
    assert check_value("Unknown_Setting", object()) is None


def test_unknown_settings_are_typed_by_their_current_value():
    assert "currently holds a JSON boolean" in check_against_current("Message_AllowEditing", "yes", True)
    assert check_against_current("Message_AllowEditing", False, True) is None
    assert check_against_current("Some_Int", 5.0, 4) is None
    assert "JSON integer" in check_against_current("Some_Int", "5", 4)
    assert "JSON string" in check_against_current("Some_String", 5, "")   # a stored string types the setting
    assert check_against_current("Some_Int", 5, "4") is None          # repairs an int stored as text
    assert check_against_current("Some_Null", True, None) is None


def test_plan_changes_in_given_order():
    desired = {"b": 1, "a": True, "c": "x"}
    assert plan_changes(desired, {"a": 1, "b": 1, "c": "y"}) == ["a", "c"]
    assert plan_changes(desired, dict(desired)) == []


def test_diff_masks_secrets_but_not_empty_values():
    diff = build_diff({"SMTP_Password": "", "Site_Name": "a"}, {"SMTP_Password": "pw", "Site_Name": "b"},
                      {"SMTP_Password"})
    assert diff == {"before": {"SMTP_Password": "", "Site_Name": "a"},
                    "after": {"SMTP_Password": MASK, "Site_Name": "b"}}


def test_validate_known_knows_each_release():
    assert validate_known({"Federation_Matrix_enabled": True}, V("7.10.4")) == []
    hidden = validate_known({"FEDERATION_Domain": "x.org"}, V("7.11.0"))
    assert hidden == ["setting FEDERATION_Domain does not exist or is hidden on Rocket.Chat 7.11.0."]
    gone = validate_known({"Federation_Matrix_enabled": True}, V("8.0.1"))
    assert "does not exist on Rocket.Chat 8.0.1 (it exists in 4.7 to before 8.0)" in gone[0]
    early = validate_known({"Federation_Service_Enabled": True}, V("7.10"))
    assert "7.11 and later" in early[0]
    assert validate_known({"Not_In_Catalog": "x"}, V("7.10")) == []
    assert "needs a JSON boolean" in validate_known({"Federation_Service_Enabled": "yes"}, V("8.6"))[0]


def test_write_path_per_release():
    assert choose_write_path(V("8.6.0")) == "bulk"
    assert choose_write_path(V("8.5.9")) == "method.call"
    assert choose_write_path(V("6.9")) == "method.call"


def test_readonly_warnings_name_the_pinning_alternatives():
    warnings = readonly_warnings(["Federation_Matrix_hs_token", "Site_Name"], V("7.10.4"))
    assert len(warnings) == 1 and "OVERWRITE_SETTING_Federation_Matrix_hs_token" in warnings[0]
    assert readonly_warnings(["Federation_Matrix_homeserver_url"], V("7.11.0"))
    assert not readonly_warnings(["Federation_Matrix_homeserver_url"], V("7.10.0"))


def test_catalog_secret_ids_and_federation_ids():
    assert {"Federation_Matrix_hs_token", "Federation_Service_Matrix_Signing_Key", "SMTP_Password"} <= \
        catalog.secret_ids()
    ids = catalog.federation_ids(V("7.11"))
    assert "FEDERATION_Enabled" in ids and "FEDERATION_Domain" not in ids
    assert "Federation_Service_Validate_User_Domain" not in ids
    assert "Federation_Service_Validate_User_Domain" in catalog.federation_ids(V("8.6"))
    assert not [i for i in catalog.federation_ids(V("8.0")) if not i.startswith("Federation_Service_")]
