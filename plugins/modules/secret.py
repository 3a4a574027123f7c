#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: secret
short_description: Stable service secrets, derived from a master secret or random and kept in a file
version_added: 0.1.0
description:
  - Returns a secret for a service, such as an appservice C(as_token)/C(hs_token) or Synapse's
    C(macaroon_secret_key), C(form_secret) and C(registration_shared_secret), that stays the same on every run.
  - B(Derived) (O(master_secret) set) - the value is computed from the master secret and O(label) with HMAC-SHA256,
    so any machine with the same master secret (for example from Ansible Vault) gets the same value, and a CI runner
    without state gets the same value every run. If O(path) is set too, the value is also written to that file
    (replacing a different value there).
  - B(Random) (no O(master_secret)) - a random value is created once in the file O(path) (mode 0600 by default,
    written atomically) and read back on later runs. O(force=true) replaces it.
  - The task result is always hidden from the output, as with C(no_log), by the action plugin that runs this module;
    register it to use RV(value).
author:
  - fedops.rocketchat contributors (@fedops)
extends_documentation_fragment:
  - ansible.builtin.files
  - fedops.rocketchat._attributes
  - fedops.rocketchat._attributes.idempotent
  - fedops.rocketchat._keys.actiongroup_keys
attributes:
  check_mode:
    support: full
    details:
      - In check mode a random secret that would be created is returned but not stored; the next real run stores a
        different one.
  diff_mode:
    support: full
    details:
      - The diff only says whether the secret changes and shows file attributes; the whole result is hidden anyway.
  idempotent:
    support: partial
    details:
      - O(force=true) makes a new random secret on every run.
options:
  master_secret:
    description:
      - Master secret to derive the value from. Keep it in Ansible Vault.
      - When set, the value is derived from it and O(label) with HMAC-SHA256, see O(label).
    type: str
  label:
    description:
      - What the secret is for, for example V(synapse.macaroon) or V(rocketchat.bridge.as_token). Different labels give
        unrelated values from the same master secret. Required with O(master_secret).
      - The value is made from the bytes HMAC-SHA256 keyed with O(master_secret) over O(label), followed by HMAC-SHA256
        over O(label), a NUL byte and a 4-byte big-endian counter I(i) for I(i) = 1, 2, ...
      - With O(alphabet=hex) the value is the hex of these bytes, so up to 64 characters it is exactly the hex HMAC of
        the label (what C(openssl dgst -sha256 -hmac) prints). With the other alphabets each byte I(b) becomes the
        character at index I(b) modulo the alphabet size; bytes that would favour some characters are skipped, so
        every character is equally likely.
    type: str
  path:
    description:
      - File that holds the secret (its content is the value and a newline, as Synapse's C(*_path) options read it).
      - Required without O(master_secret). The directory must exist.
    type: path
  length:
    description:
      - Number of characters of the value, from 8 to 4096. A warning is given below 128 bits of entropy.
    type: int
    default: 64
  alphabet:
    description:
      - Characters of the value. V(alphanumeric) is C([A-Za-z0-9]), V(base64url) adds V(-) and V(_), V(hex) is
        lower-case hex, V(letters) is C([A-Za-z]) and V(digits) C([0-9]).
    type: str
    choices: [alphanumeric, base64url, hex, letters, digits]
    default: alphanumeric
  force:
    description:
      - Replace a random secret that already exists in O(path).
      - With O(master_secret) the file always gets the derived value; O(force=true) is only needed when the file does
        not hold a single line of UTF-8 text.
      - An existing random secret is otherwise kept even if it does not match O(length) or O(alphabet) (with a
        warning).
    type: bool
    default: false
  backup:
    description:
      - Create a backup file including the timestamp before the secret file is replaced.
      - The backup is mode 0600, or 0640 when O(group) is given, and never wider than the secret file's mode.
    type: bool
    default: false
notes:
  - This module has a corresponding action plugin that hides the whole result in the output; the value is only
    available through C(register).
  - Changing O(master_secret), O(label), O(length) or O(alphabet) of a derived secret changes the value, which
    usually means the services using it must be reconfigured and restarted.
seealso:
  - module: fedops.rocketchat.signing_key
  - name: Synapse configuration, macaroon_secret_key_path
    description: Synapse reads several secrets from files written by this module.
    link: https://element-hq.github.io/synapse/latest/usage/configuration/config_documentation.html#macaroon_secret_key_path
"""

EXAMPLES = r"""
- name: Derive the bridge tokens from one master secret (same values on every run and every runner)
  fedops.rocketchat.secret:
    master_secret: "{{ vault_fedops_master_secret }}"
    label: "rocketchat.bridge.{{ item }}"
    length: 64
  loop: [as_token, hs_token]
  register: bridge_tokens

- name: Synapse macaroon secret, random, created once on the host and read back later
  fedops.rocketchat.secret:
    path: /etc/synapse/macaroon_secret_key
    owner: root
    group: synapse
    mode: "0640"
  register: macaroon

- name: Registration shared secret, derived and also written for registration_shared_secret_path
  fedops.rocketchat.secret:
    master_secret: "{{ vault_fedops_master_secret }}"
    label: synapse.registration_shared_secret
    path: /etc/synapse/registration_shared_secret
    group: synapse
    mode: "0640"
"""

RETURN = r"""
value:
  description: The secret. The task result is hidden in the output; use it through C(register).
  returned: success
  type: str
source:
  description:
    - Where the value comes from. V(derived) from O(master_secret), V(existing) read from O(path), V(generated)
      newly made at random.
  returned: success
  type: str
  sample: existing
path:
  description: The secret file.
  returned: when O(path) is set
  type: str
  sample: /etc/synapse/macaroon_secret_key
length:
  description: Length of RV(value).
  returned: success
  type: int
  sample: 64
backup_file:
  description: Name of the backup file created before the secret file was replaced.
  returned: changed and if O(backup=true)
  type: str
  sample: /etc/synapse/macaroon_secret_key.2417.2026-01-01@12:00:00~
"""

from ansible_collections.fedops.rocketchat.plugins.module_utils._secret_file import run_secret, secret_spec


def main():
    module = secret_spec().create_ansible_module(supports_check_mode=True)
    module.exit_json(**run_secret(module))


if __name__ == "__main__":
    main()
