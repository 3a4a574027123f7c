#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: permissions
short_description: Set which Rocket.Chat roles hold a permission, for example access-federation
version_added: 0.1.0
description:
  - Makes each given permission held by exactly the given roles, through Rocket.Chat's permissions API
    (C(GET /api/v1/permissions.listAll), then one C(POST /api/v1/permissions.update) with only the permissions that
    differ). A converged run is one read and no write.
  - Native federation needs C(access-federation) - local users without it cannot create or join federated rooms, and
    invites remote servers send them are refused with 403 C(M_FORBIDDEN). Rocket.Chat grants it to C(admin), C(user)
    and C(federated-external) by default. The module warns when no ordinary user role (C(user)) holds it.
  - A permission the server does not have fails the task before anything is written; Rocket.Chat refuses unknown
    roles (C(error-invalid-role)) without changing anything.
author:
  - fedops.rocketchat contributors (@fedops)
extends_documentation_fragment:
  - fedops.rocketchat.rocketchat
  - fedops.rocketchat.rocketchat.actiongroup_rocketchat
  - fedops.rocketchat._attributes
  - fedops.rocketchat._attributes.idempotent
attributes:
  check_mode:
    support: full
    details:
      - Check mode reads the permissions and reports exactly what a real run would write, without writing.
  diff_mode:
    support: full
    details:
      - The diff shows the roles of the managed permissions before and after.
  idempotent:
    support: full
options:
  permissions:
    description:
      - A mapping of permission id to the list of roles that must hold it, exactly (roles not listed lose it).
      - Writing needs the C(access-permissions) permission (the C(admin) role by default).
    type: dict
    required: true
notes:
  - Rocket.Chat applies permission changes at once; no restart is needed.
seealso:
  - module: fedops.rocketchat.federation
"""

EXAMPLES = r"""
- name: Let every user federate (Rocket.Chat's default), and bots too
  fedops.rocketchat.permissions:
    url: https://chat.example.com
    user_id: "{{ rocketchat_admin_user_id }}"
    auth_token: "{{ rocketchat_admin_pat }}"
    permissions:
      access-federation: [admin, user, federated-external, bot]

- name: Only admins may federate (a pilot); the module warns that ordinary users cannot
  fedops.rocketchat.permissions:
    url: https://chat.example.com
    user_id: "{{ rocketchat_admin_user_id }}"
    auth_token: "{{ rocketchat_admin_pat }}"
    permissions:
      access-federation: [admin, federated-external]
"""

RETURN = r"""
changed_permissions:
  description: Permissions whose roles differed and were (or in check mode would be) written.
  returned: success
  type: list
  elements: str
  sample: [access-federation]
permissions:
  description: The managed permissions and their roles after the run (or as they would be in check mode).
  returned: success
  type: dict
  sample: {access-federation: [admin, federated-external, user]}
federation_access_roles:
  description: The roles that hold C(access-federation) after the run; V(null) when the server has no such permission.
  returned: success
  type: list
  elements: str
  sample: [admin, federated-external, user]
requests:
  description: HTTP requests the module sent, retries and rate-limit waits (see M(fedops.rocketchat.settings)).
  returned: always
  type: dict
  sample: {requests: 1, retries: 0, rate_limited: 0, rate_limit_wait: 0.0, rate_limit_longest_wait: 0.0,
           rate_limit_waits: 0}
"""

from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._permissions import (
    permissions_spec,
    run_permissions,
)


def main():
    module = permissions_spec().create_ansible_module(supports_check_mode=True)
    module.exit_json(**run_permissions(module))


if __name__ == "__main__":
    main()
