# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Which settings exist in which Rocket.Chat release, with their type and flags.

Ranges are half-open: ``since`` <= version < ``until``. ``readonly_since`` / ``hidden_since`` mark
releases from which the admin UI shows a setting read-only / hides it (7.11 did this to the legacy and
Matrix bridge settings; 8.0 deleted them). REST does not enforce ``readonly`` (clause C-SET-2 of the
emulator contract, ``tests/emulator/rocketchat/CONTRACT.md``), so a read-only flag only earns a warning; a
hidden setting answers 400 to reads and writes.

Each federation entry records ``source``: the Rocket.Chat file (and release) its id, type, default and
range were read from. ``enterprise`` settings carry the ``invalid_value`` Rocket.Chat serves (and uses)
instead of the stored value while the licence lacks their module.

The value checks below are pure: ``value_problem`` for any value the collection sends (finite numbers,
the catalog type), ``unknown_setting_problem`` for settings outside the catalog, whose type is inferred
from the value the server holds. Rocket.Chat 8.x per-id writes do not check types (C-SET-4), so the
collection must.
"""

from __future__ import annotations

import math

from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._version import as_version

STRING_TYPES = frozenset(("string", "password", "code", "select", "language", "color", "relativeUrl", "font",
                          "timezone", "lookup", "date", "roomPick", "asset"))


class SettingSpec(object):
    __slots__ = ("id", "type", "secret", "since", "until", "readonly_since", "hidden_since", "readonly",
                 "choices", "generated", "enterprise", "modules", "invalid_value", "minimum", "source")

    def __init__(self, setting_id, type_, secret=False, since=None, until=None, readonly_since=None,
                 hidden_since=None, readonly=False, choices=None, generated=False, enterprise=False, modules=(),
                 invalid_value=None, minimum=None, source=None):
        self.id = setting_id
        self.type = type_
        self.secret = secret or type_ == "password"
        self.since = since
        self.until = until
        self.readonly_since = readonly_since
        self.hidden_since = hidden_since
        self.readonly = readonly
        self.choices = tuple(choices) if choices else None
        self.generated = generated
        self.enterprise = enterprise
        self.modules = tuple(modules)
        self.invalid_value = invalid_value
        self.minimum = minimum
        self.source = source

    def exists_in(self, version):
        v = as_version(version).tuple
        return (self.since is None or v >= self.since) and (self.until is None or v < self.until)

    def hidden_in(self, version):
        return self.hidden_since is not None and as_version(version).tuple >= self.hidden_since

    def readonly_in(self, version):
        return self.readonly or (self.readonly_since is not None and as_version(version).tuple >= self.readonly_since)


_R711 = (7, 11, 0)
_R80 = (8, 0, 0)
_R60 = (6, 0, 0)
_R67 = (6, 7, 0)
_R612 = (6, 12, 0)

# Where the federation entries come from (repository RocketChat/Rocket.Chat, file @ commit prefix).
_SRC_LEGACY = "apps/meteor/server/settings/federation.ts @92eea688 (<= 7.10); 7.11 marks them read-only/hidden"
_SRC_BRIDGE_EARLY = ("app/federation-v2/server/settings.ts of RocketChat/Rocket.Chat#23688 (4.7 to 5.x; path inferred "
                     "from its imports; no ephemeral, size, status or button setting)")
_SRC_BRIDGE = ("apps/meteor/server/services/federation/infrastructure/rocket-chat/adapters/Settings.ts @0d67af38 "
               "(6.x to 7.10)")
_SRC_BRIDGE_STATUS = "same adapter, added by RocketChat/Rocket.Chat#32535 (released in 6.12)"
_SRC_BRIDGE_EPHEMERAL = ("same adapter; before RocketChat/Rocket.Chat#32012 (6.7) typing came from the mounted "
                         "registration.yaml only (#27070), not from a setting")
_SRC_BRIDGE_SIZE = "apps/meteor/server/settings/matrix-federation.ts @5ceb47ff (enterprise, invalidValue false)"
_SRC_NATIVE = "apps/meteor/server/settings/federation-service.ts (7.11+; enterprise, modules ['federation'])"


def _ee(invalid_value):
    return dict(enterprise=True, modules=("federation",), invalid_value=invalid_value, source=_SRC_NATIVE)


_SPECS = [
    # General settings the modules read or commonly manage.
    SettingSpec("uniqueID", "string", readonly=True),
    SettingSpec("Site_Url", "string"),
    SettingSpec("Site_Name", "string"),
    SettingSpec("Language", "language"),
    SettingSpec("Accounts_TwoFactorAuthentication_Enabled", "boolean"),
    SettingSpec("Accounts_TwoFactorAuthentication_Enforce_Password_Fallback", "boolean"),
    SettingSpec("Accounts_TwoFactorAuthentication_RememberFor", "int"),
    SettingSpec("API_Enable_Rate_Limiter", "boolean"),
    SettingSpec("API_Enable_Rate_Limiter_Limit_Calls_Default", "int"),
    SettingSpec("API_Enable_Rate_Limiter_Limit_Time_Default", "int"),
    SettingSpec("API_Default_Count", "int"),
    SettingSpec("API_Upper_Count_Limit", "int"),
    SettingSpec("SMTP_Password", "password"),

    # Legacy federation.
    SettingSpec("FEDERATION_Enabled", "boolean", until=_R80, readonly_since=_R711, source=_SRC_LEGACY),
    SettingSpec("FEDERATION_Status", "string", until=_R80, readonly=True, hidden_since=_R711, generated=True,
                source=_SRC_LEGACY),
    SettingSpec("FEDERATION_Domain", "string", until=_R80, readonly_since=_R711, hidden_since=_R711,
                source=_SRC_LEGACY),
    SettingSpec("FEDERATION_Public_Key", "string", until=_R80, readonly=True, hidden_since=_R711, generated=True,
                source=_SRC_LEGACY),
    SettingSpec("FEDERATION_Discovery_Method", "select", until=_R80, readonly_since=_R711, hidden_since=_R711,
                choices=("dns", "hub"), source=_SRC_LEGACY),
    SettingSpec("FEDERATION_Test_Setup", "action", until=_R80, hidden_since=_R711, source=_SRC_LEGACY),

    # Matrix bridge, 4.7 .. 7.10; read-only in 7.11; deleted in 8.0.
    SettingSpec("Federation_Matrix_enabled", "boolean", since=(4, 7, 0), until=_R80, readonly_since=_R711,
                source=_SRC_BRIDGE_EARLY),
    SettingSpec("Federation_Matrix_serve_well_known", "boolean", since=(6, 8, 0), until=_R80, readonly_since=_R711,
                source="RocketChat/Rocket.Chat#31965 (6.8), " + _SRC_BRIDGE),
    SettingSpec("Federation_Matrix_enable_ephemeral_events", "boolean", since=_R67, until=_R80,
                readonly_since=_R711, source=_SRC_BRIDGE_EPHEMERAL),
    SettingSpec("Federation_Matrix_id", "string", since=(4, 7, 0), until=_R80, readonly=True,
                source=_SRC_BRIDGE_EARLY),
    SettingSpec("Federation_Matrix_hs_token", "string", secret=True, since=(4, 7, 0), until=_R80, readonly=True,
                source=_SRC_BRIDGE_EARLY),
    SettingSpec("Federation_Matrix_as_token", "string", secret=True, since=(4, 7, 0), until=_R80, readonly=True,
                source=_SRC_BRIDGE_EARLY),
    SettingSpec("Federation_Matrix_homeserver_url", "string", since=(4, 7, 0), until=_R80, readonly_since=_R711,
                source=_SRC_BRIDGE_EARLY),
    SettingSpec("Federation_Matrix_homeserver_domain", "string", since=(4, 7, 0), until=_R80, readonly_since=_R711,
                source=_SRC_BRIDGE_EARLY),
    SettingSpec("Federation_Matrix_bridge_url", "string", since=(4, 7, 0), until=_R80, readonly_since=_R711,
                source=_SRC_BRIDGE_EARLY),
    SettingSpec("Federation_Matrix_bridge_localpart", "string", since=(4, 7, 0), until=_R80, readonly_since=_R711,
                source=_SRC_BRIDGE_EARLY),
    SettingSpec("Federation_Matrix_registration_file", "code", secret=True, since=(4, 7, 0), until=_R80,
                readonly=True, generated=True, source=_SRC_BRIDGE_EARLY),
    SettingSpec("Federation_Matrix_max_size_of_public_rooms_users", "int", since=_R60, until=_R80,
                readonly_since=_R711, enterprise=True, modules=("federation",), invalid_value=False, minimum=0,
                source=_SRC_BRIDGE_SIZE),
    SettingSpec("Federation_Matrix_configuration_status", "string", since=_R612, until=_R80, readonly=True,
                hidden_since=_R711, generated=True, source=_SRC_BRIDGE_STATUS),
    SettingSpec("Federation_Matrix_check_configuration_button", "action", since=_R612, until=_R80,
                readonly_since=_R711, hidden_since=_R711, source=_SRC_BRIDGE_STATUS),

    # Native federation, 7.11+ (enterprise, module 'federation'; the allow list is not enterprise).
    SettingSpec("Federation_Service_Enabled", "boolean", since=_R711, **_ee(False)),
    SettingSpec("Federation_Service_Domain", "string", since=_R711, **_ee("")),
    SettingSpec("Federation_Service_Matrix_Signing_Algorithm", "select", since=_R711, choices=("ed25519",),
                **_ee("ed25519")),
    SettingSpec("Federation_Service_Matrix_Signing_Version", "string", since=_R711, readonly=True, **_ee("0")),
    SettingSpec("Federation_Service_Matrix_Signing_Key", "password", since=_R711, **_ee("")),
    SettingSpec("Federation_Service_max_allowed_size_of_public_rooms_to_join", "int", since=_R711, minimum=0,
                **_ee(False)),
    SettingSpec("Federation_Service_Allow_List", "string", since=_R711, source=_SRC_NATIVE),
    SettingSpec("Federation_Service_EDU_Process_Typing", "boolean", since=_R711, **_ee(False)),
    SettingSpec("Federation_Service_EDU_Process_Presence", "boolean", since=_R711, **_ee(False)),
    SettingSpec("Federation_Service_EDU_Process_Receipt", "boolean", since=_R80, **_ee(False)),
    SettingSpec("Federation_Service_Join_Encrypted_Rooms", "boolean", since=_R711, **_ee(False)),
    SettingSpec("Federation_Service_Join_Non_Private_Rooms", "boolean", since=_R711, **_ee(False)),
    SettingSpec("Federation_Service_Validate_User_Domain", "boolean", since=_R80, **_ee(False)),
]

SPECS = dict((s.id, s) for s in _SPECS)

FEDERATION_PREFIXES = ("FEDERATION_", "Federation_Matrix_", "Federation_Service_")


def lookup(setting_id):
    """The spec of a known setting (any release), or None."""
    return SPECS.get(setting_id)


def catalog_for(version):
    """Known settings that exist in ``version`` (hidden ones included; see ``SettingSpec.hidden_in``)."""
    return dict((s.id, s) for s in _SPECS if s.exists_in(version))


def federation_ids(version, include_hidden=False):
    """Federation setting ids a release has, in catalog order."""
    return [s.id for s in _SPECS
            if s.id.startswith(FEDERATION_PREFIXES) and s.exists_in(version)
            and (include_hidden or not s.hidden_in(version)) and s.type != "action"]


def secret_ids(version=None):
    return set(s.id for s in _SPECS if s.secret and (version is None or s.exists_in(version)))


def describe_range(setting_id):
    spec = SPECS.get(setting_id)
    if spec is None:
        return None
    low = "%d.%d" % spec.since[:2] if spec.since else None
    high = "%d.%d" % spec.until[:2] if spec.until else None
    if low and high:
        return "%s to before %s" % (low, high)
    if low:
        return "%s and later" % low
    if high:
        return "releases before %s" % high
    return "all releases"


def unsupported_ids(version, prefixes=FEDERATION_PREFIXES):
    """Known federation ids of a generation the release has, that this release lacks: {id: range text}.

    For example the early Matrix bridge (4.7 to 5.x) has no Federation_Matrix_enable_ephemeral_events.
    """
    v = as_version(version).tuple
    out = {}
    for spec in _SPECS:
        if not spec.id.startswith(prefixes) or spec.exists_in(version):
            continue
        # only ids of a generation this release has: the release is inside the generation's span
        siblings = [s for s in _SPECS if s.id.startswith(spec.id.split("_")[0] + "_" + spec.id.split("_")[1])]
        if any(s.exists_in(version) for s in siblings) and (spec.until is None or v < spec.until):
            out[spec.id] = describe_range(spec.id)
    return out


def enterprise_ids(version):
    """Ids whose value Rocket.Chat replaces by ``invalid_value`` while the licence lacks their module."""
    return [s.id for s in _SPECS if s.enterprise and s.exists_in(version)]


# --- value checks (pure) -------------------------------------------------------------------------------

_JSON_TYPE_OF_SETTING = {"boolean": "boolean", "int": "integer", "multiSelect": "array"}


def json_type(value):
    """The JSON type name of a Python value as it goes over the wire."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def non_finite_problem(setting_id, value):
    """NaN and infinities have no JSON form (Python would send the invalid tokens NaN/Infinity)."""
    if isinstance(value, float) and not math.isfinite(value):
        return ("%s: %r is not a finite number and has no JSON representation; Rocket.Chat cannot store it. "
                "Give a finite number." % (setting_id, value))
    if isinstance(value, (list, tuple)):
        for item in value:
            problem = non_finite_problem(setting_id, item)
            if problem:
                return problem
    if isinstance(value, dict):
        for item in value.values():
            problem = non_finite_problem(setting_id, item)
            if problem:
                return problem
    return None


def expected_json_type(setting_type):
    if setting_type in _JSON_TYPE_OF_SETTING:
        return _JSON_TYPE_OF_SETTING[setting_type]
    if setting_type in STRING_TYPES:
        return "string"
    return None


def value_problem(setting_id, value, spec=None):
    """Why ``value`` cannot be sent to ``setting_id`` (a catalog ``spec`` if known), or None."""
    problem = non_finite_problem(setting_id, value)
    if problem or spec is None:
        return problem
    if spec.type == "action":
        return ("%s is an action (a button), not a value; it cannot be set. Use the module's action option "
                "(for example federation check_configuration) instead." % setting_id)
    want = expected_json_type(spec.type)
    got = json_type(value)
    if want and got != want:
        return ("%s is a %s setting and needs a JSON %s value, got %s %r. Write it unquoted in YAML "
                "(for example true, 100) or quote it for strings." % (setting_id, spec.type, want, got, value))
    if spec.choices and value not in spec.choices:
        return "%s must be one of %s, got %r." % (setting_id, ", ".join(spec.choices), value)
    if spec.minimum is not None and got == "integer" and value < spec.minimum:
        return "%s must be %d or more, got %r." % (setting_id, spec.minimum, value)
    return None


def _string_holds(text, json_kind):
    """True when ``text`` is how a value of ``json_kind`` looks after a client stored it as a string (the
    wrong-typed writes Rocket.Chat accepts): "true"/"false", "100". Such a setting may be repaired."""
    text = text.strip()
    if json_kind == "boolean":
        return text in ("true", "false")
    if json_kind in ("integer", "number"):
        try:
            float(text)
        except ValueError:
            return False
        return True
    return False


def unknown_setting_problem(setting_id, value, current):
    """For a setting outside the catalog: (error, warning) from the type of the value the server holds.

    Rocket.Chat does not tell the type over REST (GET settings/<id> answers only ``_id`` and ``value``), and
    8.x per-id writes, like 6.x/7.x ones, store a value of any type. So the stored value is the evidence: a
    boolean, number or list there means the new value must be one too; a string means a string, unless the
    string is the text form of the new value (a setting an earlier client wrote with the wrong type, which
    the new value repairs). A null gives no evidence: the value is sent as given, with a warning.
    """
    have = json_type(current)
    got = json_type(value)
    numbers = ("integer", "number")
    if have == "null":
        return None, ("%s is not in the collection's catalog and currently holds no value, so its type cannot be "
                      "checked; %s %r is sent as given (Rocket.Chat stores any type on this path)."
                      % (setting_id, got, value))
    if have == got or (have in numbers and got in numbers):
        return None, None
    if have == "string" and isinstance(current, str) and _string_holds(current, got):
        return None, None
    return ("%s currently holds a JSON %s (%r) and the new value is a %s (%r); Rocket.Chat would store the wrong "
            "type without complaint. Give a JSON %s value." % (setting_id, have, current, got, value, have)), None
