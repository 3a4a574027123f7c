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


def test_check_mode_is_supported(fake_client, capsys):
    fake_client(values=VALUES)
    result, failed, _client = run(info_module.main, dict(AUTH), capsys, check_mode=True)
    assert not failed and result["version"] == "7.10.4"
