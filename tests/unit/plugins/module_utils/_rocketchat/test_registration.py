"""The registration Rocket.Chat's bridge builds from its settings, compared with the file Synapse loads."""
import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat import _registration as reg
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._errors import RocketChatValidationError

SETTINGS = {
    "Federation_Matrix_id": "rocketchat_example_org",
    "Federation_Matrix_hs_token": "hs-secret-token-value",
    "Federation_Matrix_as_token": "as-secret-token-value",
    "Federation_Matrix_bridge_url": "http://rocketchat:3300",
    "Federation_Matrix_bridge_localpart": "rocket.cat",
    "Federation_Matrix_enable_ephemeral_events": True,
}

FILE = """\
id: rocketchat_example_org
hs_token: hs-secret-token-value
as_token: as-secret-token-value
url: http://rocketchat:3300
sender_localpart: rocket.cat
namespaces:
  users:
    - exclusive: false
      regex: ".*"
  rooms:
    - exclusive: false
      regex: ".*"
  aliases:
    - exclusive: false
      regex: ".*"
de.sorunome.msc2409.push_ephemeral: true
"""


def test_registration_from_settings_has_rocketchats_shape():
    built = reg.registration_from_settings(SETTINGS)
    assert list(built) == ["id", "hs_token", "as_token", "url", "sender_localpart", "namespaces", reg.EPHEMERAL_KEY]
    assert built["namespaces"] == {k: [{"exclusive": False, "regex": ".*"}] for k in ("users", "rooms", "aliases")}
    assert built[reg.EPHEMERAL_KEY] is True
    assert reg.registration_from_settings(dict(SETTINGS, Federation_Matrix_enable_ephemeral_events=False))[
        reg.EPHEMERAL_KEY] is False


def test_matching_file_has_no_differences():
    assert reg.compare_with_settings(SETTINGS, reg.parse_registration(FILE)) == []


def test_trailing_slash_and_namespace_order_do_not_matter():
    data = reg.parse_registration(FILE)
    data["url"] = "http://rocketchat:3300/"
    data["namespaces"] = {k: data["namespaces"][k] for k in ("aliases", "users", "rooms")}
    assert reg.compare_with_settings(SETTINGS, data) == []


def test_token_differences_never_show_values():
    data = reg.parse_registration(FILE)
    data["as_token"] = "another-as-token"
    data["hs_token"] = "another-hs-token"
    differences = reg.compare_with_settings(SETTINGS, data)
    assert differences == ["hs_token differs from Rocket.Chat's Federation_Matrix_hs_token",
                           "as_token differs from Rocket.Chat's Federation_Matrix_as_token"]
    text = " ".join(differences)
    for secret in ("hs-secret-token-value", "as-secret-token-value", "another-as-token", "another-hs-token"):
        assert secret not in text


def test_plain_fields_name_both_values():
    data = reg.parse_registration(FILE)
    data["url"] = "http://127.0.0.1:3300"
    data["sender_localpart"] = "bridgebot"
    del data["id"]
    assert reg.compare_with_settings(SETTINGS, data) == [
        "id is missing from the file; Rocket.Chat has 'rocketchat_example_org'",
        "url is 'http://127.0.0.1:3300' in the file but 'http://rocketchat:3300' in Rocket.Chat",
        "sender_localpart is 'bridgebot' in the file but 'rocket.cat' in Rocket.Chat",
    ]


@pytest.mark.parametrize("in_file, setting, fragment", [
    (False, True, "off in the file but Federation_Matrix_enable_ephemeral_events is true"),
    (True, False, "on in the file but Federation_Matrix_enable_ephemeral_events is false"),
])
def test_ephemeral_switch_must_agree(in_file, setting, fragment):
    data = reg.parse_registration(FILE)
    data[reg.EPHEMERAL_KEY] = in_file
    differences = reg.compare_with_settings(dict(SETTINGS, Federation_Matrix_enable_ephemeral_events=setting), data)
    assert len(differences) == 1 and fragment in differences[0]


def test_stable_receive_ephemeral_key_wins_like_synapse():
    data = reg.parse_registration(FILE)
    data["receive_ephemeral"] = False
    assert "ephemeral events" in reg.compare_with_settings(SETTINGS, data)[0]


def test_missing_ephemeral_setting_means_off():
    settings = dict(SETTINGS)
    del settings["Federation_Matrix_enable_ephemeral_events"]
    data = reg.parse_registration(FILE)
    data[reg.EPHEMERAL_KEY] = False
    assert reg.compare_with_settings(settings, data) == []


def test_exclusive_or_narrow_namespaces_are_differences():
    data = reg.parse_registration(FILE)
    data["namespaces"]["users"] = [{"exclusive": True, "regex": "@rc_.*"}]
    data["namespaces"]["rooms"] = "nope"
    assert reg.compare_with_settings(SETTINGS, data) == [
        "namespaces.users is @rc_.* (exclusive) in the file but .* in Rocket.Chat",
        "namespaces.rooms is not a list in the file but .* in Rocket.Chat",
    ]


def test_not_a_mapping():
    assert reg.registration_differences(reg.registration_from_settings(SETTINGS), ["x"]) == [
        "the registration file is not a YAML mapping"]
    with pytest.raises(RocketChatValidationError, match="does not hold a YAML mapping"):
        reg.parse_registration("- a\n- b\n")
    with pytest.raises(RocketChatValidationError, match="not valid YAML"):
        reg.parse_registration("id: [unclosed\n")


def test_load_registration_file(tmp_path):
    path = tmp_path / "rocketchat.yaml"
    path.write_text(FILE)
    assert reg.load_registration_file(str(path))["id"] == "rocketchat_example_org"
    with pytest.raises(RocketChatValidationError, match="cannot read"):
        reg.load_registration_file(str(tmp_path / "missing.yaml"))


class _Client:
    def __init__(self, settings):
        self.settings = settings
        self.asked = None

    def get_settings(self, ids, missing_ok=False):
        self.asked = (list(ids), missing_ok)
        return {k: v for k, v in self.settings.items() if k in ids}


def test_differences_from_server_reads_the_bridge_settings():
    client = _Client(SETTINGS)
    data = reg.parse_registration(FILE)
    data["hs_token"] = "other"
    assert reg.registration_differences_from_server(client, data) == [
        "hs_token differs from Rocket.Chat's Federation_Matrix_hs_token"]
    assert client.asked == (list(reg.SETTING_IDS), True)


def test_differences_from_server_without_bridge():
    with pytest.raises(RocketChatValidationError, match="no Matrix bridge settings"):
        reg.registration_differences_from_server(_Client({}), reg.parse_registration(FILE))
