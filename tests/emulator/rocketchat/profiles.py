"""Version profiles of the Rocket.Chat emulator: what differs between the releases it stands in for.

Everything here follows the emulator contract (``CONTRACT.md`` next to this file; clause ids such as
C-SET-4 are cited where a behaviour is implemented): the settings each release registers (id, type,
default, flags, the release that added them, the licence module they need), and the behaviour switches
of the REST layer. The emulator is deliberately independent of the collection's own catalog in
``plugins/module_utils`` so the tests compare two separate readings of Rocket.Chat, not one table with
itself.
"""
import base64
import hashlib
import os
from dataclasses import dataclass, field


def parse_version(text):
    parts = str(text).split(".")
    return tuple(int(p) for p in (parts + ["0", "0"])[:3])


@dataclass(frozen=True)
class Profile:
    name: str            # what --version accepts: "7.10"
    full_version: str    # what an authorised /api/info reports: "7.10.4"

    @property
    def v(self):
        return parse_version(self.full_version)

    # --- REST layer -------------------------------------------------------------------------------
    @property
    def unauthorized_status(self):
        """API.v1.unauthorized(): 403 in 6.x (api.ts), 401 from 7.x (ApiClass.ts)."""
        return 403 if self.v < (7, 0, 0) else 401

    @property
    def settings_permission_in_handler(self):
        """6.x settings routes check permissions in the handler and answer unauthorized();
        7.x+ declare permissionsRequired (403 'User does not have the permissions…')."""
        return self.v < (7, 0, 0)

    @property
    def breaking_8(self):
        """The 8.0 breaking-change flag: 401 bodies lose status/message, forbidden() says 'forbidden'."""
        return self.v >= (8, 0, 0)

    @property
    def per_id_post_validates(self):
        """C-SET-4: checkSettingValueBounds + validateSettingRules on POST settings/:_id (8.x). Neither checks
        the JSON type of the value."""
        return self.v >= (8, 0, 0)

    @property
    def license_info_route(self):
        """C-LIC-1: GET /api/v1/licenses.info (the @rocket.chat/license package, 6.5+)."""
        return self.v >= (6, 5, 0)

    @property
    def bulk_rest(self):
        """POST /api/v1/settings exists from 8.6.0."""
        return self.v >= (8, 6, 0)

    @property
    def public_ids_param(self):
        """settings.public?_id=a,b (7.0+)."""
        return self.v >= (7, 0, 0)

    @property
    def query_fields_mode(self):
        """settings ?query/?fields: honoured (6.x, deprecated), ignored (7.x), refused (8.x)."""
        if self.v < (7, 0, 0):
            return "honour"
        if self.v < (8, 0, 0):
            return "ignore"
        return "refuse"

    @property
    def list_masks_secrets(self):
        """GET settings masks password/secret values only in the newest releases."""
        return self.v >= (8, 6, 0)

    @property
    def info_permission(self):
        return "get-server-info" if self.v < (7, 0, 0) else "view-statistics"

    @property
    def legacy_rest_gated(self):
        """Legacy federation REST answers 400 unless ENABLE_INSECURE_LEGACY_FEDERATION (late 6.x / 7.x)."""
        return (6, 9, 0) <= self.v < (8, 0, 0)

    @property
    def legacy_rest_exists(self):
        return self.v < (8, 0, 0)


PROFILES = {
    "5.4": Profile("5.4", "5.4.9"),      # the early Matrix bridge (C-CAT-2)
    "6.9": Profile("6.9", "6.9.7"),
    "7.10": Profile("7.10", "7.10.4"),
    "7.11": Profile("7.11", "7.11.1"),
    "8.0": Profile("8.0", "8.0.2"),
    "8.6": Profile("8.6", "8.6.0"),
}


def get_profile(name):
    if name in PROFILES:
        return PROFILES[name]
    wanted = parse_version(name)[:2]
    for profile in PROFILES.values():
        if profile.v[:2] == wanted:
            return profile
    raise KeyError("unknown version profile %r; known: %s" % (name, ", ".join(PROFILES)))


@dataclass
class SettingDef:
    _id: str
    type: str
    value: object
    public: bool = False
    hidden: bool = False
    readonly: bool = False
    secret: bool = False
    blocked: bool = False
    enterprise: bool = False
    modules: tuple = ()          # licence modules an enterprise setting needs (C-LIC-2)
    invalid_value: object = None  # what Rocket.Chat serves and uses instead while the licence lacks them
    source: str = None           # the Rocket.Chat file (and release) the entry was read from
    group: str = "General"
    section: str = None
    extra: dict = field(default_factory=dict)

    def copy(self):
        return SettingDef(**{k: (dict(v) if isinstance(v, dict) else v) for k, v in self.__dict__.items()})


def sha256_hex(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_LEGACY_KEY = []


def legacy_public_key():
    """C-LEG-1: the legacy federation public key as Rocket.Chat stores it: node-rsa's default 2048-bit key
    (``new NodeRSA({b: 512})`` then ``generateKeyPair()`` without a size regenerates at the default),
    exported ``pkcs8-public-pem`` with the newlines removed: a single-line SPKI PEM of 442 characters."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem.decode("ascii").replace("\n", "").replace("\r", "")


def server_public_key():
    """The key of this process's emulated server(s): generated once (2048-bit RSA takes a moment), like a
    Rocket.Chat install that generates its key once and never rotates it."""
    if not _LEGACY_KEY:
        _LEGACY_KEY.append(legacy_public_key())
    return _LEGACY_KEY[0]


def build_catalog(profile, unique_id, site_url, public_key):
    """The settings a release registers at startup, keyed by id."""
    v = profile.v
    items = []

    def add(_id, type_, value, **kw):
        items.append(SettingDef(_id, type_, value, **kw))

    # General and the settings the REST layer itself reads.
    add("uniqueID", "string", unique_id, public=True, hidden=False)
    add("Site_Url", "string", site_url, public=True)
    add("Site_Name", "string", "Rocket.Chat", public=True)
    add("Language", "language", "en", public=True)
    add("Layout_Home_Title", "string", "Home", public=True, group="Layout")
    add("Message_MaxAllowedSize", "int", 5000, public=True, group="Message")
    add("Message_AllowEditing", "boolean", True, public=True, group="Message")
    add("Accounts_AllowRealNameChange", "boolean", True, public=True, group="Accounts")
    add("Accounts_TwoFactorAuthentication_Enabled", "boolean", True, public=True, group="Accounts")
    add("Accounts_TwoFactorAuthentication_By_Email_Enabled", "boolean", True, public=True, group="Accounts")
    add("Accounts_TwoFactorAuthentication_Enforce_Password_Fallback", "boolean", True, public=True, group="Accounts")
    add("Accounts_TwoFactorAuthentication_RememberFor", "int", 1800, group="Accounts")
    add("API_Enable_Rate_Limiter", "boolean", True, group="Rate Limiter")
    add("API_Enable_Rate_Limiter_Dev", "boolean", True, group="Rate Limiter")
    add("API_Enable_Rate_Limiter_Limit_Calls_Default", "int", 10, group="Rate Limiter")
    add("API_Enable_Rate_Limiter_Limit_Time_Default", "int", 60000, group="Rate Limiter")
    add("API_Default_Count", "int", 50, group="General")
    add("API_Upper_Count_Limit", "int", 100, group="General")
    add("API_Allow_Infinite_Count", "boolean", True, group="General")
    add("DDP_Rate_Limit_User_By_Method_Enabled", "boolean", True, group="Rate Limiter")
    add("DDP_Rate_Limit_User_By_Method_Requests_Allowed", "int", 20, group="Rate Limiter")
    add("DDP_Rate_Limit_User_By_Method_Interval_Time", "int", 10000, group="Rate Limiter")
    add("SMTP_Host", "string", "", group="Email")
    add("SMTP_Password", "password", "", secret=True, group="Email")
    add("Accounts_RegistrationForm", "select", "Public", public=True, group="Accounts",
        extra={"values": ["Public", "Disabled", "Secret URL"]})
    add("Theme_Custom_Css", "code", "", group="Layout", extra={"code": "text/css"})
    add("Accounts_OAuth_Custom_Roles", "multiSelect", [], group="OAuth")
    add("Accounts_Default_User_Preferences_sidebarViewMode", "select", "medium", group="Accounts",
        extra={"values": ["extended", "medium", "condensed"]})

    # Legacy federation (FEDERATION_*): normal up to 7.10, readonly/hidden from 7.11, deleted in 8.0 (C-CAT-1).
    if v < (8, 0, 0):
        old = v >= (7, 11, 0)
        grp = dict(group="Federation", section="Rocket.Chat Federation",
                   source="apps/meteor/server/settings/federation.ts @92eea688 (C-CAT-1)")
        add("FEDERATION_Enabled", "boolean", False, public=True, readonly=old, **grp)
        add("FEDERATION_Status", "string", "Disabled", readonly=True, hidden=old, **grp)
        add("FEDERATION_Domain", "string", "", readonly=old, hidden=old, **grp)
        add("FEDERATION_Public_Key", "string", public_key, readonly=True, hidden=old,
            extra={"multiline": True}, **grp)
        add("FEDERATION_Discovery_Method", "select", "dns", public=True, readonly=old, hidden=old,
            extra={"values": ["dns", "hub"]}, **grp)
        add("FEDERATION_Test_Setup", "action", "FEDERATION_Test_Setup", hidden=old, **grp)

    # Matrix bridge (4.7 .. 7.10; every item readonly in 7.11, status/button hidden; deleted in 8.0).
    # C-CAT-2: the early bridge (4.7 .. 5.x) registers only the switch, id, tokens, URLs, localpart and the
    # registration file; the room size limit came in 6.0, the ephemeral-events switch in 6.7, the
    # configuration check (status + button) in 6.12.
    if (4, 7, 0) <= v < (8, 0, 0):
        old = v >= (7, 11, 0)
        late = v >= (6, 0, 0)
        adapter = ("apps/meteor/server/services/federation/infrastructure/rocket-chat/adapters/Settings.ts "
                   "@0d67af38 (C-CAT-2)")
        grp = dict(group="Federation", section="Matrix Bridge",
                   source=adapter if late else "the early bridge settings file of #23688, 4.7 (C-CAT-2)")
        add("Federation_Matrix_enabled", "boolean", False, public=late, readonly=old, **grp)
        if v >= (6, 8, 0):
            add("Federation_Matrix_serve_well_known", "boolean", True, readonly=old,
                **{**grp, "source": "#31965, 6.8; " + adapter})
        if v >= (6, 7, 0):
            add("Federation_Matrix_enable_ephemeral_events", "boolean", False, public=True, readonly=old,
                **{**grp, "source": "#32012, 6.7; " + adapter})
        add("Federation_Matrix_id", "string", "rocketchat_%s" % unique_id, readonly=True, **grp)
        add("Federation_Matrix_hs_token", "string", sha256_hex("hs_" + unique_id), readonly=True, **grp)
        add("Federation_Matrix_as_token", "string", sha256_hex("as_" + unique_id), readonly=True, **grp)
        add("Federation_Matrix_homeserver_url", "string", "http://localhost:8008", readonly=old, **grp)
        add("Federation_Matrix_homeserver_domain", "string", site_url if late else "local.rocket.chat",
            readonly=old, **grp)
        add("Federation_Matrix_bridge_url", "string",
            "http://localhost:3300" if late else "http://host.docker.internal:3300", readonly=old, **grp)
        add("Federation_Matrix_bridge_localpart", "string", "rocket.cat", readonly=old, **grp)
        add("Federation_Matrix_registration_file", "code", "", readonly=True, **grp)
        if late:
            # C-LIC-2: enterprise with invalidValue false; the 'federation' module from the 6.12 adapter on.
            add("Federation_Matrix_max_size_of_public_rooms_users", "int", 100, public=True, enterprise=True,
                modules=("federation",) if v >= (6, 12, 0) else (), invalid_value=False, readonly=old,
                **{**grp, "source": "apps/meteor/server/settings/matrix-federation.ts @5ceb47ff, 6.0"})
        if v >= (6, 12, 0):
            grp = {**grp, "source": "#32535, 6.12; " + adapter}
            add("Federation_Matrix_configuration_status", "string", "Invalid", readonly=True, hidden=old,
                invalid_value="", **grp)
            # C-SET-7: the button is readonly (and hidden) in 7.11.
            add("Federation_Matrix_check_configuration_button", "action", "checkFederationConfiguration",
                readonly=old, hidden=old, invalid_value="", **grp)

    # Native federation (7.11+): enterprise, module 'federation', each with its invalidValue (C-LIC-2).
    if v >= (7, 11, 0):
        grp = dict(group="Federation", enterprise=True, modules=("federation",),
                   source="apps/meteor/server/settings/federation-service.ts, 7.11 (C-CAT-3)")
        add("Federation_Service_Enabled", "boolean", False, public=True, invalid_value=False, **grp)
        add("Federation_Service_Domain", "string", "", invalid_value="", **grp)
        add("Federation_Service_Matrix_Signing_Algorithm", "select", "ed25519", extra={"values": ["ed25519"]},
            invalid_value="ed25519", **grp)
        add("Federation_Service_Matrix_Signing_Version", "string", "0", readonly=True, invalid_value="0", **grp)
        add("Federation_Service_Matrix_Signing_Key", "password",
            base64.b64encode(os.urandom(32)).decode("ascii"), secret=True, invalid_value="", **grp)
        add("Federation_Service_max_allowed_size_of_public_rooms_to_join", "int", 100, invalid_value=False, **grp)
        add("Federation_Service_Allow_List", "string", "", group="Federation", source=grp["source"])
        add("Federation_Service_EDU_Process_Typing", "boolean", True, invalid_value=False, **grp)
        add("Federation_Service_EDU_Process_Presence", "boolean", False, invalid_value=False, **grp)
        add("Federation_Service_Join_Encrypted_Rooms", "boolean", False, invalid_value=False, **grp)
        add("Federation_Service_Join_Non_Private_Rooms", "boolean", False, invalid_value=False, **grp)
        if v >= (8, 0, 0):
            grp = {**grp, "source": "apps/meteor/server/settings/federation-service.ts, 8.0 (C-CAT-3)"}
            add("Federation_Service_EDU_Process_Receipt", "boolean", False, public=True, invalid_value=False, **grp)
            add("Federation_Service_Validate_User_Domain", "boolean", False, invalid_value=False, **grp)

    return {s._id: s for s in items}


def registration_yaml(values, profile):
    """C-BRG-1: the appservice registration Rocket.Chat renders into Federation_Matrix_registration_file."""
    lines = [
        "id: %s" % values["Federation_Matrix_id"],
        "hs_token: %s" % values["Federation_Matrix_hs_token"],
        "as_token: %s" % values["Federation_Matrix_as_token"],
        "url: %s" % values["Federation_Matrix_bridge_url"],
        "sender_localpart: %s" % values["Federation_Matrix_bridge_localpart"],
        "namespaces:",
    ]
    for ns in ("users", "rooms", "aliases"):
        lines += ["  %s:" % ns, "    - exclusive: false", "      regex: .*"]
    if profile.v >= (6, 0, 0):
        lines.append("de.sorunome.msc2409.push_ephemeral: %s"
                     % ("true" if values.get("Federation_Matrix_enable_ephemeral_events") else "false"))
        lines.append("use_appservice_legacy_authorization: true")
    return "\n".join(lines) + "\n"


REGISTRATION_INPUTS = (
    "Federation_Matrix_enabled", "Federation_Matrix_id", "Federation_Matrix_hs_token", "Federation_Matrix_as_token",
    "Federation_Matrix_homeserver_url", "Federation_Matrix_homeserver_domain", "Federation_Matrix_bridge_url",
    "Federation_Matrix_bridge_localpart", "Federation_Matrix_enable_ephemeral_events",
)
