# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Which settings exist in which Rocket.Chat release, with their type and flags.

Ranges are half-open: ``since`` <= version < ``until``. ``readonly_since`` / ``hidden_since`` mark
releases from which the admin UI shows a setting read-only / hides it (7.11 did this to the legacy and
Matrix bridge settings; 8.0 deleted them). REST does not enforce ``readonly`` (see rocketchat.md §6.2),
so a read-only flag only earns a warning; a hidden setting answers 400 to reads and writes.
"""

from __future__ import annotations

from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat.version import as_version

STRING_TYPES = frozenset(("string", "password", "code", "select", "language", "color", "relativeUrl", "font",
                          "timezone", "lookup", "date", "roomPick", "asset"))


class SettingSpec(object):
    __slots__ = ("id", "type", "secret", "since", "until", "readonly_since", "hidden_since", "readonly",
                 "choices", "generated")

    def __init__(self, setting_id, type_, secret=False, since=None, until=None, readonly_since=None,
                 hidden_since=None, readonly=False, choices=None, generated=False):
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

    def exists_in(self, version):
        v = as_version(version).tuple
        return (self.since is None or v >= self.since) and (self.until is None or v < self.until)

    def hidden_in(self, version):
        return self.hidden_since is not None and as_version(version).tuple >= self.hidden_since

    def readonly_in(self, version):
        return self.readonly or (self.readonly_since is not None and as_version(version).tuple >= self.readonly_since)


_R711 = (7, 11, 0)
_R80 = (8, 0, 0)

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

    # Legacy federation (§2.1).
    SettingSpec("FEDERATION_Enabled", "boolean", until=_R80, readonly_since=_R711),
    SettingSpec("FEDERATION_Status", "string", until=_R80, readonly=True, hidden_since=_R711, generated=True),
    SettingSpec("FEDERATION_Domain", "string", until=_R80, readonly_since=_R711, hidden_since=_R711),
    SettingSpec("FEDERATION_Public_Key", "string", until=_R80, readonly=True, hidden_since=_R711, generated=True),
    SettingSpec("FEDERATION_Discovery_Method", "select", until=_R80, readonly_since=_R711, hidden_since=_R711,
                choices=("dns", "hub")),
    SettingSpec("FEDERATION_Test_Setup", "action", until=_R80, hidden_since=_R711),

    # Matrix bridge (§3.1), 4.7 .. 7.10; read-only in 7.11; deleted in 8.0.
    SettingSpec("Federation_Matrix_enabled", "boolean", since=(4, 7, 0), until=_R80, readonly_since=_R711),
    SettingSpec("Federation_Matrix_serve_well_known", "boolean", since=(6, 8, 0), until=_R80, readonly_since=_R711),
    SettingSpec("Federation_Matrix_enable_ephemeral_events", "boolean", since=(4, 7, 0), until=_R80,
                readonly_since=_R711),
    SettingSpec("Federation_Matrix_id", "string", since=(4, 7, 0), until=_R80, readonly=True),
    SettingSpec("Federation_Matrix_hs_token", "string", secret=True, since=(4, 7, 0), until=_R80, readonly=True),
    SettingSpec("Federation_Matrix_as_token", "string", secret=True, since=(4, 7, 0), until=_R80, readonly=True),
    SettingSpec("Federation_Matrix_homeserver_url", "string", since=(4, 7, 0), until=_R80, readonly_since=_R711),
    SettingSpec("Federation_Matrix_homeserver_domain", "string", since=(4, 7, 0), until=_R80, readonly_since=_R711),
    SettingSpec("Federation_Matrix_bridge_url", "string", since=(4, 7, 0), until=_R80, readonly_since=_R711),
    SettingSpec("Federation_Matrix_bridge_localpart", "string", since=(4, 7, 0), until=_R80, readonly_since=_R711),
    SettingSpec("Federation_Matrix_registration_file", "code", secret=True, since=(4, 7, 0), until=_R80,
                readonly=True, generated=True),
    SettingSpec("Federation_Matrix_max_size_of_public_rooms_users", "int", since=(4, 7, 0), until=_R80,
                readonly_since=_R711),
    SettingSpec("Federation_Matrix_configuration_status", "string", since=(4, 7, 0), until=_R80, readonly=True,
                hidden_since=_R711, generated=True),
    SettingSpec("Federation_Matrix_check_configuration_button", "action", since=(4, 7, 0), until=_R80,
                hidden_since=_R711),

    # Native federation (§4), 7.11+.
    SettingSpec("Federation_Service_Enabled", "boolean", since=_R711),
    SettingSpec("Federation_Service_Domain", "string", since=_R711),
    SettingSpec("Federation_Service_Matrix_Signing_Algorithm", "select", since=_R711, choices=("ed25519",)),
    SettingSpec("Federation_Service_Matrix_Signing_Version", "string", since=_R711, readonly=True),
    SettingSpec("Federation_Service_Matrix_Signing_Key", "password", since=_R711),
    SettingSpec("Federation_Service_max_allowed_size_of_public_rooms_to_join", "int", since=_R711),
    SettingSpec("Federation_Service_Allow_List", "string", since=_R711),
    SettingSpec("Federation_Service_EDU_Process_Typing", "boolean", since=_R711),
    SettingSpec("Federation_Service_EDU_Process_Presence", "boolean", since=_R711),
    SettingSpec("Federation_Service_EDU_Process_Receipt", "boolean", since=_R80),
    SettingSpec("Federation_Service_Join_Encrypted_Rooms", "boolean", since=_R711),
    SettingSpec("Federation_Service_Join_Non_Private_Rooms", "boolean", since=_R711),
    SettingSpec("Federation_Service_Validate_User_Domain", "boolean", since=_R80),
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
