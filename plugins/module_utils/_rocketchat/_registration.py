# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""The Matrix bridge's application service registration, as Rocket.Chat builds it and as Synapse loads it.

Rocket.Chat (4.7 to 7.10) does not read a registration file: its bridge builds the registration from its
``Federation_Matrix_*`` settings (the settings adapter's registration object: id, both tokens, the bridge URL, the
bot localpart, the ephemeral switch, and non-exclusive ``.*`` namespaces for users, rooms and aliases). Synapse loads
the file named in ``app_service_config_files``. The two must agree on every value below, or Synapse and the bridge
refuse each other's requests (tokens), miss each other (URL, id) or drop typing notifications (ephemeral).
Pure functions; no token value ever appears in a message.
"""

from __future__ import annotations

from ansible.module_utils.common.text.converters import to_native

from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._errors import RocketChatValidationError

try:
    from ansible.module_utils.common.yaml import HAS_YAML, yaml_load
except ImportError:  # pragma: no cover - ansible-core without the YAML helper
    HAS_YAML = False

EPHEMERAL_KEY = "de.sorunome.msc2409.push_ephemeral"
NAMESPACE_KINDS = ("users", "rooms", "aliases")
_EVERYTHING = ".*"
_SECRET_FIELDS = ("hs_token", "as_token")
SETTING_IDS = (
    "Federation_Matrix_id", "Federation_Matrix_hs_token", "Federation_Matrix_as_token", "Federation_Matrix_bridge_url",
    "Federation_Matrix_bridge_localpart", "Federation_Matrix_enable_ephemeral_events",
)


def registration_from_settings(settings):
    """The registration Rocket.Chat's bridge builds from a mapping of ``Federation_Matrix_*`` setting values."""
    namespace = {"exclusive": False, "regex": _EVERYTHING}
    return {
        "id": settings.get("Federation_Matrix_id"),
        "hs_token": settings.get("Federation_Matrix_hs_token"),
        "as_token": settings.get("Federation_Matrix_as_token"),
        "url": settings.get("Federation_Matrix_bridge_url"),
        "sender_localpart": settings.get("Federation_Matrix_bridge_localpart"),
        "namespaces": dict((kind, [dict(namespace)]) for kind in NAMESPACE_KINDS),
        EPHEMERAL_KEY: settings.get("Federation_Matrix_enable_ephemeral_events") is True,
    }


def _ephemeral(registration):
    """Synapse reads the stable ``receive_ephemeral`` first, then the MSC2409 key."""
    if "receive_ephemeral" in registration:
        return registration.get("receive_ephemeral") is True
    return registration.get(EPHEMERAL_KEY) is True


def _namespace_set(registration, kind):
    entries = (registration.get("namespaces") or {}).get(kind) or []
    if not isinstance(entries, list):
        return None
    return sorted((bool(e.get("exclusive", False)), str(e.get("regex"))) for e in entries if isinstance(e, dict))


def _describe(entries):
    if not entries:
        return "none"
    return ", ".join("%s%s" % (regex, " (exclusive)" if exclusive else "") for exclusive, regex in entries)


def _text(value):
    return "" if value is None else str(value)


def registration_differences(expected, actual):
    """Differences between the registration Rocket.Chat builds (``expected``) and a loaded file (``actual``).

    Returns a list of sentences, empty when both agree. Token values are never included.
    """
    if not isinstance(actual, dict):
        return ["the registration file is not a YAML mapping"]
    differences = []
    for field in ("id", "hs_token", "as_token", "url", "sender_localpart"):
        want, have = _text(expected.get(field)), _text(actual.get(field))
        if field == "url":
            want, have = want.rstrip("/"), have.rstrip("/")
        if want == have:
            continue
        if field in _SECRET_FIELDS:
            differences.append("%s differs from Rocket.Chat's Federation_Matrix_%s" % (field, field))
        elif field not in actual:
            differences.append("%s is missing from the file; Rocket.Chat has %r" % (field, want))
        else:
            differences.append("%s is %r in the file but %r in Rocket.Chat" % (field, have, want))
    for kind in NAMESPACE_KINDS:
        want, have = _namespace_set(expected, kind), _namespace_set(actual, kind)
        if want != have:
            differences.append("namespaces.%s is %s in the file but %s in Rocket.Chat"
                               % (kind, "not a list" if have is None else _describe(have), _describe(want)))
    want_ephemeral, have_ephemeral = _ephemeral(expected), _ephemeral(actual)
    if want_ephemeral != have_ephemeral:
        differences.append(
            "ephemeral events (%s) are %s in the file but Federation_Matrix_enable_ephemeral_events is %s: %s"
            % (EPHEMERAL_KEY, "on" if have_ephemeral else "off", str(want_ephemeral).lower(),
               "Synapse sends typing notifications the bridge has no handler for" if have_ephemeral
               else "Rocket.Chat waits for typing notifications Synapse never sends"))
    return differences


def compare_with_settings(settings, registration):
    """``registration_differences`` for the registration built from ``settings``."""
    return registration_differences(registration_from_settings(settings), registration)


def parse_registration(text, path="registration file"):
    """Parse a registration file's YAML text; raise RocketChatValidationError when it is not a mapping."""
    if not HAS_YAML:
        raise RocketChatValidationError("registration_path needs PyYAML on the host that runs the module")
    try:
        data = yaml_load(text)
    except Exception as exc:  # pylint: disable=broad-except
        raise RocketChatValidationError("registration_path: %s is not valid YAML: %s" % (path, to_native(exc)))
    if not isinstance(data, dict):
        raise RocketChatValidationError("registration_path: %s does not hold a YAML mapping (an appservice "
                                        "registration has id, hs_token, as_token, url, ...)" % path)
    return data


def load_registration_file(path):
    """Read and parse the registration file Synapse loads (``app_service_config_files``)."""
    try:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8")
    except (IOError, OSError, UnicodeDecodeError) as exc:
        raise RocketChatValidationError("registration_path: cannot read %s (%s); give the path of the file Synapse "
                                        "loads, on the host the task runs on" % (path, to_native(exc)))
    return parse_registration(text, path)


def registration_differences_from_server(client, registration):
    """Read the bridge settings from Rocket.Chat and compare them with a parsed registration file."""
    settings = client.get_settings(list(SETTING_IDS), missing_ok=True)
    if "Federation_Matrix_id" not in settings:
        raise RocketChatValidationError("registration_path: this Rocket.Chat has no Matrix bridge settings (the "
                                        "bridge exists in releases 4.7 to 7.10); leave registration_path out")
    return compare_with_settings(settings, registration)
