import json

from ansible_collections.fedops.rocketchat.plugins.modules import federation_info as info_module

from tests.unit.plugins.module_utils._rocketchat.fakes import AUTH, fake_client, run  # noqa: F401  pylint: disable=unused-import

KEY = "-----BEGIN PUBLIC KEY-----" + "A" * 126 + "-----END PUBLIC KEY-----"
VALUES = {
    "uniqueID": "dep", "Site_Url": "https://chat.example.com",
    "FEDERATION_Enabled": True, "FEDERATION_Status": "Enabled", "FEDERATION_Domain": "example.com",
    "FEDERATION_Public_Key": KEY, "FEDERATION_Discovery_Method": "dns",
    "Federation_Matrix_enabled": False, "Federation_Matrix_hs_token": "secret-hs-token-value",
    "Federation_Matrix_as_token": "secret-as-token-value",
    "Federation_Matrix_registration_file": "id: x\nhs_token: secret-hs-token-value\nas_token: secret-as-token-value\n",
}


def test_facts_mask_secrets_and_list_records(fake_client, capsys):
    fake_client(values=VALUES)
    result, failed, client = run(info_module.main, dict(AUTH), capsys)
    assert not failed and not result["changed"] and client.writes == []
    assert "secret-hs-token-value" not in json.dumps(result)
    assert result["active_mode"] == "legacy" and result["supported_modes"] == ["legacy", "matrix_bridge"]
    assert result["legacy"]["dns_records"][0]["value"] == "1 1 443 chat.example.com"
    assert result["legacy"]["dns_records"][1] == {"type": "TXT", "name": "rocketchat-public-key.example.com",
                                                  "value": KEY}
    assert "Federation_Matrix_serve_well_known" in result["hidden_settings"]   # not served by this fake


def test_show_secrets(fake_client, capsys):
    fake_client(values=VALUES)
    result, failed, _client = run(info_module.main, dict(AUTH, show_secrets=True), capsys)
    assert not failed and "hs_token: secret-hs-token-value" in result["matrix_bridge"]["registration_file"]


def test_check_mode_gives_the_same_facts_and_writes_nothing(fake_client, capsys):
    fake_client(values=VALUES)
    normal, failed, client = run(info_module.main, dict(AUTH), capsys)
    assert not failed and client.writes == [] and client.actions == []
    checked, failed, client = run(info_module.main, dict(AUTH), capsys, check_mode=True)
    assert not failed and client.writes == [] and client.actions == []
    assert checked == normal and checked["changed"] is False
    assert checked["legacy"]["status"] == "Enabled" and checked["version"] == "7.10.4"


NATIVE_VALUES = {"uniqueID": "dep", "Site_Url": "https://chat.example.com", "Federation_Service_Enabled": True,
                 "Federation_Service_Domain": "chat.example.com", "Federation_Service_Allow_List": ""}


def test_licence_state_is_reported(fake_client, capsys):
    """C-LIC-1, C-LIC-2: federation_info reads licenses.info and reports whether the federation module is licensed."""
    fake_client(version="8.0.2", values=NATIVE_VALUES, license_modules=["livechat-enterprise"])
    result, failed, _client = run(info_module.main, dict(AUTH), capsys)
    assert not failed
    assert result["license"]["checked"] is True and result["license"]["federation_module"] is False
    assert result["license"]["active_modules"] == ["livechat-enterprise"]
    assert result["native"]["licensed"] is False and "invalid values" in result["native"]["license_warning"]
    fake_client(license_modules=["federation"])
    result, failed, _client = run(info_module.main, dict(AUTH), capsys)
    assert not failed and result["license"]["federation_module"] is True and result["native"]["licensed"] is True
    assert "license_warning" not in result["native"]


def test_early_bridge_reports_settings_the_release_lacks(fake_client, capsys):
    """C-CAT-2: on 5.4 the ephemeral, room size, status and button settings are reported unsupported."""
    fake_client(version="5.4.9", values={"uniqueID": "dep", "Site_Url": "https://chat.example.com",
                                         "Federation_Matrix_enabled": False}, license_modules=None)
    result, failed, client = run(info_module.main, dict(AUTH), capsys)
    assert not failed and client.writes == []
    assert set(result["unsupported_settings"]) == {
        "Federation_Matrix_enable_ephemeral_events", "Federation_Matrix_max_size_of_public_rooms_users",
        "Federation_Matrix_configuration_status", "Federation_Matrix_check_configuration_button",
        "Federation_Matrix_serve_well_known"}
    assert result["unsupported_settings"]["Federation_Matrix_configuration_status"] == "6.12 to before 8.0"
    assert result["license"]["checked"] is False
