#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: settings
short_description: Set Rocket.Chat administration settings idempotently over the REST API
version_added: 0.1.0
description:
  - Sets any Rocket.Chat settings to JSON-typed values and writes only what differs.
  - Reads the current values in as few requests as the release allows, over one keep-alive session - one
    C(GET /api/v1/settings) for all managed settings (with a C(query) selecting them before Rocket.Chat 7.0, the
    whole unpaged list with C(count=0) from 7.0, where C(query) is no longer honoured), then
    C(GET /api/v1/settings/<id>) only for settings that list did not carry (secrets, which Rocket.Chat 8.6 and
    later mask in the list, and ids that are hidden, unknown or not visible to the user). A converged run is two
    requests, well within Rocket.Chat's default rate limit of 10 calls per minute and route.
  - Compares the values with their JSON types (V(true) differs from V(1) and from V("true")), and writes all differences
    in B(one) call where the release has a bulk path - C(POST /api/v1/settings) on Rocket.Chat 8.6 and later, the
    C(saveSettings) method through C(method.call) before (its always-200 result is parsed for errors).
  - A value of the wrong JSON type is refused before anything is written; Rocket.Chat would store it as given (no
    release checks the type on the per-setting endpoint; 8.x checks only bounds and validation rules). The type
    comes from the module's catalog, else from the value the server holds (boolean, number, list or string; a
    number or boolean stored as text may be repaired); a server holding no value earns a warning instead. V(NaN) and
    infinite numbers are refused for every setting.
  - An id that does not exist or is hidden on the server's release fails the task before anything is written.
  - Settings that are read-only in the admin UI are written anyway (the REST API does not enforce read-only) with
    a warning.
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
      - Check mode reads the current values and reports exactly what a real run would write, without writing.
  diff_mode:
    support: full
    details:
      - The diff shows the managed settings before and after; values of O(secret_settings) and of settings known
        to be secret (password type, bridge tokens, signing keys) are masked.
  idempotent:
    support: full
options:
  settings:
    description:
      - Settings to set, as a mapping of setting id to value. Values keep their YAML types; write V(true) and V(100)
        unquoted for boolean and integer settings.
      - At least one of O(settings) and O(secret_settings) is required.
    type: dict
    default: {}
  secret_settings:
    description:
      - Like O(settings), for values that must stay out of logs, results and diffs (passwords, tokens, keys).
      - An id may not appear in both O(settings) and O(secret_settings).
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Set a few settings with a personal access token (admin, created with "Ignore Two Factor Authentication")
  fedops.rocketchat.settings:
    url: https://chat.example.com
    user_id: "{{ rocketchat_admin_user_id }}"
    auth_token: "{{ rocketchat_admin_pat }}"
    settings:
      Site_Name: Example Chat
      Message_MaxAllowedSize: 10000
      Accounts_TwoFactorAuthentication_Enabled: true
    secret_settings:
      SMTP_Password: "{{ vault_smtp_password }}"

- name: Same with username and password (the password also answers two-factor challenges)
  fedops.rocketchat.settings:
    url: https://chat.example.com
    username: automation
    password: "{{ vault_automation_password }}"
    settings:
      Layout_Home_Title: Welcome

- name: Defaults for every task of the play
  module_defaults:
    group/fedops.rocketchat.rocketchat:
      url: https://chat.example.com
      user_id: "{{ rocketchat_admin_user_id }}"
      auth_token: "{{ rocketchat_admin_pat }}"
  block:
    - name: Keep the rate limiter on
      fedops.rocketchat.settings:
        settings:
          API_Enable_Rate_Limiter: true
"""

RETURN = r"""
changed_settings:
  description: Ids whose value differed and was (or in check mode would be) written, in the order given.
  returned: success
  type: list
  elements: str
  sample: [Site_Name, Message_MaxAllowedSize]
before:
  description: The managed settings as they were, secrets masked.
  returned: success
  type: dict
  sample: {Site_Name: Rocket.Chat, SMTP_Password: "********"}
after:
  description: The managed settings as they are after the run (or would be in check mode), secrets masked.
  returned: success
  type: dict
  sample: {Site_Name: Example Chat, SMTP_Password: "********"}
version:
  description: The Rocket.Chat release from C(/api/info) (major.minor unless the user may see the full version).
  returned: success
  type: str
  sample: "7.10.4"
write_method:
  description:
    - How the changes were written - V(bulk) (C(POST /api/v1/settings)), V(method.call) (C(saveSettings)) or
      V(per_setting). V(null) when nothing was written.
  returned: success
  type: str
  sample: method.call
requests:
  description:
    - HTTP requests the module sent, retries, 429 answers, and waiting for rate-limit windows -
      C(rate_limit_wait) is the wall-clock time spent waiting (requests waiting at the same time count once),
      C(rate_limit_longest_wait) the longest single wait, C(rate_limit_waits) how many waits there were.
  returned: always
  type: dict
  sample: {requests: 2, retries: 0, rate_limited: 0, rate_limit_wait: 0.0, rate_limit_longest_wait: 0.0,
           rate_limit_waits: 0}
"""

from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._settings import run_settings, settings_spec


def main():
    module = settings_spec().create_ansible_module(supports_check_mode=True)
    module.exit_json(**run_settings(module))


if __name__ == "__main__":
    main()
