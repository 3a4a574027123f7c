#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: signing_key
short_description: Ensure a Matrix ed25519 signing key file (Synapse format), with safe rotation
version_added: 0.1.0
description:
  - Ensures a Matrix server signing key in Synapse's key file format, one key per line
    C(ed25519 <version> <unpadded base64 of the 32-byte seed>). Synapse publishes every key in the file and signs
    with the first one.
  - Creates the key when the file is missing, with a version id generated like Synapse does (V(a_) and four
    letters) or the one given in O(version). A valid key is B(never replaced) unless O(rotate) or O(regenerate)
    explicitly ask for it.
  - Every key that leaves the file is kept, as a public key with its C(expired_ts), in the old keys file
    O(old_keys_path). RV(old_signing_keys) returns all of them in the shape of Synapse's C(old_signing_keys)
    option, so peers can keep verifying events signed with them.
  - A malformed key file makes the module fail with the line number and what is wrong; the file is left untouched.
  - The same key can be used by Rocket.Chat's native federation (7.11+). RV(rocketchat_settings) holds the values of
    C(Federation_Service_Matrix_Signing_Algorithm), C(Federation_Service_Matrix_Signing_Version) and (with
    O(return_content=true)) C(Federation_Service_Matrix_Signing_Key), and O(rocketchat_key) imports a key from
    Rocket.Chat into the file.
  - Files are written atomically (temporary file created with mode 0600 in the same directory, fsynced, renamed). A
    rotation writes both new files first and replaces the old keys file, then the key file; if the key file cannot be
    replaced the old keys file is put back, so a failure at any step (for example a full or read-only file system)
    leaves both files as they were.
author:
  - fedops.rocketchat contributors (@fedops)
requirements:
  - cryptography >= 42.0.0
extends_documentation_fragment:
  - ansible.builtin.files
  - fedops.rocketchat._attributes
  - fedops.rocketchat._attributes.idempotent
  - fedops.rocketchat._keys.actiongroup_keys
attributes:
  check_mode:
    support: full
    details:
      - When a new key would be generated without O(version), the returned key id and public key are V(null), since
        the version id is random.
  diff_mode:
    support: full
    details:
      - The diff shows key ids, public keys, fingerprints and file attributes, never the private key.
  idempotent:
    support: partial
    details:
      - O(rotate=true) without O(version), and O(regenerate=always), make a new key on every run.
options:
  path:
    description:
      - Path of the signing key file, for example C(/etc/synapse/example.org.signing.key)
        (Synapse's C(signing_key_path)).
      - The directory must exist.
    type: path
    required: true
  version:
    description:
      - Version id of the active key (the part after V(ed25519:) in the key id). Letters, digits and V(_) only.
      - When the file is created, the new key gets this version. When unset, a version like Synapse's is generated.
      - When the file exists and its active key has another version, the module fails by default; see O(rotate)
        and O(regenerate).
      - A version is never reused for a different key, including versions of retired keys.
    type: str
  rotate:
    description:
      - Make a new key the active one and retire every key currently in the file to the old keys
        (O(old_keys_path)), with O(expired_ts).
      - With O(version) (or O(rocketchat_key)), rotation happens only while the active key has another version, so the
        task is idempotent. Without it, every run rotates.
      - After a rotation, put RV(old_signing_keys) into Synapse's C(old_signing_keys) option and restart Synapse.
    type: bool
    default: false
  regenerate:
    description:
      - When to replace the key file with a new key, using the choices of community.crypto's key modules.
      - V(never) keeps any valid key, even if O(version) differs (with a warning); a malformed file fails.
      - V(fail) (default) creates a missing key, keeps a valid one, and fails when the active key's version differs
        from O(version) or when the file is malformed. It never replaces a valid key.
      - V(partial_idempotence) also replaces a valid key whose version differs from O(version); a malformed file
        fails.
      - V(full_idempotence) also replaces a malformed file (its valid lines are retired first).
      - V(always) makes a new key on every run.
      - A replaced valid key is retired to the old keys, like with O(rotate). Use O(backup) to keep the old file.
    type: str
    choices: [never, fail, partial_idempotence, full_idempotence, always]
    default: fail
  expired_ts:
    description:
      - C(expired_ts) (milliseconds since 1970) recorded for keys retired by this run.
      - Peers accept signatures of a retired key on events older than this. The default is now plus 6 hours, like
        Synapse's C(export_signing_key), which leaves time to restart Synapse with the new key.
    type: int
  old_keys_path:
    description:
      - File that keeps the public keys of retired keys, one per line as
        C(ed25519 <version> <expired_ts> <unpadded base64 public key>) (the format signedjson reads with
        C(read_old_signing_keys)). Entries are only ever added.
      - Defaults to O(path) with V(.old_keys) appended. It gets the same owner, group and mode as O(path).
    type: path
  expect_public_key:
    description:
      - Public key (unpadded base64, as RV(public_key) returns it) that this server is known to have published, for
        example kept in the inventory after the first run.
      - The module fails, changing nothing, when the key file is missing or malformed, or holds other keys and the
        expected key was not retired by this module. This catches a key lost with a rebuilt host or replaced by
        another tool, which would otherwise be replaced by a new key that peers reject.
      - A key retired by O(rotate) or O(regenerate) still satisfies it, so rotation stays idempotent.
    type: str
  rocketchat_key:
    description:
      - The value of Rocket.Chat's C(Federation_Service_Matrix_Signing_Key) setting (base64 of the 32-byte ed25519
        seed), to make that key the active key of the file. Requires O(version), which must be the value of
        C(Federation_Service_Matrix_Signing_Version) (Rocket.Chat's default is V(0)) so the key id stays the same.
      - If the file holds another key, the module fails unless O(rotate=true) or O(regenerate) allows replacing it.
    type: str
  backup:
    description:
      - Create a backup file including the timestamp before the key file is replaced, so the private key can be
        recovered.
      - The backup is mode 0600, or 0640 when O(group) is given, and never wider than the key file's mode.
    type: bool
    default: false
  return_content:
    description:
      - Return the private key file content in RV(private_key) and the Rocket.Chat signing key setting in
        RV(rocketchat_settings).
      - B(Use with care.) This puts the private key into the task result. The whole task result is then hidden in
        the output as with C(no_log), but the registered variable holds the key, so every task that uses it must
        set the C(no_log) keyword too.
    type: bool
    default: false
notes:
  - Synapse reads the key file only at start; restart it after a change. Since Synapse 1.67 a missing key file makes
    Synapse silently create a new key, so keep this task before Synapse starts.
  - Rocket.Chat decodes C(Federation_Service_Matrix_Signing_Key) as base64 of the 32-byte seed (padded or not) and
    publishes the key as C(<algorithm>:<version>) from its algorithm and version settings.
seealso:
  - name: Matrix specification, Signing JSON
    description: How Matrix objects are signed with these keys.
    link: https://spec.matrix.org/latest/appendices/#signing-json
  - name: Synapse configuration, signing_key_path and old_signing_keys
    description: Where Synapse reads the key file and the retired keys.
    link: https://element-hq.github.io/synapse/latest/usage/configuration/config_documentation.html#signing_key_path
  - module: fedops.rocketchat.secret
"""

EXAMPLES = r"""
- name: Ensure the Synapse signing key exists (never replaced once there)
  fedops.rocketchat.signing_key:
    path: /etc/synapse/example.org.signing.key
    owner: root
    group: synapse
    mode: "0640"
  register: synapse_key

- name: Rotate to key version a_2026 (idempotent), keeping the old public key published
  fedops.rocketchat.signing_key:
    path: /etc/synapse/example.org.signing.key
    version: a_2026
    rotate: true
    backup: true
  register: synapse_key

- name: Render Synapse's old_signing_keys from every retired key
  ansible.builtin.copy:
    dest: /etc/synapse/conf.d/old_signing_keys.yaml
    content: "{{ {'old_signing_keys': synapse_key.old_signing_keys} | to_nice_yaml }}"
    mode: "0644"

- name: Fail instead of making a new key if the known key was lost (for example on a rebuilt host)
  fedops.rocketchat.signing_key:
    path: /etc/synapse/example.org.signing.key
    expect_public_key: "{{ synapse_public_key }}"

- name: Read the key in Rocket.Chat's native federation format
  fedops.rocketchat.signing_key:
    path: /etc/synapse/example.org.signing.key
    return_content: true
  register: key_for_rc
  no_log: true

- name: Move a Rocket.Chat native federation key into a Synapse key file
  fedops.rocketchat.signing_key:
    path: /etc/synapse/example.org.signing.key
    rocketchat_key: "{{ vault_rc_federation_signing_key }}"
    version: "0"
"""

RETURN = r"""
filename:
  description: Path of the key file.
  returned: always
  type: str
  sample: /etc/synapse/example.org.signing.key
key_id:
  description: Key id of the active key, C(<algorithm>:<version>).
  returned: success (V(null) in check mode when a key with a random version would be generated)
  type: str
  sample: ed25519:a_AbCd
version:
  description: Version of the active key.
  returned: success
  type: str
  sample: a_AbCd
algorithm:
  description: Always V(ed25519).
  returned: success
  type: str
  sample: ed25519
public_key:
  description: Public key of the active key, unpadded base64 (what C(/_matrix/key/v2/server) publishes).
  returned: success
  type: str
  sample: Z2J5ZGNqZ2x0a2pzZGZoa2pzZGhma2pzZGhma2pzZGY
fingerprint:
  description: Fingerprints of the active public key, by hash algorithm, colon-separated hex.
  returned: success
  type: dict
  sample:
    sha256: "4e:2f:...:a1"
verify_keys:
  description: Every key in the file, as Synapse publishes them in C(verify_keys).
  returned: success
  type: dict
  sample:
    "ed25519:a_AbCd":
      key: Z2J5ZGNqZ2x0a2pzZGZoa2pzZGhma2pzZGhma2pzZGY
old_signing_keys:
  description:
    - Every retired key (from O(old_keys_path)), in the shape of Synapse's C(old_signing_keys) option.
  returned: success
  type: dict
  sample:
    "ed25519:a_Old1":
      key: b2xkIHB1YmxpYyBrZXkgYmFzZTY0IGVuY29kZWQgaGVyZQ
      expired_ts: 1767225600000
retired_keys:
  description: The keys retired by this run (by O(rotate) or O(regenerate)), same shape as RV(old_signing_keys).
  returned: success
  type: dict
  sample:
    "ed25519:a_Old1":
      key: b2xkIHB1YmxpYyBrZXkgYmFzZTY0IGVuY29kZWQgaGVyZQ
      expired_ts: 1767225600000
action:
  description: What happened to the key file, V(keep), V(create), V(rotate) or V(regenerate).
  returned: success
  type: str
  sample: keep
old_keys_path:
  description: Path of the old keys file.
  returned: success
  type: str
  sample: /etc/synapse/example.org.signing.key.old_keys
backup_file:
  description: Name of the backup file created before the key file was replaced.
  returned: changed and if O(backup=true)
  type: str
  sample: /etc/synapse/example.org.signing.key.2417.2026-01-01@12:00:00~
private_key:
  description: The key file content (private keys). Hidden in the output.
  returned: if O(return_content=true)
  type: str
rocketchat_settings:
  description:
    - Values for Rocket.Chat native federation's settings that carry this key.
    - C(Federation_Service_Matrix_Signing_Key) (padded base64 of the seed) is only present with
      O(return_content=true).
  returned: success
  type: dict
  sample:
    Federation_Service_Matrix_Signing_Algorithm: ed25519
    Federation_Service_Matrix_Signing_Version: a_AbCd
"""

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._signing_key import run_signing_key, signing_key_spec


def main():
    module = signing_key_spec().create_ansible_module(supports_check_mode=True)
    module.exit_json(**run_signing_key(module))


if __name__ == "__main__":
    main()
