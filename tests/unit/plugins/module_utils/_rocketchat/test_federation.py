import hashlib

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._errors import (
    RocketChatValidationError,
    RocketChatVersionError,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._federation import (
    analyse_allow_list,
    bridge_token_check,
    derived_default_tokens,
    desired_settings,
    require_mode,
    supported_modes,
    validate_homeserver_domain,
    validate_native_domain,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._info import (
    active_mode,
    legacy_dns_records,
    mask_registration,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._version import RocketChatVersion as V

BRIDGE = {"homeserver_url": "http://synapse:8008", "homeserver_domain": "example.com", "hs_token": "h" * 32,
          "as_token": "a" * 32}


@pytest.mark.parametrize("version,modes", [
    ("4.6", ["legacy"]), ("4.7", ["legacy", "matrix_bridge"]), ("6.9.7", ["legacy", "matrix_bridge"]),
    ("7.10.4", ["legacy", "matrix_bridge"]), ("7.11.0", ["native"]), ("8.6", ["native"]),
])
def test_supported_modes_per_release(version, modes):
    assert supported_modes(V(version)) == modes


def test_unsupported_mode_names_the_releases_that_have_it():
    with pytest.raises(RocketChatVersionError) as info:
        require_mode("matrix_bridge", V("8.6.0"))
    assert "Rocket.Chat 4.7 to 7.10" in str(info.value) and "This server supports: native, disabled" in str(info.value)
    with pytest.raises(RocketChatVersionError, match="7.11 and later"):
        require_mode("native", V("7.10"))
    with pytest.raises(RocketChatVersionError, match="ENABLE_INSECURE_LEGACY_FEDERATION"):
        require_mode("legacy", V("7.11"))
    require_mode("disabled", V("8.6"))


@pytest.mark.parametrize("domain,ok", [
    ("chat.example.com", True), ("example.com", True), ("Chat.example.com", False), ("https://chat.example.com", False),
    ("chat.example.com:8448", False), ("chat.example.com/x", False), ("", False), ("-bad.example", False),
])
def test_native_domain_rules(domain, ok):
    assert (validate_native_domain(domain) is None) is ok


@pytest.mark.parametrize("domain,ok", [("example.com", True), ("example.com:8448", True), ("[::1]:8448", True),
                                       ("https://example.com", False), ("example.com/", False), ("", False)])
def test_homeserver_domain_rules(domain, ok):
    assert (validate_homeserver_domain(domain) is None) is ok


def test_allow_list_suffix_warnings_and_normalisation():
    entries, warnings = analyse_allow_list(["*.Example.org", "partner.example", " *.example.org ", ""])
    assert entries == ["*.example.org", "partner.example"]
    assert len(warnings) == 1 and "'badpartner.example'" in warnings[0] and "'*.partner.example'" in warnings[0]
    with pytest.raises(RocketChatValidationError):
        analyse_allow_list(["not a domain"])


def test_default_tokens_are_sha256_of_prefix_and_unique_id():
    assert derived_default_tokens("abc") == (hashlib.sha256(b"hs_abc").hexdigest(),
                                             hashlib.sha256(b"as_abc").hexdigest())


def test_bridge_intent_on_7_10_sets_domain_and_switches_legacy_off():
    desired, secrets, _warnings = desired_settings("matrix_bridge", {"matrix_bridge": BRIDGE}, V("7.10.4"))
    assert desired == {
        "Federation_Matrix_homeserver_url": "http://synapse:8008",
        "Federation_Matrix_homeserver_domain": "example.com",
        "Federation_Matrix_hs_token": "h" * 32, "Federation_Matrix_as_token": "a" * 32,
        "Federation_Matrix_enabled": True, "FEDERATION_Enabled": False,
    }
    assert secrets == {"Federation_Matrix_hs_token", "Federation_Matrix_as_token"}


def test_bridge_intent_validations():
    with pytest.raises(RocketChatValidationError, match="not a URL"):
        desired_settings("matrix_bridge", {"matrix_bridge": dict(BRIDGE, homeserver_domain="https://x.org")}, V("7.10"))
    with pytest.raises(RocketChatValidationError, match="must differ"):
        desired_settings("matrix_bridge", {"matrix_bridge": dict(BRIDGE, as_token="h" * 32)}, V("7.10"))
    with pytest.raises(RocketChatValidationError, match="too short"):
        desired_settings("matrix_bridge", {"matrix_bridge": dict(BRIDGE, hs_token="short")}, V("7.10"))
    with pytest.raises(RocketChatVersionError, match="serve_well_known needs Rocket.Chat 6.8"):
        desired_settings("matrix_bridge", {"matrix_bridge": dict(BRIDGE, serve_well_known=False)}, V("6.6"))


def test_bridge_token_check_refuses_derivable_defaults():
    hs, as_ = derived_default_tokens("dep")
    given = {"matrix_bridge": dict(BRIDGE, hs_token=hs)}
    assert "hs_token equals Rocket.Chat's default" in bridge_token_check({"uniqueID": "dep"}, given)[0]
    left = {"matrix_bridge": {"homeserver_url": "http://s", "homeserver_domain": "e.org"}}
    errors = bridge_token_check({"uniqueID": "dep", "Federation_Matrix_hs_token": hs,
                                 "Federation_Matrix_as_token": as_}, left)
    assert len(errors) == 2 and "set matrix_bridge.as_token" in errors[1]
    assert bridge_token_check({"uniqueID": "dep", "Federation_Matrix_hs_token": "x" * 40,
                               "Federation_Matrix_as_token": "y" * 40}, left) == []


def test_native_intent_on_7_11_leaves_the_readonly_old_switches_alone():
    params = {"native": {"domain": "chat.example.com", "allow_list": ["*.example.org"], "edu_typing": False}}
    desired, secrets, warnings = desired_settings("native", params, V("7.11.0"))
    assert desired == {"Federation_Service_Domain": "chat.example.com", "Federation_Service_EDU_Process_Typing": False,
                       "Federation_Service_Allow_List": "*.example.org", "Federation_Service_Enabled": True}
    assert "Federation_Service_Matrix_Signing_Key" in secrets and warnings == []


def test_native_options_gated_by_release_and_bare_entries_can_fail():
    with pytest.raises(RocketChatVersionError, match="edu_receipts needs Rocket.Chat 8.0"):
        desired_settings("native", {"native": {"domain": "c.example", "edu_receipts": True}}, V("7.11"))
    desired, _s, _w = desired_settings("native", {"native": {"domain": "c.example", "edu_receipts": True}}, V("8.6"))
    assert desired["Federation_Service_EDU_Process_Receipt"] is True
    bare = {"native": {"domain": "c.example", "allow_list": ["x.org"], "allow_list_bare_entries": "fail"}}
    with pytest.raises(RocketChatValidationError, match="suffix"):
        desired_settings("native", bare, V("8.0"))
    # exact matching: a bare entry admits only itself, nothing to refuse
    assert desired_settings("native", bare, V("8.6"))[0]["Federation_Service_Allow_List"] == "x.org"


@pytest.mark.parametrize("version,flags", [
    ("6.9", {"FEDERATION_Enabled": False, "Federation_Matrix_enabled": False}),
    ("7.11", {"FEDERATION_Enabled": False, "Federation_Matrix_enabled": False, "Federation_Service_Enabled": False}),
    ("8.6", {"Federation_Service_Enabled": False}),
])
def test_disabled_switches_every_generation_off(version, flags):
    assert desired_settings("disabled", {}, V(version))[0] == flags


def test_legacy_intent():
    desired, _s, warnings = desired_settings("legacy", {"legacy": {"domain": "example.com",
                                                                   "discovery_method": "hub"}}, V("7.10"))
    assert desired == {"FEDERATION_Domain": "example.com", "FEDERATION_Discovery_Method": "hub",
                       "FEDERATION_Enabled": True, "Federation_Matrix_enabled": False}
    assert any("hub.rocket.chat" in w for w in warnings) and any("ENABLE_INSECURE" in w for w in warnings)
    with pytest.raises(RocketChatValidationError, match="legacy.domain is required"):
        desired_settings("legacy", {"legacy": {}}, V("7.10"))


def test_legacy_dns_records():
    key = "-----BEGIN PUBLIC KEY-----abc-----END PUBLIC KEY-----"
    records = legacy_dns_records("example.com", "https://chat.example.com", key)
    assert records[0] == {"type": "SRV", "name": "_rocketchat._https.example.com", "priority": 1, "weight": 1,
                          "port": 443, "target": "chat.example.com", "value": "1 1 443 chat.example.com"}
    assert records[1] == {"type": "TXT", "name": "rocketchat-public-key.example.com", "value": key}
    plain = legacy_dns_records("example.com", "http://chat.example.com:3000", key)[0]
    assert plain["name"] == "_rocketchat._http.example.com" and plain["port"] == 3000
    assert legacy_dns_records("", "https://x", key) == []


def test_registration_masking_and_active_mode():
    text = "id: rc\nhs_token: secret1\nas_token: secret2\nurl: http://x:3300\n"
    assert mask_registration(text) == "id: rc\nhs_token: ********\nas_token: ********\nurl: http://x:3300\n"
    assert active_mode({"Federation_Matrix_enabled": True, "FEDERATION_Enabled": False}) == "matrix_bridge"
    assert active_mode({}) == "disabled"
    assert active_mode({"Federation_Matrix_enabled": True, "FEDERATION_Enabled": True}) == "multiple"


# --- issue 13 item 3: values Rocket.Chat cannot use are refused before the first write ----------------------
NATIVE_OK = {"domain": "chat.example.com"}


@pytest.mark.parametrize("key", [
    "not base64 at all!",
    "QUJD",                                                     # 3 bytes
    "A" * 86 + "==",                                            # 64 bytes: tweetnacl secret key, not the seed
    "ed25519 0 " + "A" * 43 + "=",                              # "<alg> <version> <key>"
])
def test_native_signing_key_must_be_base64_of_a_32_byte_seed(key):
    with pytest.raises(RocketChatValidationError, match="native.signing_key"):
        desired_settings("native", {"native": dict(NATIVE_OK, signing_key=key)}, V("7.11.1"))


def test_native_signing_key_of_32_bytes_is_accepted():
    key = "A" * 43 + "="
    desired, _secrets, _warnings = desired_settings("native", {"native": dict(NATIVE_OK, signing_key=key)},
                                                    V("7.11.1"))
    assert desired["Federation_Service_Matrix_Signing_Key"] == key


@pytest.mark.parametrize("domain", ["exa mple.com", "Example.com", "example.com/path", "https://example.com",
                                    "example.com:443"])
def test_legacy_domain_is_validated_like_the_native_domain(domain):
    with pytest.raises(RocketChatValidationError, match="legacy.domain"):
        desired_settings("legacy", {"legacy": {"domain": domain}}, V("6.9.7"))


@pytest.mark.parametrize("mode,section,option,version", [
    ("native", "native", "max_public_room_size", "7.11.1"),
    ("matrix_bridge", "matrix_bridge", "max_public_room_users", "7.10.4"),
])
def test_negative_room_sizes_are_refused(mode, section, option, version):
    opts = dict(NATIVE_OK) if mode == "native" else dict(BRIDGE)
    opts[option] = -1
    with pytest.raises(RocketChatValidationError, match="%s.%s" % (section, option)):
        desired_settings(mode, {section: opts}, V(version))


@pytest.mark.parametrize("mode,params", [
    ("native", {"native": NATIVE_OK, "legacy": {"domain": "example.com"}}),
    ("matrix_bridge", {"matrix_bridge": BRIDGE, "native": NATIVE_OK}),
    ("legacy", {"legacy": {"domain": "example.com"}, "matrix_bridge": BRIDGE}),
    ("disabled", {"native": NATIVE_OK}),
])
def test_options_of_another_mode_are_refused_naming_both(mode, params):
    other = [k for k in params if k != mode][0]
    version = V("7.11.1") if mode in ("native", "disabled") else V("6.9.7")
    with pytest.raises(RocketChatValidationError) as info:
        desired_settings(mode, params, version)
    assert "mode=%s" % mode in str(info.value) and other in str(info.value)


@pytest.mark.parametrize("version, warned", [("7.11.0", True), ("8.3.2", True), ("8.4.0", False), ("8.6.0", False),
                                             (None, True)])
def test_allow_list_lint_follows_the_release(version, warned):
    """Before exact matching (PR #39752) a bare entry admits lookalikes by suffix; after, it matches only itself."""
    target = V(version) if version else None
    entries, warnings = analyse_allow_list(["partner.example", "*.example.org"], target)
    assert entries == ["partner.example", "*.example.org"]
    assert bool(warnings) is warned
    if warned:
        assert "'badpartner.example'" in warnings[0] and "releases from 8.4 match exactly" in warnings[0]


@pytest.mark.parametrize("entry", ["https://peer.example", "peer.example:8448", "peer.example/path", "*.", "*",
                                   "peer example"])
def test_allow_list_entries_that_can_never_match_are_refused(entry):
    with pytest.raises(RocketChatValidationError) as caught:
        analyse_allow_list(["ok.example", entry], V("8.6.0"))
    assert "native.allow_list entry" in caught.value.msg and "never matches" in caught.value.msg
