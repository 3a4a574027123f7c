# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""The federation intent: one ``mode`` with its options, mapped to the settings of the server's release.

Generations: legacy DNS federation (``FEDERATION_*``, settings hidden from 7.11, deleted in 8.0), the
Matrix bridge (``Federation_Matrix_*``, 4.7 to 7.10) and native federation (``Federation_Service_*``,
7.11+, Enterprise licence with the ``federation`` module). Everything here except ``apply_federation``
and ``license_state`` is a pure function.
"""

from __future__ import annotations

import hashlib
import re

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._keys import from_rocketchat
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat import _allow_list
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat import _catalog as catalog
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat import _endpoints as endpoints
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat import _license
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._errors import (
    RocketChatPermissionError,
    RocketChatServerError,
    RocketChatValidationError,
    RocketChatVersionError,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._settings import converge_settings
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._module import connection_spec, run_action, with_diff

MODES = ("legacy", "matrix_bridge", "native", "disabled")

# [since, until) per generation, as (major, minor).
SUPPORT = {
    "legacy": (None, (7, 11)),
    "matrix_bridge": ((4, 7), (7, 11)),
    "native": ((7, 11), None),
}
SUPPORT_TEXT = {
    "legacy": "Rocket.Chat up to 7.10 (its settings are hidden from 7.11 and deleted in 8.0; late 6.x and 7.x serve "
              "its REST endpoints only with ENABLE_INSECURE_LEGACY_FEDERATION=true)",
    "matrix_bridge": "Rocket.Chat 4.7 to 7.10 (7.11 disables the bridge, 8.0 deletes its settings)",
    "native": "Rocket.Chat 7.11 and later (with an Enterprise license that includes federation)",
}

ENABLE_FLAG = {
    "legacy": "FEDERATION_Enabled",
    "matrix_bridge": "Federation_Matrix_enabled",
    "native": "Federation_Service_Enabled",
}

BRIDGE_OPTIONS = (
    # option, setting id, min version
    ("homeserver_url", "Federation_Matrix_homeserver_url", None),
    ("homeserver_domain", "Federation_Matrix_homeserver_domain", None),
    ("bridge_url", "Federation_Matrix_bridge_url", None),
    ("bridge_localpart", "Federation_Matrix_bridge_localpart", None),
    ("appservice_id", "Federation_Matrix_id", None),
    ("hs_token", "Federation_Matrix_hs_token", None),
    ("as_token", "Federation_Matrix_as_token", None),
    ("enable_ephemeral_events", "Federation_Matrix_enable_ephemeral_events", (6, 7)),
    ("serve_well_known", "Federation_Matrix_serve_well_known", (6, 8)),
    ("max_public_room_users", "Federation_Matrix_max_size_of_public_rooms_users", (6, 0)),
)

NATIVE_OPTIONS = (
    ("domain", "Federation_Service_Domain", None),
    ("signing_key", "Federation_Service_Matrix_Signing_Key", None),
    ("max_public_room_size", "Federation_Service_max_allowed_size_of_public_rooms_to_join", None),
    ("edu_typing", "Federation_Service_EDU_Process_Typing", None),
    ("edu_presence", "Federation_Service_EDU_Process_Presence", None),
    ("edu_receipts", "Federation_Service_EDU_Process_Receipt", (8, 0)),
    ("join_encrypted_rooms", "Federation_Service_Join_Encrypted_Rooms", None),
    ("join_non_private_rooms", "Federation_Service_Join_Non_Private_Rooms", None),
    ("validate_user_domain", "Federation_Service_Validate_User_Domain", (8, 0)),
)

LEGACY_OPTIONS = (
    ("domain", "FEDERATION_Domain", None),
    ("discovery_method", "FEDERATION_Discovery_Method", None),
)

SECRET_OPTIONS = {"hs_token", "as_token", "signing_key"}

# The module option that holds each mode's options.
MODE_SECTIONS = ("legacy", "matrix_bridge", "native")

# The Rocket.Chat licence module native federation (and the bridge's room size limit) needs.
LICENSE_MODULE = "federation"

# The first release whose bridge has the configuration check (button and status setting).
CHECK_CONFIGURATION_SINCE = (6, 12)

_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")
_SERVER_NAME = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$")


def supports(mode, version):
    low, high = SUPPORT[mode]
    mm = version.tuple[:2]
    return (low is None or mm >= low) and (high is None or mm < high)


def supported_modes(version):
    return [m for m in ("legacy", "matrix_bridge", "native") if supports(m, version)]


def require_mode(mode, version):
    if mode == "disabled" or supports(mode, version):
        return
    raise RocketChatVersionError(
        "mode=%s is not available on Rocket.Chat %s: it needs %s. This server supports: %s." % (
            mode, version, SUPPORT_TEXT[mode], ", ".join(supported_modes(version) + ["disabled"])))


def derived_default_tokens(unique_id):
    """The tokens Rocket.Chat generates when none are set: sha256 hex of 'hs_'/'as_' + the public uniqueID."""
    return (hashlib.sha256(("hs_" + unique_id).encode("utf-8")).hexdigest(),
            hashlib.sha256(("as_" + unique_id).encode("utf-8")).hexdigest())


def validate_native_domain(domain):
    """Federation_Service_Domain: lower case and equal to new URL('https://' + v).hostname."""
    if not domain:
        return "native.domain must be set: the Matrix server name of this Rocket.Chat, for example chat.example.com."
    if domain != domain.lower():
        return "native.domain must be lower case (Rocket.Chat refuses %r); use %r." % (domain, domain.lower())
    if "://" in domain or "/" in domain or "@" in domain or ":" in domain or "?" in domain or "#" in domain:
        return ("native.domain must be a bare host name without scheme, port or path (got %r); for example "
                "chat.example.com." % domain)
    if not _HOSTNAME.match(domain):
        return "native.domain %r is not a valid host name." % domain
    return None


def validate_legacy_domain(domain):
    """FEDERATION_Domain: peers look up _rocketchat._https.<domain>, so it is a bare lower-case host name,
    checked with the rules of the native domain."""
    problem = validate_native_domain(domain)
    if problem is None:
        return None
    if not domain:
        return ("legacy.domain is required for mode=legacy: the domain peers look up (_rocketchat._https.<domain> "
                "SRV and rocketchat-public-key.<domain> TXT).")
    return problem.replace("native.domain", "legacy.domain").replace(
        "the Matrix server name of this Rocket.Chat", "the domain peers look up")


def validate_signing_key(value):
    """native.signing_key: what Federation_Service_Matrix_Signing_Key holds, base64 of a 32-byte ed25519 seed
    (the same rules as the signing_key module's rocketchat_key)."""
    if value is None:
        return None
    try:
        from_rocketchat(value)
    except ValueError as exc:
        return ("native.signing_key is not a key Rocket.Chat can use: %s. Give the base64 of a 32-byte ed25519 seed, "
                "for example the rocketchat_key the fedops.rocketchat.signing_key module returns." % exc)
    return None


def validate_sizes(opts, section, options):
    errors = []
    for option in options:
        value = (opts or {}).get(option)
        if value is not None and value < 0:
            errors.append("%s.%s must be 0 or more, got %d." % (section, option, value))
    return errors


def foreign_sections(mode, params):
    """Options given for another mode than ``mode``: a refusal naming both."""
    given = [section for section in MODE_SECTIONS if section != mode and params.get(section) is not None]
    if not given:
        return None
    return ("mode=%s does not use the %s option%s (%s); remove %s or set mode to %s."
            % (mode, " and ".join(given), "s" if len(given) > 1 else "",
               "options of mode=%s" % " and mode=".join(given), " and ".join(given), " or ".join(given)))


def validate_homeserver_domain(domain):
    if not domain:
        return ("matrix_bridge.homeserver_domain must be set: the Matrix server_name (for example example.com). "
                "Rocket.Chat's late default is the full Site_Url, which is wrong for federation.")
    if "://" in domain or "/" in domain:
        return ("matrix_bridge.homeserver_domain must be the Matrix server_name, not a URL (got %r); for example "
                "example.com." % domain)
    if not _SERVER_NAME.match(domain):
        return "matrix_bridge.homeserver_domain %r is not a valid Matrix server name." % domain
    return None


def validate_url(option, value):
    if value is None:
        return None
    if not re.match(r"^https?://[^/\s]+", value):
        return "%s must be an http(s) URL, got %r." % (option, value)
    return None


def analyse_allow_list(entries, version=None):
    """Return (normalised entries, warnings) for Federation_Service_Allow_List on ``version`` (see ``_allow_list``)."""
    return _allow_list.lint_allow_list(entries, version)


def _map_options(options, table, version, section):
    out = {}
    for option, setting_id, since in table:
        value = (options or {}).get(option)
        if value is None:
            continue
        if since is not None and version.tuple[:2] < since:
            raise RocketChatVersionError("%s.%s needs Rocket.Chat %d.%d or later (setting %s); this server is %s."
                                         % (section, option, since[0], since[1], setting_id, version))
        out[setting_id] = value
    return out


def desired_settings(mode, params, version):
    """The settings for the intent on ``version``: returns (desired {id: value}, secret ids, warnings)."""
    require_mode(mode, version)
    problem = foreign_sections(mode, params)
    if problem:
        raise RocketChatValidationError(problem)
    desired = {}
    secrets = set()
    warnings = []
    if mode in MODE_SETTINGS:
        desired, secrets, warnings = MODE_SETTINGS[mode](params.get(mode) or {}, version)
    # Only one generation at a time: switch the others off where the release still has their switch.
    if mode == "disabled" or params.get("disable_other_modes", True):
        desired.update(_other_modes_off(mode, version))
    return desired, secrets, warnings


def _legacy_settings(opts, version):
    problem = validate_legacy_domain(opts.get("domain"))
    if problem:
        raise RocketChatValidationError(problem)
    desired = _map_options(opts, LEGACY_OPTIONS, version, "legacy")
    desired["FEDERATION_Enabled"] = True
    warnings = []
    if opts.get("discovery_method") == "hub":
        warnings.append("legacy.discovery_method=hub registers with hub.rocket.chat; if that fails Rocket.Chat "
                        "turns FEDERATION_Enabled off again (FEDERATION_Status 'Could not register with Hub').")
    if version.at_least(6, 0):
        warnings.append("Legacy federation is deprecated since Rocket.Chat 6.0 and removed in 8.0; late 6.x and "
                        "7.x releases serve its endpoints only with ENABLE_INSECURE_LEGACY_FEDERATION=true in the "
                        "server environment.")
    return desired, set(), warnings


def _bridge_settings(opts, version):
    errors = [e for e in (validate_homeserver_domain(opts.get("homeserver_domain")),
                          validate_url("matrix_bridge.homeserver_url", opts.get("homeserver_url")),
                          validate_url("matrix_bridge.bridge_url", opts.get("bridge_url"))) if e]
    if not opts.get("homeserver_url"):
        errors.append("matrix_bridge.homeserver_url is required: the URL of the homeserver's client API that "
                      "Rocket.Chat talks to, for example http://synapse:8008.")
    for option in ("hs_token", "as_token"):
        token = opts.get(option)
        if token is not None and len(token) < 16:
            errors.append("matrix_bridge.%s is too short; use at least 32 random characters "
                          "(for example lookup('ansible.builtin.password', '/dev/null length=48')). " % option)
    if opts.get("hs_token") and opts.get("hs_token") == opts.get("as_token"):
        errors.append("matrix_bridge.hs_token and as_token must differ.")
    errors.extend(validate_sizes(opts, "matrix_bridge", ("max_public_room_users",)))
    if errors:
        raise RocketChatValidationError(" ".join(errors))
    desired = _map_options(opts, BRIDGE_OPTIONS, version, "matrix_bridge")
    desired["Federation_Matrix_enabled"] = True
    return desired, set(("Federation_Matrix_hs_token", "Federation_Matrix_as_token")), []


def _native_settings(opts, version):
    errors = [e for e in [validate_native_domain(opts.get("domain")), validate_signing_key(opts.get("signing_key"))]
              + validate_sizes(opts, "native", ("max_public_room_size",)) if e]
    if errors:
        raise RocketChatValidationError(" ".join(errors))
    desired = _map_options(opts, NATIVE_OPTIONS, version, "native")
    warnings = []
    if opts.get("allow_list") is not None:
        entries, list_warnings = analyse_allow_list(opts["allow_list"], version)
        if list_warnings and opts.get("allow_list_bare_entries") == "fail":
            raise RocketChatValidationError(" ".join(list_warnings))
        warnings.extend(list_warnings)
        desired["Federation_Service_Allow_List"] = ",".join(entries)
        if not entries:
            warnings.append("native.allow_list is empty: Rocket.Chat then federates with every server.")
    desired["Federation_Service_Enabled"] = True
    return desired, set(("Federation_Service_Matrix_Signing_Key",)), warnings


MODE_SETTINGS = {"legacy": _legacy_settings, "matrix_bridge": _bridge_settings, "native": _native_settings}


def _other_modes_off(mode, version):
    """The enable switches of the other generations, off, where the release still has them writable."""
    known = catalog.catalog_for(version)
    off = {}
    for other, flag in ENABLE_FLAG.items():
        if other == mode or flag not in known or known[flag].hidden_in(version):
            continue
        if other != "native" and not supports(other, version) and mode != "disabled":
            # 7.11: the old switches are read-only and the bridge is disabled by the release itself.
            continue
        off[flag] = False
    return off


def bridge_token_check(current, params):
    """Refuse tokens equal to Rocket.Chat's derivable defaults, given or already in place."""
    unique_id = current.get("uniqueID")
    if not unique_id:
        return []
    default_hs, default_as = derived_default_tokens(str(unique_id))
    opts = params.get("matrix_bridge") or {}
    errors = []
    for option, setting_id, default in (("hs_token", "Federation_Matrix_hs_token", default_hs),
                                        ("as_token", "Federation_Matrix_as_token", default_as)):
        given = opts.get(option)
        if given is not None and given == default:
            errors.append("matrix_bridge.%s equals Rocket.Chat's default token, which anyone can derive from the "
                          "public uniqueID (sha256 of '%s_' + uniqueID); use a random one." % (option, option[:2]))
        elif given is None and current.get(setting_id) == default:
            errors.append("Federation_Matrix_%s on the server is still Rocket.Chat's default, derivable from the public "
                          "uniqueID; set matrix_bridge.%s to a random secret (for example "
                          "lookup('ansible.builtin.password', 'secrets/%s length=48 chars=hexdigits'))."
                          % (option, option, option))
    return errors


def license_state(client):
    """What the server's licence allows, from GET /api/v1/licenses.info (any authenticated user).

    Returns {"checked": bool, "federation_module": bool or None, "active_modules": [...], "detail": text,
    "expiry_known": bool, "expires_at": text or None, "days_left": float or None} (``_license.license_expiry``).
    Releases without the endpoint (before 6.5) and users it refuses give ``checked: False``.
    """
    try:
        data, _headers = client.request("GET", endpoints.LICENSES_INFO, what="read the licence (licenses.info)")
    except (RocketChatServerError, RocketChatPermissionError) as exc:
        if isinstance(exc, RocketChatServerError) and getattr(exc, "status", None) != 404:
            raise
        return dict({"checked": False, "federation_module": None, "active_modules": [],
                     "detail": "the licence could not be read (%s)" % exc}, **_license.license_expiry(None))
    info = (data or {}).get("license") or {}
    modules = sorted(str(m) for m in (info.get("activeModules") or []))
    return dict({"checked": True, "federation_module": LICENSE_MODULE in modules, "active_modules": modules,
                 "detail": "active licence modules: %s" % (", ".join(modules) or "none")},
                **_license.license_expiry(info))


def require_native_license(state):
    """Refuse mode=native on a server whose licence lacks the federation module (before any write)."""
    if state["checked"] and not state["federation_module"]:
        raise RocketChatValidationError(
            "mode=native needs a Rocket.Chat Enterprise licence with the '%s' module; this server's licence does not "
            "include it (%s). Without it Rocket.Chat stores the Federation_Service_* settings but ignores them and "
            "serves their invalid value instead (Federation_Service_Enabled reads false), so nothing was written. "
            "Apply a licence that includes federation (Administration > Subscription), then run again."
            % (LICENSE_MODULE, state["detail"]))


def apply_federation(client, params, check_mode=False):
    """Converge the federation intent; returns the module result (without secrets)."""
    version = client.version()
    mode = params["mode"]
    if params.get("check_configuration") and (mode != "matrix_bridge" or not supports("matrix_bridge", version)):
        raise RocketChatValidationError("check_configuration applies to mode=matrix_bridge on Rocket.Chat 4.7 to 7.10; "
                                        "this is mode=%s on %s." % (mode, version))
    if params.get("check_configuration") and version.tuple[:2] < CHECK_CONFIGURATION_SINCE:
        raise RocketChatVersionError(
            "check_configuration needs Rocket.Chat %d.%d or later: Rocket.Chat %s has no configuration check "
            "(Federation_Matrix_check_configuration_button and Federation_Matrix_configuration_status arrived in "
            "%d.%d). Verify the bridge with fedops.rocketchat.federation_check instead."
            % (CHECK_CONFIGURATION_SINCE + (version,) + CHECK_CONFIGURATION_SINCE))
    desired, secrets, warnings = desired_settings(mode, params, version)
    license_info = None
    if mode == "native":
        license_info = license_state(client)
        require_native_license(license_info)
        expiry = _license.expiry_warning(license_info, (params.get("native") or {}).get("license_expiry_warn_days"))
        if expiry:
            warnings.append(expiry)
        if not license_info["checked"]:
            warnings.append("Could not confirm that the licence includes the '%s' module native federation needs: %s."
                            % (LICENSE_MODULE, license_info["detail"]))
    extra = []
    validate = None
    if mode == "legacy":
        # The public key peers find in DNS comes from the same list read: no second task or request needed for it.
        extra = ["FEDERATION_Public_Key"]
    if mode == "matrix_bridge":
        extra = ["uniqueID", "Federation_Matrix_hs_token", "Federation_Matrix_as_token"]

        def validate(current):
            return bridge_token_check(current, params)

    result = converge_settings(client, desired, check_mode=check_mode, secret_ids=secrets, extra_read=extra,
                               validate=validate)
    result["warnings"] = warnings + result["warnings"]
    result["mode"] = mode
    result["supported_modes"] = supported_modes(version)
    if license_info is not None:
        result["license"] = license_info
    current = result.pop("current")
    if mode == "legacy":
        result["legacy_public_key"] = current.get("FEDERATION_Public_Key")
    if mode == "legacy" and result["changed"] and not check_mode:
        status = client.get_settings(["FEDERATION_Status", "FEDERATION_Enabled", "FEDERATION_Public_Key"],
                                     missing_ok=True)
        result["legacy_status"] = status.get("FEDERATION_Status")
        result["legacy_public_key"] = status.get("FEDERATION_Public_Key", result["legacy_public_key"])
        if status.get("FEDERATION_Enabled") is False:
            result["warnings"].append("Rocket.Chat switched FEDERATION_Enabled off again (FEDERATION_Status: %s)."
                                      % status.get("FEDERATION_Status"))
    if params.get("check_configuration"):
        result.update(check_bridge_configuration(client, check_mode))
    return result


def check_bridge_configuration(client, check_mode):
    """Press Federation_Matrix_check_configuration_button (bridge, before 7.11) and read the status."""
    out = {"configuration_checked": False, "configuration_message": None}
    if check_mode:
        status = client.get_settings(["Federation_Matrix_configuration_status"], missing_ok=True)
        out["configuration_status"] = status.get("Federation_Matrix_configuration_status")
        out["configuration_message"] = "not checked in check mode"
        return out
    ok, message = client.execute_action("Federation_Matrix_check_configuration_button")
    status = client.get_settings(["Federation_Matrix_configuration_status"], missing_ok=True)
    out.update(configuration_checked=True, configuration_status=status.get("Federation_Matrix_configuration_status"),
               configuration_message=message if not ok else "All configuration looks good")
    return out


# --- fedops.rocketchat.federation ----------------------------------------------------------------------------------
def federation_spec():
    return connection_spec(dict(
        mode=dict(type="str", required=True, choices=["legacy", "matrix_bridge", "native", "disabled"]),
        disable_other_modes=dict(type="bool", default=True),
        check_configuration=dict(type="bool", default=False),
        legacy=dict(type="dict", options=dict(
            domain=dict(type="str"),
            discovery_method=dict(type="str", choices=["dns", "hub"]),
        )),
        matrix_bridge=dict(type="dict", options=dict(
            homeserver_url=dict(type="str"),
            homeserver_domain=dict(type="str"),
            bridge_url=dict(type="str"),
            bridge_localpart=dict(type="str"),
            appservice_id=dict(type="str"),
            hs_token=dict(type="str", no_log=True),
            as_token=dict(type="str", no_log=True),
            enable_ephemeral_events=dict(type="bool"),
            serve_well_known=dict(type="bool"),
            max_public_room_users=dict(type="int"),
        )),
        native=dict(type="dict", options=dict(
            domain=dict(type="str"),
            allow_list=dict(type="list", elements="str"),
            allow_list_bare_entries=dict(type="str", choices=["warn", "fail"], default="warn"),
            license_expiry_warn_days=dict(type="int", default=30),
            signing_key=dict(type="str", no_log=True),
            max_public_room_size=dict(type="int"),
            edu_typing=dict(type="bool"),
            edu_presence=dict(type="bool"),
            edu_receipts=dict(type="bool"),
            join_encrypted_rooms=dict(type="bool"),
            join_non_private_rooms=dict(type="bool"),
            validate_user_domain=dict(type="bool"),
        )),
    ), required_if=[
        ("mode", "legacy", ("legacy",)),
        ("mode", "matrix_bridge", ("matrix_bridge",)),
        ("mode", "native", ("native",)),
    ])


def run_federation(module):
    params = dict(module.params)
    if params["native"] is not None:
        params["native"] = dict(params["native"])
        params["native"]["allow_list_bare_entries"] = params["native"].get("allow_list_bare_entries") or "warn"
    return run_action(module, lambda client: with_diff(
        module, apply_federation(client, params, check_mode=module.check_mode)))
