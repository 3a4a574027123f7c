# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Which roles hold a permission, through Rocket.Chat's permissions API.

``GET /api/v1/permissions.listAll`` (any authenticated user) answers ``{update: [{_id, roles, ...}], remove: []}``;
``POST /api/v1/permissions.update`` (permission ``access-permissions``) takes ``{permissions: [{_id, roles}]}``, sets
each permission's roles to exactly the given list, and answers 400 ``error-invalid-permission`` for an unknown
permission and ``error-invalid-role`` for an unknown role (``apps/meteor/app/api/server/v1/permissions.ts``).

Native federation needs ``access-federation``: without it a local user cannot create or join federated rooms
(``error-not-authorized-federation``) and the invites remote servers send to that user are refused with 403
``M_FORBIDDEN`` (``ee/packages/federation-matrix/src/api/_matrix/invite.ts``). Rocket.Chat grants it to ``admin``,
``user`` and ``federated-external`` by default (``apps/meteor/app/authorization/server/constant/permissions.ts``).
Everything here except ``read_permissions`` and ``converge_permissions`` is a pure function.
"""

from __future__ import annotations

from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat import _endpoints as endpoints
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._errors import RocketChatValidationError
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._module import (
    connection_spec,
    run_action,
    with_diff,
)

FEDERATION_PERMISSION = "access-federation"
ORDINARY_ROLE = "user"


def read_permissions(client):
    """{permission id: sorted roles} as the server holds them."""
    data, _headers = client.request("GET", endpoints.PERMISSIONS_LIST, what="read the permissions")
    current = {}
    for item in (data or {}).get("update") or []:
        if isinstance(item, dict) and item.get("_id"):
            current[str(item["_id"])] = sorted(set(str(role) for role in item.get("roles") or []))
    return current


def normalise(desired):
    """{permission: roles} from the option: roles sorted and unique; refuses empty ids and role names."""
    out = {}
    for permission, roles in (desired or {}).items():
        if not str(permission).strip():
            raise RocketChatValidationError("permissions: a permission id is empty.")
        if roles is None or isinstance(roles, (str, bytes)) or not isinstance(roles, (list, tuple)):
            raise RocketChatValidationError(
                "permissions.%s must be a list of role names (for example [admin, user]), got %r." % (permission, roles))
        names = [str(role).strip() for role in roles]
        if any(not name for name in names):
            raise RocketChatValidationError("permissions.%s holds an empty role name." % permission)
        out[str(permission)] = sorted(set(names))
    return out


def plan_permissions(current, desired):
    """The permissions to write, as ``[{_id, roles}]``; refuses permissions the server does not have."""
    unknown = sorted(p for p in desired if p not in current)
    if unknown:
        raise RocketChatValidationError(
            "permissions: %s %s not exist on this server; check the spelling (for example access-federation). "
            "Nothing was changed." % (", ".join(unknown), "does" if len(unknown) == 1 else "do"))
    return [{"_id": p, "roles": roles} for p, roles in sorted(desired.items()) if current[p] != roles]


def federation_access_warning(current):
    """A warning when no ordinary user role holds access-federation (None when it does or the server lacks it)."""
    roles = current.get(FEDERATION_PERMISSION)
    if roles is None or ORDINARY_ROLE in roles:
        return None
    return ("No ordinary user role holds %s (roles: %s): local users without it cannot create or join federated "
            "rooms, and invites remote servers send them are refused (403 M_FORBIDDEN). Grant it to the '%s' role "
            "(or the roles your users have), for example with fedops.rocketchat.permissions."
            % (FEDERATION_PERMISSION, ", ".join(roles) or "none", ORDINARY_ROLE))


def converge_permissions(client, desired, check_mode=False):
    """Make each permission in ``desired`` held by exactly its roles; returns the module result."""
    wanted = normalise(desired)
    current = read_permissions(client)
    changes = plan_permissions(current, wanted)
    if changes and not check_mode:
        # permissions.update sets each permission's role list: repeatable, so retried like a PUT
        client.request("POST", endpoints.PERMISSIONS_UPDATE, body={"permissions": changes}, idempotent=True,
                       what="update the permissions", permission="access-permissions")
    after = dict(current)
    after.update(dict((c["_id"], c["roles"]) for c in changes))
    warnings = []
    warning = federation_access_warning(after)
    if warning:
        warnings.append(warning)
    return {
        "changed": bool(changes),
        "changed_permissions": [c["_id"] for c in changes],
        "permissions": dict((p, after[p]) for p in sorted(wanted)),
        "federation_access_roles": after.get(FEDERATION_PERMISSION),
        "diff": {"before": dict((p, current[p]) for p in sorted(wanted)),
                 "after": dict((p, after[p]) for p in sorted(wanted))},
        "warnings": warnings,
    }


def permissions_spec():
    return connection_spec(dict(permissions=dict(type="dict", required=True)))


def run_permissions(module):
    return run_action(module, lambda client: with_diff(
        module, converge_permissions(client, module.params["permissions"], check_mode=module.check_mode)))
