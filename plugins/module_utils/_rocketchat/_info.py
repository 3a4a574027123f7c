# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Read-only federation facts: release, supported generations, settings (secrets masked), statuses,
the legacy public key with the DNS records peers need, the bridge registration file, the settings the
release lacks, and the licence (native federation needs the ``federation`` licence module)."""

from __future__ import annotations

from urllib.parse import urlsplit

from ansible_collections.fedops.rocketchat.plugins.module_utils import _federation_names as names
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat import _catalog as catalog
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat import _permissions
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._errors import (
    RocketChatPermissionError,
    RocketChatServerError,
    RocketChatValidationError,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._federation import (
    ENABLE_FLAG,
    LICENSE_MODULE,
    analyse_allow_list,
    derived_default_tokens,
    license_state,
    supported_modes,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._settings import mask_value
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._registration import (
    load_registration_file,
    registration_differences_from_server,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._module import connection_spec, run_action


def legacy_dns_records(domain, site_url, public_key):
    """SRV _rocketchat._https.<domain> (or _http for a plain-HTTP Site_Url) and TXT rocketchat-public-key.<domain>."""
    if not domain:
        return []
    parts = urlsplit(site_url or "")
    scheme = "http" if parts.scheme == "http" else "https"
    port = parts.port or (80 if scheme == "http" else 443)
    target = parts.hostname or domain
    records = [{
        "type": "SRV", "name": names.legacy_srv_name(domain, scheme), "priority": 1, "weight": 1, "port": port,
        "target": target, "value": "1 1 %d %s" % (port, target),
    }]
    if public_key:
        records.append({"type": "TXT", "name": names.legacy_public_key_name(domain), "value": public_key})
    return records


def mask_registration(text):
    """The registration YAML with hs_token/as_token values masked."""
    lines = []
    for line in (text or "").splitlines():
        key = line.split(":", 1)[0].strip()
        if key in ("hs_token", "as_token") and ":" in line:
            lines.append("%s: %s" % (line.split(":", 1)[0], mask_value("x")))
        else:
            lines.append(line)
    return "\n".join(lines) + ("\n" if text and text.endswith("\n") else "")


def active_mode(values):
    active = [mode for mode, flag in ENABLE_FLAG.items() if values.get(flag) is True]
    if not active:
        return "disabled"
    return active[0] if len(active) == 1 else "multiple"


def _native_access(client):
    """Who holds access-federation (native federation's permission), and a warning when no ordinary user role does."""
    try:
        current = _permissions.read_permissions(client)
    except (RocketChatPermissionError, RocketChatServerError) as exc:
        return {"access_federation_roles": None, "access_federation_warning": None,
                "access_federation_detail": "the permissions could not be read (%s)" % exc}
    return {"access_federation_roles": current.get(_permissions.FEDERATION_PERMISSION),
            "access_federation_warning": _permissions.federation_access_warning(current)}


def gather_federation_info(client, show_secrets=False):
    """The federation facts of the workspace: release, settings (secrets masked), licence, and one part per
    generation whose settings the release has."""
    version = client.version()
    ids = catalog.federation_ids(version) + ["uniqueID", "Site_Url"]
    values = client.get_settings(ids, missing_ok=True)
    secrets = catalog.secret_ids(version)
    shown = dict((k, v) for k, v in values.items() if k not in ("uniqueID", "Site_Url"))
    if not show_secrets:
        shown = dict((k, mask_value(v) if k in secrets else v) for k, v in shown.items())
    facts = {
        "version": str(version),
        "version_is_full": version.full,
        "supported_modes": supported_modes(version),
        "active_mode": active_mode(values),
        "settings": shown,
        "hidden_settings": sorted(set(catalog.federation_ids(version)) - set(values)),
        "unsupported_settings": catalog.unsupported_ids(version),
        "site_url": values.get("Site_Url"),
    }
    license_info = license_state(client) if catalog.enterprise_ids(version) else None
    if license_info is not None:
        facts["license"] = license_info
    else:
        facts["license"] = {"checked": False, "federation_module": None, "active_modules": [],
                            "detail": "Rocket.Chat %s has no enterprise federation setting" % version,
                            "expiry_known": False, "expires_at": None, "days_left": None}
    if "FEDERATION_Enabled" in values:
        facts["legacy"] = _legacy_facts(values)
    if "Federation_Matrix_enabled" in values:
        facts["matrix_bridge"] = _bridge_facts(values, show_secrets)
    if "Federation_Service_Enabled" in values:
        facts["native"] = _native_facts(client, values, version, facts["license"]["federation_module"])
    return facts


def _legacy_facts(values):
    domain = values.get("FEDERATION_Domain")
    key = values.get("FEDERATION_Public_Key")
    return {
        "enabled": values.get("FEDERATION_Enabled"), "status": values.get("FEDERATION_Status"),
        "domain": domain, "discovery_method": values.get("FEDERATION_Discovery_Method"), "public_key": key,
        "dns_records": legacy_dns_records(domain, values.get("Site_Url"), key),
    }


def _bridge_facts(values, show_secrets):
    registration = values.get("Federation_Matrix_registration_file")
    defaults = derived_default_tokens(str(values.get("uniqueID") or ""))
    return {
        "enabled": values.get("Federation_Matrix_enabled"),
        "configuration_status": values.get("Federation_Matrix_configuration_status"),
        "homeserver_url": values.get("Federation_Matrix_homeserver_url"),
        "homeserver_domain": values.get("Federation_Matrix_homeserver_domain"),
        "bridge_url": values.get("Federation_Matrix_bridge_url"),
        "registration_file": registration if show_secrets else mask_registration(registration),
        "default_tokens_in_use": bool(values.get("uniqueID")) and (
            values.get("Federation_Matrix_hs_token") == defaults[0]
            or values.get("Federation_Matrix_as_token") == defaults[1]),
    }


def _native_facts(client, values, version, licensed):
    allow = [e for e in str(values.get("Federation_Service_Allow_List") or "").split(",") if e.strip()]
    try:
        _entries, allow_warnings = analyse_allow_list(allow, version)
    except RocketChatValidationError:
        allow_warnings = ["the allow list holds entries that are not domains"]
    native = {
        "enabled": values.get("Federation_Service_Enabled"),
        "domain": values.get("Federation_Service_Domain"),
        "allow_list": [e.strip() for e in allow],
        "allow_list_warnings": allow_warnings,
        "licensed": licensed,
    }
    native.update(_native_access(client))
    if licensed is False:
        native["license_warning"] = (
            "The licence lacks the '%s' module: Rocket.Chat ignores the Federation_Service_* values shown here "
            "and uses their invalid values (federation off)." % LICENSE_MODULE)
    return native


# --- fedops.rocketchat.federation_info -----------------------------------------------------------------------------
def federation_info_spec():
    return connection_spec(dict(show_secrets=dict(type="bool", default=False), registration_path=dict(type="path")))


def run_federation_info(module):
    def action(client):
        registration = None
        if module.params["registration_path"]:
            registration = load_registration_file(module.params["registration_path"])
        facts = gather_federation_info(client, show_secrets=module.params["show_secrets"])
        if registration is not None:
            facts["registration_differences"] = registration_differences_from_server(client, registration)
        facts["changed"] = False
        return facts

    return run_action(module, action)
