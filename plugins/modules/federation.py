#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: federation
short_description: Configure Rocket.Chat federation (legacy, Matrix bridge or native) from one typed intent
version_added: 0.1.0
description:
  - Turns one intent, O(mode) with the options of that mode, into the settings of the server's Rocket.Chat release and
    writes only what differs (in one call where the release has a bulk path), like M(fedops.rocketchat.settings).
  - B(legacy) - Rocket.Chat's own DNS federation (C(FEDERATION_*)), Rocket.Chat up to 7.10. Peers find the server by the
    SRV record C(_rocketchat._https.<domain>) and the TXT record C(rocketchat-public-key.<domain>); see
    M(fedops.rocketchat.federation_info) for the records to publish. Late 6.x and 7.x serve its endpoints only with
    C(ENABLE_INSECURE_LEGACY_FEDERATION=true) in the server environment.
  - B(matrix_bridge) - Rocket.Chat as an application service of a Synapse homeserver (C(Federation_Matrix_*)),
    Rocket.Chat 4.7 to 7.10. Always sets C(Federation_Matrix_homeserver_domain) (the late default, the full Site_Url,
    is wrong). Refuses bridge tokens that equal Rocket.Chat's defaults, which anyone can derive from the public
    C(uniqueID). Can press the configuration check and return its status.
  - B(native) - Rocket.Chat as its own Matrix homeserver (C(Federation_Service_*)), Rocket.Chat 7.11 and later with an
    Enterprise license. Checks the domain rules and warns about allow-list entries that Rocket.Chat matches as suffixes.
    Reads the licence first (C(GET /api/v1/licenses.info)) and fails, before anything is written, when it lacks the
    C(federation) module; Rocket.Chat would accept the writes but ignore them.
  - B(disabled) - switches every federation generation the release still has off.
  - A mode the server's release does not support fails with the releases that do, before anything is written. So do
    options of a release later than the server's (for example O(matrix_bridge.enable_ephemeral_events) before 6.7),
    options of another mode than O(mode), and values Rocket.Chat cannot use (a O(native.signing_key) that is not the
    base64 of a 32-byte ed25519 seed, a O(legacy.domain) that is not a lower-case host name, a negative room size).
author:
  - fedops.rocketchat contributors (@fedops)
requirements:
  - cryptography >= 42.0.0
extends_documentation_fragment:
  - fedops.rocketchat.rocketchat
  - fedops.rocketchat.rocketchat.actiongroup_rocketchat
  - fedops.rocketchat._attributes
  - fedops.rocketchat._attributes.idempotent
attributes:
  check_mode:
    support: full
    details:
      - Check mode reads the current settings and reports what a real run would write; it does not press the
        configuration check (the current status is returned instead).
  diff_mode:
    support: full
    details:
      - The diff shows the federation settings before and after; tokens and signing keys are masked.
  idempotent:
    support: full
    details:
      - With O(check_configuration=true) the check is run on every call; it changes only the status setting and is not
        reported as a change.
options:
  mode:
    description:
      - Which federation to run. V(disabled) switches all of them off.
    type: str
    required: true
    choices: [legacy, matrix_bridge, native, disabled]
  disable_other_modes:
    description:
      - Switch off the other generations the release still has (for example C(FEDERATION_Enabled) when enabling the
        Matrix bridge). Rocket.Chat 7.11 makes the old switches read-only and disables the bridge itself, so there they
        are left alone.
    type: bool
    default: true
  check_configuration:
    description:
      - With O(mode=matrix_bridge) (Rocket.Chat 6.12 to 7.10, earlier bridges have no configuration check),
        press C(Federation_Matrix_check_configuration_button)
        after writing and return RV(configuration_status) (C(Valid)/C(Invalid)) and RV(configuration_message).
        Rocket.Chat refuses to create federated rooms unless the status is C(Valid).
      - The check pings the homeserver (Synapse 1.84 or later) as the application service and asks the federation
        tester (public, or C(FEDERATION_TESTER_HOST)) about the homeserver domain.
    type: bool
    default: false
  legacy:
    description:
      - Options of O(mode=legacy).
    type: dict
    suboptions:
      domain:
        description:
          - C(FEDERATION_Domain), the domain peers look up. Required for O(mode=legacy).
        type: str
      discovery_method:
        description:
          - C(FEDERATION_Discovery_Method). V(hub) registers with C(hub.rocket.chat); when that fails Rocket.Chat switches
            federation off again.
        type: str
        choices: [dns, hub]
  matrix_bridge:
    description:
      - Options of O(mode=matrix_bridge). Unset options keep the server's value.
    type: dict
    suboptions:
      homeserver_url:
        description:
          - C(Federation_Matrix_homeserver_url), the URL Rocket.Chat uses to reach the homeserver's client API (for
            example V(http://synapse:8008)). Rocket.Chat 6.8+ also derives its C(.well-known) answers from it.
          - Required for O(mode=matrix_bridge).
        type: str
      homeserver_domain:
        description:
          - C(Federation_Matrix_homeserver_domain), the Matrix C(server_name), for example V(example.com). Not a URL.
          - Required for O(mode=matrix_bridge).
        type: str
      bridge_url:
        description:
          - C(Federation_Matrix_bridge_url), the URL the homeserver uses to reach the bridge; its port is the bridge's
            listen port (default 3300).
        type: str
      bridge_localpart:
        description:
          - C(Federation_Matrix_bridge_localpart), the bridge bot's localpart (C(sender_localpart)).
        type: str
      appservice_id:
        description:
          - C(Federation_Matrix_id), the application service id in the registration.
        type: str
      hs_token:
        description:
          - C(Federation_Matrix_hs_token). Random, at least 16 characters; the default derivable from the public
            C(uniqueID) is refused. Required unless the server already holds a non-default token.
        type: str
      as_token:
        description:
          - C(Federation_Matrix_as_token). Same rules as O(matrix_bridge.hs_token); must differ from it.
        type: str
      enable_ephemeral_events:
        description:
          - C(Federation_Matrix_enable_ephemeral_events) (typing notifications and similar; costs performance).
            Rocket.Chat 6.7 and later.
        type: bool
      serve_well_known:
        description:
          - C(Federation_Matrix_serve_well_known) (Rocket.Chat 6.8+); turn off when delegation is published by DNS SRV
            or a reverse proxy.
        type: bool
      max_public_room_users:
        description:
          - C(Federation_Matrix_max_size_of_public_rooms_users) (Enterprise), 0 or more. Rocket.Chat 6.0 and later.
        type: int
  native:
    description:
      - Options of O(mode=native). Unset options keep the server's value.
    type: dict
    suboptions:
      domain:
        description:
          - C(Federation_Service_Domain), the Matrix server name; lower case, a bare host name without scheme, port or
            path. Required for O(mode=native).
        type: str
      allow_list:
        description:
          - C(Federation_Service_Allow_List), the servers allowed to federate. An empty list allows every server.
          - Rocket.Chat matches an entry that equals the origin, and a V(*.example.org) entry against example.org and
            its subdomains. Releases before the exact-matching fix (linted as such before 8.4) B(also admit any origin
            that ends with the entry), so V(example.org) also admits V(badexample.org); there bare entries get a
            warning (or fail, see O(native.allow_list_bare_entries)). Prefer V(*.example.org).
          - Entries with a scheme, port or path can never match (Rocket.Chat compares the server name a peer signs
            with) and fail the task before anything is written.
        type: list
        elements: str
      allow_list_bare_entries:
        description:
          - What to do with allow-list entries without C(*.) on releases that match entries as suffixes.
        type: str
        choices: [warn, fail]
        default: warn
      license_expiry_warn_days:
        description:
          - Warn when the Rocket.Chat licence ends within this many days. Native federation stops when the licence
            is invalidated, so renew it before. V(0) warns only once it has ended.
          - The end is read from the licence's validity periods, which Rocket.Chat shows only to users with
            C(view-privileged-setting); RV(license) tells whether it was known.
        type: int
        default: 30
      signing_key:
        description:
          - C(Federation_Service_Matrix_Signing_Key), the base64 of the 32-byte ed25519 seed (padded or not; the
            C(rocketchat_key) that M(fedops.rocketchat.signing_key) returns). Unset keeps the key Rocket.Chat
            generated.
        type: str
      max_public_room_size:
        description:
          - C(Federation_Service_max_allowed_size_of_public_rooms_to_join), 0 or more.
        type: int
      edu_typing:
        description:
          - C(Federation_Service_EDU_Process_Typing).
        type: bool
      edu_presence:
        description:
          - C(Federation_Service_EDU_Process_Presence).
        type: bool
      edu_receipts:
        description:
          - C(Federation_Service_EDU_Process_Receipt) (Rocket.Chat 8.0+).
        type: bool
      join_encrypted_rooms:
        description:
          - C(Federation_Service_Join_Encrypted_Rooms).
        type: bool
      join_non_private_rooms:
        description:
          - C(Federation_Service_Join_Non_Private_Rooms).
        type: bool
      validate_user_domain:
        description:
          - C(Federation_Service_Validate_User_Domain) (Rocket.Chat 8.0+).
        type: bool
seealso:
  - module: fedops.rocketchat.federation_info
  - module: fedops.rocketchat.settings
"""

EXAMPLES = r"""
- name: Matrix bridge on Rocket.Chat 7.10 with Synapse
  fedops.rocketchat.federation:
    url: https://chat.example.com
    user_id: "{{ rocketchat_admin_user_id }}"
    auth_token: "{{ rocketchat_admin_pat }}"
    mode: matrix_bridge
    matrix_bridge:
      homeserver_url: http://synapse:8008
      homeserver_domain: example.com
      bridge_url: http://rocketchat:3300
      hs_token: "{{ vault_bridge_hs_token }}"
      as_token: "{{ vault_bridge_as_token }}"
      serve_well_known: false
    check_configuration: true
  register: bridge

- name: Native federation on Rocket.Chat 7.11 or later
  fedops.rocketchat.federation:
    url: https://chat.example.com
    user_id: "{{ rocketchat_admin_user_id }}"
    auth_token: "{{ rocketchat_admin_pat }}"
    mode: native
    native:
      domain: chat.example.com
      allow_list:
        - "*.example.org"
        - "*.partner.example"

- name: Switch federation off
  fedops.rocketchat.federation:
    url: https://chat.example.com
    user_id: "{{ rocketchat_admin_user_id }}"
    auth_token: "{{ rocketchat_admin_pat }}"
    mode: disabled
"""

RETURN = r"""
mode:
  description: The mode applied.
  returned: success
  type: str
  sample: matrix_bridge
supported_modes:
  description: The federation generations the server's release supports.
  returned: success
  type: list
  elements: str
  sample: [legacy, matrix_bridge]
license:
  description: The licence read for O(mode=native) (see RV(fedops.rocketchat.federation_info#module:license)).
  returned: when O(mode=native)
  type: dict
  sample: {"checked": true, "federation_module": true, "active_modules": ["federation"],
           "detail": "active licence modules: federation", "expiry_known": true,
           "expires_at": "2027-01-31T00:00:00Z", "days_left": 55.5}
changed_settings:
  description: Setting ids that were (or in check mode would be) written.
  returned: success
  type: list
  elements: str
  sample: [Federation_Matrix_enabled, Federation_Matrix_homeserver_domain]
before:
  description: The managed settings before, secrets masked.
  returned: success
  type: dict
after:
  description: The managed settings after (or as they would be in check mode), secrets masked.
  returned: success
  type: dict
version:
  description: The Rocket.Chat release from C(/api/info).
  returned: success
  type: str
  sample: "7.10.4"
write_method:
  description: V(bulk), V(method.call) or V(per_setting); V(null) when nothing was written.
  returned: success
  type: str
configuration_status:
  description: C(Federation_Matrix_configuration_status) after the check (C(Valid) or C(Invalid)).
  returned: when O(check_configuration=true)
  type: str
  sample: Invalid
configuration_message:
  description: Rocket.Chat's message from the configuration check when it failed.
  returned: when O(check_configuration=true)
  type: str
configuration_checked:
  description: Whether the check ran (not in check mode).
  returned: when O(check_configuration=true)
  type: bool
legacy_status:
  description: C(FEDERATION_Status) after a change in O(mode=legacy).
  returned: when O(mode=legacy) changed something
  type: str
  sample: Enabled
legacy_public_key:
  description:
    - C(FEDERATION_Public_Key), the public key peers look up in the TXT record C(rocketchat-public-key.<domain>)
      (see M(fedops.rocketchat.federation_dns)), read with the managed settings; no extra request.
  returned: when O(mode=legacy)
  type: str
  version_added: 0.1.0
requests:
  description: HTTP requests sent, retries, 429 answers and seconds spent waiting for rate-limit windows.
  returned: always
  type: dict
"""

from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._federation import federation_spec, run_federation


def main():
    module = federation_spec().create_ansible_module(supports_check_mode=True)
    module.exit_json(**run_federation(module))


if __name__ == "__main__":
    main()
