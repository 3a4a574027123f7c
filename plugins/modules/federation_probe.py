#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: federation_probe
short_description: Prove that Matrix federation carries a conversation between two homeservers
version_added: 0.1.0
description:
  - Performs a real round trip over federation between two accounts on two homeservers and reports every step with
    its duration. Run it after every apply or upgrade; discovery and key checks (M(fedops.rocketchat.federation_check))
    say federation I(should) work, the probe shows that a person on the other side receives a message.
  - 'Steps, in order: C(accounts) (C(whoami) for both accounts and a C(/sync) position on each side),
    C(create_room) (a private room created by the O(local) account), C(invite) (the O(remote) account is invited; the
    local homeserver delivers the invite over federation), C(invite_received) (the invite shows up in the remote
    account''s C(/sync)), C(join) (the remote account joins through the local server),
    C(message_to_remote) and C(message_to_local) (a message each way; each side must see the event id the other side
    sent), then optionally C(typing) (the remote sees C(m.typing) for the local user in its ephemeral events),
    C(reaction) (an C(m.reaction) annotation from the remote account reaches the local side) and C(media) (a file
    uploaded on the local homeserver is downloaded through the remote homeserver, with the authenticated
    C(/_matrix/client/v1/media/download) endpoint, or C(/_matrix/media/v3/download) on servers without it), and
    finally C(cleanup).'
  - When O(local) is a Rocket.Chat bridge account (O(local.as_token) given), the C(media) step also uploads a file
    on the remote homeserver and downloads it the way Rocket.Chat's Matrix bridge (Rocket.Chat 4.7 to 7.10) does -
    from the local homeserver, without a token, over the legacy C(/_matrix/media/r0/download). Synapse serves that
    path only with C(enable_authenticated_media) off (on by default since Synapse 1.120), and fetches the file from
    the remote homeserver over the legacy unauthenticated federation path, which the remote refuses while its own
    C(enable_authenticated_media) is on. A refusal means files sent from the remote server never reach Rocket.Chat
    users; O(bridge_media) decides whether it fails the step (the default) or warns. The local side is the
    operator's to fix (C(synapse_enable_authenticated_media) of the synapse role), the remote side is its admin's.
  - Waits poll C(/sync) (long polls) until the step's O(timeout), never longer than O(total_timeout) for the whole
    probe. A failed step stops the probe; the steps after it are reported as C(skip).
  - B(Nothing is left behind), also when a step fails - both accounts leave and forget the room (the remote account
    first, rejecting the invite when it never joined). The module therefore always reports C(changed=false) - the
    room is temporary and the homeservers end as they were, apart from the room's history kept by Synapse, which no
    client sees after the room is forgotten.
  - Every failed step carries a hint naming what to look at, for example an invite that never arrives (one
    side's federation cannot reach the other - run M(fedops.rocketchat.federation_check) on both server names),
    a join refused with 403 (C(federation_domain_whitelist) or the room's server ACL), a message not seen
    (outbound federation, the federation sender) or a media download failing with 404 (media federation disabled,
    C(federation_custom_ca_list)), or refused to Rocket.Chat's bridge (C(enable_authenticated_media)). An invite
    or join refused with C(M_INCOMPATIBLE_ROOM_VERSION) is named as such, with the fix (Rocket.Chat's native
    federation supports room versions 3 to 11; pin C(default_room_version) on the Synapse side, which the synapse
    role does by default with C(synapse_default_room_version)).
  - The accounts must be on two different homeservers (different server names), otherwise the probe fails in the
    C(accounts) step because it would not cross federation. Use dedicated probe accounts; their rooms list stays
    empty between runs.
author:
  - fedops.rocketchat contributors (@fedops)
requirements:
  - requests >= 2.25.0
extends_documentation_fragment:
  - fedops.rocketchat._attributes
  - fedops.rocketchat._attributes.idempotent
attributes:
  check_mode:
    support: full
    details:
      - In check mode no request is sent at all; the module returns the steps it would run with status C(planned).
  diff_mode:
    support: none
  idempotent:
    support: full
    details:
      - The probe leaves and forgets its room in every case, so it reports C(changed=false) and a second run
        starts from the same state.
options:
  local:
    description:
      - The account that creates the room, invites, sends the first message, types and uploads the media.
    type: dict
    required: true
    suboptions: &account
      homeserver_url:
        description:
          - Base URL of the account's homeserver client API, for example V(https://matrix.example.org).
        type: str
        required: true
      access_token:
        description:
          - The account's access token.
          - Exactly one of O(local.access_token) and O(local.as_token) is required.
        type: str
      as_token:
        description:
          - An application service token (for example the Rocket.Chat bridge's C(as_token)); requests act as
            O(local.user_id), which must be in the application service's user namespace and be registered.
          - The account then uses C(/sync) like any user, so the probe also works on the bridge's homeserver.
        type: str
      user_id:
        description:
          - The full Matrix user id the application service acts as (C(?user_id=) on every request). Required with
            O(local.as_token).
        type: str
      ca_path:
        description:
          - A CA bundle to verify the homeserver's TLS certificate with, instead of the system CAs.
        type: path
      validate_certs:
        description:
          - Verify the homeserver's TLS certificate. Only turn this off for a throw-away lab.
        type: bool
        default: true
  remote:
    description:
      - The account on the other homeserver, which is invited, joins, answers and reacts, and downloads the media.
      - Same suboptions as O(local).
      - B(Federation-only remote) - give O(remote.user_id) alone (no O(remote.homeserver_url), no token) for an
        account whose homeserver has no client-server API to act through, such as a Rocket.Chat native
        workspace (Rocket.Chat 7.11 and later serves the federation API only). The probe then runs what the local
        side can prove - C(accounts) (local only), C(create_room), C(invite) (the remote homeserver must accept
        and sign the invite, which checks its reachability, its keys, its allow list and the room version) and
        C(invite_received) (the signed invite is in the room's state) - reports the steps that need the remote
        account as C(skip), and withdraws the invite in C(cleanup). Check the Rocket.Chat side of messages in
        Rocket.Chat itself.
    type: dict
    required: true
    suboptions:
      homeserver_url:
        description:
          - Base URL of the account's homeserver client API. Leave it out for a federation-only remote.
        type: str
      access_token:
        description:
          - The account's access token.
          - Exactly one of O(remote.access_token) and O(remote.as_token) is required, unless the remote is
            federation-only.
        type: str
      as_token:
        description:
          - An application service token; requests act as O(remote.user_id).
        type: str
      user_id:
        description:
          - The full Matrix user id the application service acts as, or the federation-only remote account.
        type: str
      ca_path:
        description:
          - A CA bundle to verify the homeserver's TLS certificate with, instead of the system CAs.
        type: path
      validate_certs:
        description:
          - Verify the homeserver's TLS certificate. Only turn this off for a throw-away lab.
        type: bool
        default: true
  typing:
    description:
      - Run the C(typing) step.
    type: bool
    default: true
  reaction:
    description:
      - Run the C(reaction) step.
    type: bool
    default: true
  media:
    description:
      - Run the C(media) step.
    type: bool
    default: true
  bridge_media:
    description:
      - What a refused download the Rocket.Chat bridge way (see above; only when O(local.as_token) is given and
        O(media) is on) does to the probe.
      - V(fail) fails the C(media) step with a hint naming the fix. It is the default because Rocket.Chat users
        really do not get those files.
      - V(warn) passes the step, says so in its detail and emits a warning with the same hint - for a remote
        server whose authenticated media you cannot change.
    type: str
    choices: [fail, warn]
    default: fail
  timeout:
    description:
      - Seconds one step may take (also the timeout of each HTTP request).
    type: float
    default: 30
  total_timeout:
    description:
      - Seconds the whole probe may take before its cleanup. Steps not started by then fail.
    type: float
    default: 180
  room_name:
    description:
      - Name prefix of the temporary room (a random nonce is added), so the probe room is recognisable in logs.
    type: str
    default: fedops federation probe
  fail_on_error:
    description:
      - Fail the task when a step fails. With V(false) the task succeeds and RV(ok) says whether the probe passed.
    type: bool
    default: true
seealso:
  - module: fedops.rocketchat.federation_check
  - ref: ansible_collections.fedops.rocketchat.docsite.guide_probe
    description: Probing federation after every upgrade.
  - name: Matrix client-server API
    description: The endpoints the probe uses (rooms, sync, typing, relations, authenticated media).
    link: https://spec.matrix.org/latest/client-server-api/
"""

EXAMPLES = r"""
- name: Prove federation between our homeserver and a partner's after the upgrade
  fedops.rocketchat.federation_probe:
    local:
      homeserver_url: https://matrix.example.org
      access_token: "{{ vault_probe_token_local }}"
    remote:
      homeserver_url: https://matrix.partner.example
      access_token: "{{ vault_probe_token_partner }}"
  register: probe

- name: Print the verdict
  ansible.builtin.debug:
    msg: "{{ probe.verdict }}"

- name: Probe from the Rocket.Chat bridge's side, acting as one of its users, against a lab CA
  fedops.rocketchat.federation_probe:
    local:
      homeserver_url: https://matrix.chat.example
      as_token: "{{ vault_bridge_as_token }}"
      user_id: "@rc_probe:chat.example"
      ca_path: /etc/ssl/lab-ca.pem
    remote:
      homeserver_url: https://matrix.partner.example
      access_token: "{{ vault_probe_token_partner }}"
    # the partner keeps authenticated media on: report Rocket.Chat's refused downloads without failing
    bridge_media: warn
    timeout: 20
    fail_on_error: false
  register: probe

- name: Probe towards a Rocket.Chat native workspace (federation API only) from our Synapse
  fedops.rocketchat.federation_probe:
    local:
      homeserver_url: https://matrix.example.org
      access_token: "{{ vault_probe_token_local }}"
    remote:
      user_id: "@probe:chat.partner.example"

- name: Show what a run would do (sends nothing)
  fedops.rocketchat.federation_probe:
    local: "{{ probe_local }}"
    remote: "{{ probe_remote }}"
  check_mode: true
"""

RETURN = r"""
ok:
  description: Whether every step passed. Null in check mode.
  returned: always
  type: bool
  sample: true
verdict:
  description: One line, C(OK) with the round trip, or the failed step with its detail and hint.
  returned: always
  type: str
  sample: "federation probe @probe:a.example -> @probe:b.example: OK, message round trip 412 ms, typing, reaction, media passed, 1630 ms in all"
steps:
  description: One record per step, in order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Step name (C(accounts), C(create_room), C(invite), C(invite_received), C(join),
        C(message_to_remote), C(message_to_local), C(typing), C(reaction), C(media), C(cleanup)).
      type: str
      sample: invite_received
    status:
      description: C(pass), C(fail), C(skip) (not reached or nothing to do) or C(planned) (check mode).
      type: str
      sample: pass
    duration_ms:
      description: Wall time of the step in milliseconds.
      type: int
      sample: 118
    detail:
      description: What happened, with the account whose request failed (C(local) or C(remote)) on failure.
      type: str
      sample: "the invite reached @probe:b.example"
    hint:
      description: What to look at when the step failed; empty otherwise.
      type: str
      sample: ""
failed_step:
  description: Name of the first failed step, or null.
  returned: always
  type: str
  sample: null
round_trip_ms:
  description: Milliseconds for the message to the remote side plus the reply back, each counted until the other
    side saw it in its C(/sync). Null when either message step did not pass.
  returned: always
  type: int
  sample: 412
duration_ms:
  description: Wall time of the whole probe including cleanup, in milliseconds.
  returned: always
  type: int
  sample: 1630
room_id:
  description: The temporary room's id (already left and forgotten), for finding the probe in server logs.
  returned: always
  type: str
  sample: "!aBcDeF:a.example"
local_user:
  description: The local account's user id as the homeserver reported it.
  returned: always
  type: str
  sample: "@probe:a.example"
remote_user:
  description: The remote account's user id as the homeserver reported it.
  returned: always
  type: str
  sample: "@probe:b.example"
event_ids:
  description: Event ids the probe sent (C(message_to_remote), C(message_to_local), C(reaction)).
  returned: success
  type: dict
  sample: {"message_to_remote": "$abc", "message_to_local": "$def"}
"""

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._probe_module import (
    federation_probe_spec,
    run_federation_probe,
)


def main():
    module = federation_probe_spec().create_ansible_module(supports_check_mode=True)
    module.exit_json(**run_federation_probe(module))


if __name__ == "__main__":
    main()
