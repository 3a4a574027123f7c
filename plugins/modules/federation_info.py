#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: federation_info
short_description: Read Rocket.Chat's federation state, the records it needs and its bridge registration
version_added: 0.1.0
description:
  - Reads the release (C(/api/info)), the federation generations it supports and every federation setting the release
    shows over REST, concurrently over one keep-alive session.
  - Returns the legacy public key with the DNS records peers look up (SRV C(_rocketchat._https.<domain>), TXT
    C(rocketchat-public-key.<domain>)), the Matrix bridge registration file Rocket.Chat generated, and the native
    allow list with warnings about entries matched as suffixes.
  - Secret values (bridge tokens, signing key, the tokens inside the registration file) are masked unless
    O(show_secrets=true).
  - Reports the federation settings of the server's generations that its release does not have yet (for example the
    early Matrix bridge of 4.7 to 5.x has no ephemeral-events switch), instead of failing to read them.
  - Reads the licence (C(GET /api/v1/licenses.info)). Native federation needs an Enterprise licence with the
    C(federation) module; without it Rocket.Chat ignores the C(Federation_Service_*) values and uses their invalid
    values, so the facts say so.
author:
  - fedops.rocketchat contributors (@fedops)
requirements:
  - cryptography >= 42.0.0
extends_documentation_fragment:
  - fedops.rocketchat.rocketchat
  - fedops.rocketchat.rocketchat.actiongroup_rocketchat
  - fedops.rocketchat._attributes
  - fedops.rocketchat._attributes.info_module
options:
  show_secrets:
    description:
      - Return secret values in clear. The result is then no longer safe to print; register it and keep C(no_log) on
        tasks that use it.
    type: bool
    default: false
  registration_path:
    description:
      - Path of the Matrix bridge registration file Synapse loads (C(app_service_config_files)), on the host the task
        runs on. The module compares it with the registration Rocket.Chat builds from its C(Federation_Matrix_*)
        settings and returns RV(registration_differences).
      - Only for releases with the Matrix bridge (4.7 to 7.10).
    type: path
    version_added: 0.1.0
seealso:
  - module: fedops.rocketchat.federation
"""

EXAMPLES = r"""
- name: Read federation facts
  fedops.rocketchat.federation_info:
    url: https://chat.example.com
    user_id: "{{ rocketchat_admin_user_id }}"
    auth_token: "{{ rocketchat_admin_pat }}"
  register: rc_federation

- name: Show the DNS records legacy federation needs
  ansible.builtin.debug:
    var: rc_federation.legacy.dns_records
  when: rc_federation.legacy is defined

- name: Write the bridge registration for Synapse (with the real tokens)
  fedops.rocketchat.federation_info:
    url: https://chat.example.com
    user_id: "{{ rocketchat_admin_user_id }}"
    auth_token: "{{ rocketchat_admin_pat }}"
    show_secrets: true
  register: rc_secret_facts
  no_log: true

- name: Compare Synapse's registration file with what Rocket.Chat's bridge expects
  fedops.rocketchat.federation_info:
    url: https://chat.example.com
    user_id: "{{ rocketchat_admin_user_id }}"
    auth_token: "{{ rocketchat_admin_pat }}"
    registration_path: /etc/matrix-synapse/appservices/rocketchat.yaml
  register: rc_bridge
  failed_when: rc_bridge.registration_differences | length > 0
"""

RETURN = r"""
version:
  description: The release from C(/api/info); major.minor only unless the user may see the full version.
  returned: success
  type: str
  sample: "7.10.4"
version_is_full:
  description: Whether RV(version) includes the patch level.
  returned: success
  type: bool
supported_modes:
  description: Federation generations this release supports (V(legacy), V(matrix_bridge), V(native)).
  returned: success
  type: list
  elements: str
  sample: [legacy, matrix_bridge]
active_mode:
  description: The generation switched on - V(legacy), V(matrix_bridge), V(native), V(disabled) or V(multiple).
  returned: success
  type: str
  sample: matrix_bridge
settings:
  description: Every federation setting the release shows over REST, secrets masked unless O(show_secrets=true).
  returned: success
  type: dict
hidden_settings:
  description: Federation settings of this release that the server did not show (hidden by the release or SETTINGS_HIDDEN).
  returned: success
  type: list
  elements: str
unsupported_settings:
  description:
    - Federation settings of the generations this release has, which the release does not have yet (or no longer),
      with the releases that have them.
  returned: success
  type: dict
  sample: {"Federation_Matrix_enable_ephemeral_events": "6.7 to before 8.0"}
license:
  description: The licence as far as it matters for federation.
  returned: success
  type: dict
  contains:
    checked:
      description: Whether the licence could be read (the release has C(licenses.info) and enterprise settings).
      type: bool
      returned: success
    federation_module:
      description: Whether the C(federation) licence module is active; V(null) when not checked.
      type: bool
      returned: success
    active_modules:
      description: The active licence modules.
      type: list
      elements: str
      returned: success
    detail:
      description: A sentence describing what was found.
      type: str
      returned: success
    expiry_known:
      description:
        - Whether the licence's validity periods were in the answer (Rocket.Chat shows the licence itself only to
          users with C(view-privileged-setting)).
      type: bool
      returned: success
    expires_at:
      description:
        - When the licence is invalidated (the earliest C(validUntil) of its periods whose C(invalidBehavior) is
          C(invalidate_license)), UTC; native federation stops then. V(null) when unknown or never.
      type: str
      returned: success
      sample: "2027-01-31T00:00:00Z"
    days_left:
      description: Days until RV(license.expires_at) (negative once it has passed); V(null) when unknown or never.
      type: float
      returned: success
site_url:
  description: C(Site_Url).
  returned: success
  type: str
legacy:
  description: Legacy federation facts.
  returned: when the release has legacy federation settings
  type: dict
  contains:
    enabled:
      description: C(FEDERATION_Enabled).
      type: bool
      returned: success
    status:
      description: C(FEDERATION_Status).
      type: str
      returned: success
    domain:
      description: C(FEDERATION_Domain).
      type: str
      returned: success
    discovery_method:
      description: C(FEDERATION_Discovery_Method).
      type: str
      returned: success
    public_key:
      description: C(FEDERATION_Public_Key), the single-line SPKI PEM peers expect in the TXT record.
      type: str
      returned: success
    dns_records:
      description: Records to publish (empty without a domain), each with C(type), C(name) and C(value); SRV also with
        C(priority), C(weight), C(port) and C(target).
      type: list
      elements: dict
      returned: success
matrix_bridge:
  description: Matrix bridge facts.
  returned: when the release has the Matrix bridge settings
  type: dict
  contains:
    enabled:
      description: C(Federation_Matrix_enabled).
      type: bool
      returned: success
    configuration_status:
      description: C(Federation_Matrix_configuration_status) (C(Valid)/C(Invalid)).
      type: str
      returned: success
    homeserver_url:
      description: C(Federation_Matrix_homeserver_url).
      type: str
      returned: success
    homeserver_domain:
      description: C(Federation_Matrix_homeserver_domain).
      type: str
      returned: success
    bridge_url:
      description: C(Federation_Matrix_bridge_url).
      type: str
      returned: success
    registration_file:
      description: The appservice registration YAML Rocket.Chat generated; tokens masked unless O(show_secrets=true).
      type: str
      returned: success
    default_tokens_in_use:
      description: Whether a bridge token still equals the default derivable from the public C(uniqueID).
      type: bool
      returned: success
native:
  description: Native federation facts.
  returned: when the release has native federation
  type: dict
  contains:
    enabled:
      description: C(Federation_Service_Enabled).
      type: bool
      returned: success
    domain:
      description: C(Federation_Service_Domain).
      type: str
      returned: success
    allow_list:
      description: C(Federation_Service_Allow_List) split into entries.
      type: list
      elements: str
      returned: success
    allow_list_warnings:
      description: Entries Rocket.Chat matches as suffixes, with the safer form.
      type: list
      elements: str
      returned: success
    licensed:
      description: Whether the licence includes the C(federation) module; V(null) when it could not be read.
      type: bool
      returned: success
    license_warning:
      description: Present when the licence lacks the C(federation) module, so the values shown have no effect.
      type: str
      returned: when the licence lacks the module
    access_federation_roles:
      description:
        - The roles that hold C(access-federation) (C(GET /api/v1/permissions.listAll)); local users without it
          cannot create or join federated rooms and their incoming invites are refused (403).
        - V(null) when the permissions could not be read or the server has no such permission.
      type: list
      elements: str
      returned: success
      sample: [admin, federated-external, user]
    access_federation_warning:
      description: A sentence with the fix when no ordinary user role (C(user)) holds C(access-federation), else V(null).
      type: str
      returned: success
registration_differences:
  description:
    - Differences between the file O(registration_path) and the registration Rocket.Chat builds from its settings
      (id, tokens, URL, bot localpart, namespaces, ephemeral events); empty when Synapse and the bridge agree.
    - Token values never appear; a token mismatch reads C(as_token differs ...).
  returned: when O(registration_path) is set
  type: list
  elements: str
  sample: ["as_token differs from Rocket.Chat's Federation_Matrix_as_token"]
requests:
  description: HTTP requests sent, retries, 429 answers and seconds spent waiting for rate-limit windows.
  returned: always
  type: dict
error_kind:
  description:
    - Why the read failed, for callers that keep the failure (C(failed_when=false)) and report it, as
      M(fedops.rocketchat.federation_metrics) does - V(auth) (401, 403), V(tls), V(unreachable), V(timeout),
      V(server_error), V(rate_limited), V(not_found), V(client_error) or V(error).
  returned: on failure after the options were accepted
  type: str
  sample: auth
"""

from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._info import federation_info_spec, run_federation_info


def main():
    module = federation_info_spec().create_ansible_module(supports_check_mode=True)
    module.exit_json(**run_federation_info(module))


if __name__ == "__main__":
    main()
