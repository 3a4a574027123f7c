"""The setting catalogue: ranges per release with their source, licence data, and the pure value checks every
value the collection sends goes through."""
import math

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat import _catalog as catalog
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._settings import validate_known
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._version import RocketChatVersion as V


@pytest.mark.parametrize("setting_id,first", [
    ("Federation_Matrix_max_size_of_public_rooms_users", "6.0"),
    ("Federation_Matrix_enable_ephemeral_events", "6.7"),
    ("Federation_Matrix_serve_well_known", "6.8"),
    ("Federation_Matrix_configuration_status", "6.12"),
    ("Federation_Matrix_check_configuration_button", "6.12"),
])
def test_bridge_settings_start_in_the_release_that_added_them(setting_id, first):
    """C-CAT-2: the early bridge (4.7 to 5.x) has none of these."""
    spec = catalog.lookup(setting_id)
    assert catalog.describe_range(setting_id) == "%s to before 8.0" % first
    assert not spec.exists_in("5.4.9") and spec.exists_in(first) and spec.exists_in("7.10.4")
    assert spec.source


def test_every_federation_entry_records_its_source():
    for spec in catalog.SPECS.values():
        if spec.id.startswith(catalog.FEDERATION_PREFIXES):
            assert spec.source and ("apps/meteor/" in spec.source or "Rocket.Chat#" in spec.source), spec.id


def test_the_7_11_button_is_readonly_and_hidden():
    """C-SET-7."""
    spec = catalog.lookup("Federation_Matrix_check_configuration_button")
    assert spec.readonly_in("7.11.0") and spec.hidden_in("7.11.0") and not spec.readonly_in("7.10.4")


def test_enterprise_settings_carry_their_invalid_value():
    """C-LIC-2: native settings need module 'federation'; the allow list is not enterprise."""
    assert catalog.lookup("Federation_Service_Enabled").invalid_value is False
    assert catalog.lookup("Federation_Service_Domain").invalid_value == ""
    assert catalog.lookup("Federation_Service_Matrix_Signing_Key").modules == ("federation",)
    assert not catalog.lookup("Federation_Service_Allow_List").enterprise
    assert "Federation_Service_Allow_List" not in catalog.enterprise_ids("8.6.0")
    assert catalog.enterprise_ids("5.4.9") == []
    assert catalog.enterprise_ids("6.9.7") == ["Federation_Matrix_max_size_of_public_rooms_users"]


def test_unsupported_ids_are_those_a_release_of_the_generation_lacks():
    """C-CAT-2, C-CAT-3."""
    assert set(catalog.unsupported_ids("5.4.9")) == {
        "Federation_Matrix_enable_ephemeral_events", "Federation_Matrix_max_size_of_public_rooms_users",
        "Federation_Matrix_serve_well_known", "Federation_Matrix_configuration_status",
        "Federation_Matrix_check_configuration_button"}
    assert set(catalog.unsupported_ids("7.11.1")) == {"Federation_Service_EDU_Process_Receipt",
                                                      "Federation_Service_Validate_User_Domain"}
    assert catalog.unsupported_ids("8.6.0") == {}


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, [1.0, math.nan], {"a": math.inf}])
def test_non_finite_numbers_are_refused_for_every_setting(value):
    """Issue 13 item 3: NaN and infinities have no JSON form; refused for known and unknown settings alike."""
    errors = validate_known({"Some_Setting_Outside_The_Catalog": value, "Message_MaxAllowedSize": value},
                            V("8.0.2"))
    assert len(errors) == 2 and all("not a finite number" in e for e in errors)
    assert catalog.value_problem("X", 1.5) is None and catalog.value_problem("X", 2) is None


def test_value_problem_checks_type_choices_actions_and_minimum():
    spec = catalog.lookup
    assert "needs a JSON boolean" in catalog.value_problem("Federation_Service_Enabled", "true",
                                                           spec("Federation_Service_Enabled"))
    assert "must be one of ed25519" in catalog.value_problem(
        "Federation_Service_Matrix_Signing_Algorithm", "rsa", spec("Federation_Service_Matrix_Signing_Algorithm"))
    assert "is an action" in catalog.value_problem("FEDERATION_Test_Setup", True, spec("FEDERATION_Test_Setup"))
    assert "must be 0 or more" in catalog.value_problem(
        "Federation_Service_max_allowed_size_of_public_rooms_to_join", -1,
        spec("Federation_Service_max_allowed_size_of_public_rooms_to_join"))


@pytest.mark.parametrize("value,current,refused", [
    ("yes", True, True),          # a boolean setting
    (True, False, False),
    ("100", 5000, True),          # an int setting
    (100, 5000.0, False),
    (5, "Rocket.Chat", True),     # a string setting: strings type it too
    (True, "", True),
    (True, "true", False),        # repairs a boolean an earlier client stored as text
    (100, "100", False),          # repairs an int stored as text
    (["a"], [], False),
    ("a", [], True),
])
def test_settings_outside_the_catalog_are_typed_by_the_stored_value(value, current, refused):
    """C-SET-4: 8.x stores any type on per-id writes, so the collection infers the type from the stored value."""
    error, warning = catalog.unknown_setting_problem("Custom_Setting", value, current)
    assert (error is not None) is refused and warning is None
    if refused:
        assert "Rocket.Chat would store the wrong type" in error


def test_a_setting_outside_the_catalog_holding_null_is_sent_with_a_warning():
    error, warning = catalog.unknown_setting_problem("Custom_Setting", 5, None)
    assert error is None and "cannot be checked" in warning
