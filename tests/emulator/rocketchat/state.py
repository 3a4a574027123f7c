"""The emulator's server-side state: settings, users and tokens, request log; two-factor (twofactor.py) and rate
limits (ratelimit.py) as mixins."""
import base64
import copy
import hashlib
import threading
import uuid

from .clock import Clock
from .ratelimit import RateLimitState
from .twofactor import TwoFactorState
from .profiles import REGISTRATION_INPUTS, build_catalog, registration_yaml, server_public_key

# Default role -> permission mapping for what the emulator serves (C-AUTH-3).
ROLE_PERMISSIONS = {
    "admin": {"view-privileged-setting", "edit-privileged-setting", "manage-selected-settings",
              "api-bypass-rate-limit", "get-server-info", "view-statistics", "create-personal-access-tokens"},
    "bot": {"api-bypass-rate-limit"},
    "app": {"api-bypass-rate-limit"},
    "user": set(),
    # A custom role as sites create them for automation: may edit settings, is not exempt from rate limits.
    "settings-editor": {"view-privileged-setting", "edit-privileged-setting", "create-personal-access-tokens"},
    # Selected settings only (manage-selected-settings + change-setting-<id>).
    "federation-editor": {"manage-selected-settings", "change-setting-Federation_Matrix_enabled",
                          "change-setting-FEDERATION_Enabled"},
}

# C-PERM-1: the permissions the permissions API lists and updates, with Rocket.Chat's default roles
# (apps/meteor/app/authorization/server/constant/permissions.ts); their holders also get the permission for routes.
DEFAULT_PERMISSION_ROLES = {
    "access-federation": ["admin", "user", "federated-external"],
    "access-permissions": ["admin"],
    "view-federation-data": ["admin"],
    "create-c": ["admin", "user", "federated-external", "bot", "app"],
}
# C-PERM-1: the roles permissions.update accepts (Rocket.Chat's default roles plus the emulator's custom ones).
KNOWN_ROLES = ("admin", "moderator", "leader", "owner", "user", "bot", "app", "guest", "anonymous", "livechat-agent",
               "livechat-manager", "livechat-monitor", "federated-external", "settings-editor", "federation-editor")

LONG_AGO = 1577836800.0  # 2020-01-01: seeded users are older than any 2FA remember window

# Seeded accounts. Tokens are fixed so tests, the benchmark and the README demo can use them.
SEED_USERS = [
    {"_id": "rcadmin0000000001", "username": "admin", "password": "admin-password", "roles": ["admin", "user"],
     "email": "admin@example.org",
     "pats": [("automation", "admin-pat-bypass-2fa-0000000000000000000000001", True),
              ("no-bypass", "admin-pat-plain-00000000000000000000000000001", False)]},
    {"_id": "rcsecadmin0000001", "username": "secadmin", "password": "secadmin-password",
     "roles": ["admin", "user"], "email": "secadmin@example.org", "totp_secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
     "pats": [("no-bypass", "secadmin-pat-plain-000000000000000000000000001", False),
              ("automation", "secadmin-pat-bypass-2fa-00000000000000000001", True)]},
    {"_id": "rcalice0000000001", "username": "alice", "password": "alice-password", "roles": ["user"],
     "email": "alice@example.org",
     "pats": [("alice", "alice-pat-bypass-2fa-0000000000000000000000001", True)]},
    {"_id": "rcops000000000001", "username": "ops", "password": "ops-password", "roles": ["settings-editor", "user"],
     "email": "ops@example.org",
     "pats": [("automation", "ops-pat-bypass-2fa-000000000000000000000000001", True)]},
    {"_id": "rcbot000000000001", "username": "bot", "password": "bot-password", "roles": ["bot"],
     "email": "bot@example.org", "pats": [("bot", "bot-pat-bypass-2fa-000000000000000000000000001", True)]},
]


def hash_login_token(token):
    """Accounts._hashLoginToken: base64 of the SHA-256 of the token."""
    return base64.b64encode(hashlib.sha256(token.encode("utf-8")).digest()).decode("ascii")


class Store(TwoFactorState, RateLimitState):
    def __init__(self, profile, site_url="http://127.0.0.1:3000", deployment_id=None, rate_limit_calls=None,
                 rate_limit_window_ms=None, hidden=(), blocked=(), federation_tester_host=None,
                 insecure_legacy_federation=False, overwrite=None, clock=None,
                 license_modules=("federation",)):
        self.profile = profile
        self.lock = threading.RLock()
        self.clock = Clock() if clock is None else clock   # C-EMU-3
        self.site_url = site_url
        self.unique_id = deployment_id or str(uuid.uuid4())
        self.public_key = server_public_key()
        self.options = dict(rate_limit_calls=rate_limit_calls, rate_limit_window_ms=rate_limit_window_ms,
                            hidden=tuple(hidden), blocked=tuple(blocked), overwrite=dict(overwrite or {}))
        self.federation_tester_host = federation_tester_host or "https://federationtester.matrix.org"
        self.insecure_legacy_federation = insecure_legacy_federation
        # C-LIC-1: None = no licence (Community); else the active licence modules.
        self.license_modules = None if license_modules is None else tuple(license_modules)
        self.log = []
        self.outbox = []
        self.reset()

    # --- lifecycle ----------------------------------------------------------------------------------
    def reset(self):
        """Back to the freshly started server: catalog defaults, seeded users, empty limits and log, the
        machine's clock."""
        with self.lock:
            if isinstance(self.clock, Clock):
                self.clock.reset()
            self.settings = build_catalog(self.profile, self.unique_id, self.site_url, self.public_key)
            opts = self.options
            if opts["rate_limit_calls"] is not None:
                self.settings["API_Enable_Rate_Limiter_Limit_Calls_Default"].value = int(opts["rate_limit_calls"])
            if opts["rate_limit_window_ms"] is not None:
                self.settings["API_Enable_Rate_Limiter_Limit_Time_Default"].value = int(opts["rate_limit_window_ms"])
            for _id in opts["hidden"]:          # SETTINGS_HIDDEN
                if _id in self.settings:
                    self.settings[_id].hidden = True
            for _id in opts["blocked"]:         # SETTINGS_BLOCKED
                if _id in self.settings:
                    self.settings[_id].blocked = True
            for _id, value in opts["overwrite"].items():   # OVERWRITE_SETTING_<id>
                if _id in self.settings:
                    self.settings[_id].value = value
            self.refresh_registration_file()
            # C-LIC-3: the licence's validity periods ({validFrom?, validUntil?, invalidBehavior}); none by default.
            self.license_periods = []
            self.permission_roles = dict((p, list(r)) for p, r in DEFAULT_PERMISSION_ROLES.items())   # C-PERM-1
            self.users = {}
            self.tokens = {}      # hashed token -> token document (incl. userId)
            for seed in SEED_USERS:
                self.add_user(seed)
            self.remembered = {}  # (hashedToken, fingerprint) -> until
            self.buckets = {}     # (ip, route, method) -> [window_start, count]
            self.ddp_buckets = {}
            self.log = []
            self.outbox = []

    def add_user(self, seed):
        user = {
            "_id": seed["_id"], "username": seed["username"], "roles": list(seed["roles"]),
            "emails": [{"address": seed.get("email", seed["username"] + "@example.org"), "verified": True}],
            "password": seed.get("password"), "totp_secret": seed.get("totp_secret"),
            "email2fa": bool(seed.get("email2fa")), "createdAt": seed.get("createdAt", LONG_AGO), "active": True,
        }
        self.users[user["_id"]] = user
        for name, token, bypass in seed.get("pats", ()):
            self.add_token(user["_id"], token, pat_name=name, bypass=bypass)
        return user

    def add_token(self, user_id, token, pat_name=None, bypass=False):
        doc = {"userId": user_id, "hashedToken": hash_login_token(token), "when": self.clock()}
        if pat_name is not None:
            doc.update(type="personalAccessToken", name=pat_name, bypassTwoFactor=bool(bypass),
                       lastTokenPart=token[-6:], createdAt=self.clock())
        self.tokens[doc["hashedToken"]] = doc
        return doc

    # --- users, permissions ---------------------------------------------------------------------------
    def user_by_login(self, ident):
        for user in self.users.values():
            if user["username"] == ident or any(e["address"] == ident for e in user["emails"]):
                return user
        return None

    def permissions(self, user):
        perms = set()
        for role in (user or {}).get("roles", ()):
            perms |= ROLE_PERMISSIONS.get(role, set())
            perms |= set(p for p, roles in self.permission_roles.items() if role in roles)
        return perms

    def has_permission(self, user, perm):
        return perm in self.permissions(user)

    def authenticate(self, user_id, token):
        """X-User-Id + X-Auth-Token -> (user, token document) or (None, None)."""
        if not user_id or not token:
            return None, None
        doc = self.tokens.get(hash_login_token(token))
        if not doc or doc["userId"] != user_id:
            return None, None
        user = self.users.get(user_id)
        if not user or not user["active"]:
            return None, None
        return user, doc

    # --- licence (C-LIC-2) -------------------------------------------------------------------------------
    def licensed_for(self, item):
        """ee/app/settings/server/settings.ts changeSettingValue(): an enterprise setting keeps its value only
        with a valid licence holding each of its modules (no licence at all: every enterprise setting)."""
        if not item.enterprise:
            return True
        if self.license_modules is None:
            return False
        return all(m in self.license_modules for m in item.modules)

    def served_value(self, item):
        """The value GET settings / settings.public report (the 'fetch-settings' hook) and the server uses."""
        if self.licensed_for(item) or item.invalid_value is None:
            return item.value
        return item.invalid_value

    # --- settings --------------------------------------------------------------------------------------
    def value(self, _id):
        item = self.settings.get(_id)
        return None if item is None else item.value

    def set_value(self, _id, value):
        """Store a value and run the change watchers the server has for it."""
        item = self.settings[_id]
        old = item.value
        item.value = copy.deepcopy(value)
        if old != value:
            self.on_change(_id, old)

    def on_change(self, _id, old):
        if _id in REGISTRATION_INPUTS:
            self.refresh_registration_file()
        if _id == "FEDERATION_Enabled" and "FEDERATION_Status" in self.settings:
            if self.value("FEDERATION_Enabled") is True:
                if self.value("FEDERATION_Discovery_Method") == "hub":
                    # registerWithHub cannot reach hub.rocket.chat from here: the watcher turns the switch off again.
                    self.settings["FEDERATION_Enabled"].value = False
                    self.settings["FEDERATION_Status"].value = "Could not register with Hub"
                else:
                    self.settings["FEDERATION_Status"].value = "Enabled"
            else:
                self.settings["FEDERATION_Status"].value = "Disabled"

    def refresh_registration_file(self):
        if "Federation_Matrix_registration_file" not in self.settings:
            return
        values = {k: self.value(k) for k in REGISTRATION_INPUTS}
        self.settings["Federation_Matrix_registration_file"].value = registration_yaml(values, self.profile)

    # --- request log ----------------------------------------------------------------------------------
    def record(self, entry):
        with self.lock:
            entry["seq"] = len(self.log) + 1
            self.log.append(entry)

    def requests(self, method=None, path_prefix=None):
        with self.lock:
            return [e for e in self.log
                    if (method is None or e["method"] == method)
                    and (path_prefix is None or e["path"].startswith(path_prefix))]
