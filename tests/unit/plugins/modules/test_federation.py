import hashlib
import json

from ansible_collections.fedops.rocketchat.plugins.modules import federation as federation_module

from tests.unit.plugins.module_utils._rocketchat.fakes import AUTH, fake_client, run  # noqa: F401  pylint: disable=unused-import

BRIDGE_710 = {
    "uniqueID": "dep-1", "FEDERATION_Enabled": False, "Federation_Matrix_enabled": False,
    "Federation_Matrix_homeserver_url": "http://localhost:8008",
    "Federation_Matrix_homeserver_domain": "https://chat.example.com",
    "Federation_Matrix_hs_token": hashlib.sha256(b"hs_dep-1").hexdigest(),
    "Federation_Matrix_as_token": hashlib.sha256(b"as_dep-1").hexdigest(),
    "Federation_Matrix_configuration_status": "Invalid",
}
NATIVE_711 = {"Federation_Service_Enabled": False, "Federation_Service_Domain": "", "Federation_Service_Allow_List": "",
              "Federation_Service_Matrix_Signing_Key": "c2VjcmV0"}
BRIDGE_ARGS = {"homeserver_url": "http://synapse:8008", "homeserver_domain": "example.com",
               "hs_token": "h" * 40, "as_token": "a" * 40}


def test_bridge_converges_with_tokens_masked(fake_client, capsys):
    fake_client(values=BRIDGE_710)
    result, failed, client = run(federation_module.main, dict(AUTH, mode="matrix_bridge", matrix_bridge=BRIDGE_ARGS),
                                 capsys, diff=True)
    assert not failed and result["changed"]
    assert client.writes[0][0] == "method.call"
    written = client.writes[0][1]
    assert written["Federation_Matrix_homeserver_domain"] == "example.com" and "FEDERATION_Enabled" not in written
    assert result["after"]["FEDERATION_Enabled"] is False and written["Federation_Matrix_enabled"] is True
    text = json.dumps(result)
    assert "h" * 40 not in text and "a" * 40 not in text
    assert result["diff"]["after"]["Federation_Matrix_hs_token"] == "********"
    assert result["supported_modes"] == ["legacy", "matrix_bridge"]


def test_bridge_refuses_default_tokens_before_writing(fake_client, capsys):
    fake_client(values=BRIDGE_710)
    args = dict(BRIDGE_ARGS, hs_token=hashlib.sha256(b"hs_dep-1").hexdigest())
    result, failed, client = run(federation_module.main, dict(AUTH, mode="matrix_bridge", matrix_bridge=args), capsys)
    assert failed and "derive" in result["msg"] and client.writes == []
    args = {"homeserver_url": "http://synapse:8008", "homeserver_domain": "example.com"}
    result, failed, client = run(federation_module.main, dict(AUTH, mode="matrix_bridge", matrix_bridge=args), capsys)
    assert failed and "still Rocket.Chat's default" in result["msg"] and client.writes == []


def test_check_configuration_returns_status(fake_client, capsys):
    fake_client(values=BRIDGE_710)
    args = dict(AUTH, mode="matrix_bridge", matrix_bridge=BRIDGE_ARGS, check_configuration=True)
    result, failed, client = run(federation_module.main, args, capsys)
    assert not failed and client.actions == ["Federation_Matrix_check_configuration_button"]
    assert result["configuration_status"] == "Invalid" and "homeserver unreachable" in result["configuration_message"]


def test_check_mode_writes_nothing_and_does_not_press_the_check(fake_client, capsys):
    fake_client(values=BRIDGE_710)
    args = dict(AUTH, mode="matrix_bridge", matrix_bridge=BRIDGE_ARGS, check_configuration=True)
    result, failed, client = run(federation_module.main, args, capsys, check_mode=True)
    assert not failed and result["changed"] and client.writes == [] and client.actions == []
    assert result["configuration_checked"] is False


def test_mode_refused_on_release(fake_client, capsys):
    fake_client(values=BRIDGE_710)
    result, failed, client = run(federation_module.main, dict(AUTH, mode="native", native={"domain": "c.example"}),
                                 capsys)
    assert failed and "needs Rocket.Chat 7.11 and later" in result["msg"] and client.writes == []


def test_native_with_allow_list_warning(fake_client, capsys):
    fake_client(values=NATIVE_711, version="7.11.1")
    result, failed, client = run(federation_module.main, dict(AUTH, mode="native", native={
        "domain": "chat.example.com", "allow_list": ["example.org"]}), capsys)
    assert not failed and client.writes[0][1]["Federation_Service_Allow_List"] == "example.org"
    assert any("badexample.org" in w for w in result["warnings"])


def test_native_domain_validation(fake_client, capsys):
    fake_client(values=NATIVE_711, version="7.11.1")
    result, failed, client = run(federation_module.main, dict(AUTH, mode="native", native={
        "domain": "Chat.Example.com"}), capsys)
    assert failed and "lower case" in result["msg"] and client.writes == []


def test_required_section_per_mode(fake_client, capsys):
    fake_client(values=NATIVE_711, version="7.11.1")
    result, failed, _client = run(federation_module.main, dict(AUTH, mode="native"), capsys)
    assert failed and "mode is native but all of the following are missing: native" in result["msg"]


def test_disabled_is_idempotent(fake_client, capsys):
    fake_client(values=dict(NATIVE_711, FEDERATION_Enabled=False, Federation_Matrix_enabled=False), version="7.11.1")
    result, failed, client = run(federation_module.main, dict(AUTH, mode="disabled"), capsys)
    assert not failed and not result["changed"] and client.writes == []


def test_check_configuration_outside_the_bridge_is_refused_before_writing(fake_client, capsys):
    fake_client(values=NATIVE_711, version="7.11.1")
    args = dict(AUTH, mode="native", native={"domain": "chat.example.com"}, check_configuration=True)
    result, failed, client = run(federation_module.main, args, capsys)
    assert failed and "check_configuration applies to mode=matrix_bridge" in result["msg"] and client.writes == []


def test_native_on_an_unlicensed_server_fails_before_any_write(fake_client, capsys):
    """C-LIC-1, C-LIC-2: mode=native refuses a server whose licence lacks the federation module, in check mode too."""
    for check_mode in (True, False):
        fake_client(values=NATIVE_711, version="8.0.2", license_modules=[])
        result, failed, client = run(federation_module.main, dict(AUTH, mode="native", native={
            "domain": "chat.example.com"}), capsys, check_mode=check_mode)
        assert failed and client.writes == []
        assert "Enterprise licence with the 'federation' module" in result["msg"]
        assert "active licence modules: none" in result["msg"]


def test_native_with_the_federation_module_reports_the_licence(fake_client, capsys):
    fake_client(values=NATIVE_711, version="8.0.2", license_modules=["federation", "auditing"])
    result, failed, client = run(federation_module.main, dict(AUTH, mode="native", native={
        "domain": "chat.example.com"}), capsys)
    assert not failed and client.writes and result["license"]["federation_module"] is True


def test_native_warns_when_the_licence_cannot_be_read(fake_client, capsys):
    fake_client(values=NATIVE_711, version="7.11.1", license_modules=None)
    result, failed, client = run(federation_module.main, dict(AUTH, mode="native", native={
        "domain": "chat.example.com"}), capsys)
    assert not failed and client.writes
    assert any("Could not confirm that the licence" in w for w in result["warnings"])


def test_check_configuration_needs_6_12(fake_client, capsys):
    """C-CAT-2: the configuration check arrived in 6.12; earlier bridges are told so before any write."""
    fake_client(values=BRIDGE_710, version="6.9.7")
    result, failed, client = run(federation_module.main, dict(AUTH, mode="matrix_bridge", matrix_bridge=BRIDGE_ARGS,
                                                              check_configuration=True), capsys)
    assert failed and "needs Rocket.Chat 6.12 or later" in result["msg"] and client.writes == []
    assert client.actions == []


def test_early_bridge_options_the_release_lacks_are_reported_unsupported(fake_client, capsys):
    """C-CAT-2: 5.4 has no Federation_Matrix_enable_ephemeral_events; the option is refused, nothing read fails."""
    fake_client(values=BRIDGE_710, version="5.4.9")
    result, failed, client = run(federation_module.main, dict(AUTH, mode="matrix_bridge", matrix_bridge=dict(
        BRIDGE_ARGS, enable_ephemeral_events=True)), capsys)
    assert failed and client.writes == []
    assert "matrix_bridge.enable_ephemeral_events needs Rocket.Chat 6.7 or later" in result["msg"]


def test_options_of_another_mode_fail_the_module_before_writing(fake_client, capsys):
    fake_client(values=NATIVE_711, version="7.11.1")
    result, failed, client = run(federation_module.main, dict(AUTH, mode="native", native={"domain": "c.example.com"},
                                                              legacy={"domain": "example.com"}), capsys)
    assert failed and client.writes == [] and "mode=native" in result["msg"] and "legacy" in result["msg"]
