import json

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat import _module as glue
from ansible_collections.fedops.rocketchat.plugins.modules import settings as settings_module

from tests.unit.plugins.module_utils._rocketchat.fakes import AUTH, fake_client, run  # noqa: F401  pylint: disable=unused-import

BASE = {"Site_Name": "Rocket.Chat", "Message_MaxAllowedSize": 5000, "SMTP_Password": "", "Message_AllowEditing": True,
        "API_Upper_Count_Limit": 100}


def test_changes_are_written_once_with_the_method_before_8_6(fake_client, capsys):
    fake_client(values=BASE)
    args = dict(AUTH, settings={"Site_Name": "Chat", "Message_MaxAllowedSize": 5000})
    result, failed, client = run(settings_module.main, args, capsys)
    assert not failed and result["changed"] and result["changed_settings"] == ["Site_Name"]
    assert client.writes == [("method.call", {"Site_Name": "Chat"})] and client.closed
    assert result["write_method"] == "method.call" and "diff" not in result


def test_bulk_path_on_8_6(fake_client, capsys):
    fake_client(values=BASE, version="8.6.0")
    args = dict(AUTH, settings={"Site_Name": "X", "Message_MaxAllowedSize": 1})
    result, _failed, client = run(settings_module.main, args, capsys)
    assert client.writes == [("bulk", {"Site_Name": "X", "Message_MaxAllowedSize": 1})]
    assert result["write_method"] == "bulk"


def test_check_mode_predicts_and_writes_nothing(fake_client, capsys):
    fake_client(values=BASE)
    result, failed, client = run(settings_module.main, dict(AUTH, settings={"Site_Name": "Chat"}), capsys,
                                 check_mode=True, diff=True)
    assert not failed and result["changed"] and client.writes == []
    assert result["diff"] == {"before": {"Site_Name": "Rocket.Chat"}, "after": {"Site_Name": "Chat"}}


def test_no_change_no_write(fake_client, capsys):
    fake_client(values=BASE)
    result, _failed, client = run(settings_module.main, dict(AUTH, settings={"Message_AllowEditing": True}), capsys)
    assert not result["changed"] and client.writes == [] and result["write_method"] is None


def test_secret_values_are_masked_in_diff_and_result(fake_client, capsys):
    fake_client(values=BASE)
    args = dict(AUTH, settings={"Site_Name": "A"}, secret_settings={"SMTP_Password": "hunter22"})
    result, _failed, _client = run(settings_module.main, args, capsys, diff=True)
    text = json.dumps(result)
    assert "hunter22" not in text
    assert result["after"]["SMTP_Password"] == "********" and result["diff"]["after"]["SMTP_Password"] == "********"


def test_known_secret_in_plain_settings_warns(fake_client, capsys):
    fake_client(values=BASE)
    result, _failed, _client = run(settings_module.main, dict(AUTH, settings={"SMTP_Password": "x"}), capsys)
    assert any("secret_settings" in w for w in result["warnings"])
    assert result["after"]["SMTP_Password"] == "********"


@pytest.mark.parametrize("settings,text", [
    ({"API_Upper_Count_Limit": "100"}, "needs a JSON integer"),
    ({"Message_MaxAllowedSize": "100"}, "currently holds a JSON integer"),
    ({"Message_AllowEditing": "yes"}, "currently holds a JSON boolean"),
    ({"Federation_Service_Enabled": True}, "does not exist on Rocket.Chat 7.10.4"),
    ({"FEDERATION_Test_Setup": True}, "is an action"),
])
def test_wrong_type_or_release_is_refused_before_any_write(fake_client, capsys, settings, text):
    fake_client(values=dict(BASE, FEDERATION_Test_Setup="FEDERATION_Test_Setup"))
    result, failed, client = run(settings_module.main, dict(AUTH, settings=settings), capsys)
    assert failed and text in result["msg"] and client.writes == []


def test_hidden_setting_fails_with_the_release(fake_client, capsys):
    fake_client(values=BASE, hidden={"SMTP_Host"})
    result, failed, client = run(settings_module.main, dict(AUTH, settings={"SMTP_Host": "x", "Site_Name": "B"}),
                                 capsys)
    assert failed and "SMTP_Host does not exist or is hidden on Rocket.Chat 7.10.4" in result["msg"]
    assert client.writes == []


@pytest.mark.parametrize("args,text", [
    ({}, "give the settings to set"),
    ({"settings": {"A": 1}, "secret_settings": {"A": 2}}, "both set A"),
    ({"settings": {"A": 1}, "url": "chat.example.com"}, "url must start with https://"),
    ({"settings": {"A": 1}, "user_id": ""}, "user_id is empty; give the id of the user who owns auth_token"),
    ({"settings": {"A": 1}, "auth_token": ""}, "auth_token is empty; give a personal access token of user_id"),
])
def test_bad_input(fake_client, capsys, args, text):
    fake_client(values=BASE)
    result, failed, client = run(settings_module.main, dict(AUTH, **args), capsys)
    assert failed and text in result["msg"]
    assert client is None          # refused before a client (and so any request) existed


def test_auth_option_rules(fake_client, capsys):
    fake_client(values=BASE)
    result, failed, _client = run(settings_module.main, {"url": "https://x", "settings": {"A": 1}}, capsys)
    assert failed and "one of the following is required: auth_token, username" in result["msg"]
    result, failed, _client = run(settings_module.main, {"url": "https://x", "username": "a", "settings": {"A": 1}},
                                  capsys)
    assert failed and "password" in result["msg"]


def test_missing_requests_is_reported(monkeypatch, capsys):
    monkeypatch.setattr(glue, "HAS_REQUESTS", False)
    result, failed, _client = run(settings_module.main, dict(AUTH, settings={"A": 1}), capsys)
    assert failed and "requests" in result["msg"]
