#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: federation_check
short_description: Verify Matrix and legacy Rocket.Chat federation the way a remote peer sees it
version_added: 0.1.0
description:
  - Answers "will federation work, and if not, what exactly do I fix" from inside a playbook or pipeline, also for
    private networks a public federation tester cannot reach.
  - B(Matrix) (Rocket.Chat's Synapse bridge, or native federation in Rocket.Chat 7.11+), when O(server_name) is set.
    The server name is resolved in the order of the Matrix specification (IP literal, explicit port,
    C(/.well-known/matrix/server), SRV C(_matrix-fed._tcp) then the deprecated C(_matrix._tcp), port 8448). At
    each step the TLS certificate is verified against the name the specification requires; when verification fails
    a second, unverified connection fetches the certificate to say why (wrong name, untrusted issuer, expired), and
    the remaining checks still run over it. A CNAME as SRV target, an HTTP 308 redirect (Synapse does not follow
    it) and a well-known body over 50 KiB are reported.
  - On every resolved address, C(/_matrix/federation/v1/version) and C(/_matrix/key/v2/server) are fetched; the key
    response must name O(server_name), have a future C(valid_until_ts), contain only 32-byte ed25519 keys and carry
    a valid signature over canonical JSON for every key. All addresses must publish the same keys, and with
    O(expected_signing_key) or O(signing_key_path) the expected key must be among them, which catches a regenerated
    key.
  - The result says which families of peers reach the server (RV(peer_families)), peers following the Matrix
    specification and Synapse, and Rocket.Chat 7.11+ native federation, which does not use the deprecated
    C(_matrix._tcp) SRV record when C(_matrix-fed._tcp) is absent (check C(rocketchat_native_discovery)).
  - C(/.well-known/matrix/client) is checked (with C(/_matrix/client/versions) at its C(base_url)), and with
    O(appservice) Synapse is asked to ping the appservice (C(POST /_matrix/client/v1/appservice/{id}/ping)), which
    proves that Synapse reaches the Rocket.Chat bridge and that both agree on the tokens.
  - With O(appservice.hs_token) and O(appservice.url) the bridge is sent an empty transaction authenticated exactly
    as the homeserver authenticates it (check C(appservice_transaction)). This catches a bridge that answers the
    ping but refuses every transaction, as Rocket.Chat's bridge (4.7 to 7.10) does unless Synapse uses legacy
    authorization.
  - B(Legacy Rocket.Chat federation), when O(rocketchat) is set. The SRV lookups are made in Rocket.Chat's own order
    (C(_rocketchat._https), C(_rocketchat._http), C(_rocketchat._tcp)); the public key TXT record is read as
    Rocket.Chat reads it (the first record, its strings joined without separator) and compared with the workspace's
    C(FEDERATION_Public_Key), given or read through the settings API. A warning is given when only
    C(_rocketchat._tcp) and the protocol TXT record exist, because Rocket.Chat's lookup of that TXT record is broken.
    The SRV target is connected to as a Rocket.Chat peer connects (TLS verified for C(_rocketchat._https)) and must
    answer C(GET /api/info) as Rocket.Chat does (check C(rocketchat_connection)).
  - Every check returns a record with its name, status, detail and a hint naming the fix; the module also returns
    an overall verdict and a short report to print. Checks run concurrently.
  - The module never changes anything. It sends only GET requests, plus the appservice ping, which makes Synapse
    send one ping request to the appservice, and with O(appservice.hs_token) one or two empty transactions to the
    bridge (no events, so the bridge has nothing to process).
  - The module does not report the bridge's Synapse C(enable_authenticated_media), which decides whether Rocket.Chat's
    bridge can download files sent from other servers. Synapse answers an unauthenticated download of a media id
    that does not exist the same way in both modes; only a remote media id tells them apart, and that makes Synapse
    contact the remote server. Run M(fedops.rocketchat.federation_probe) from a bridge account instead (its
    C(media) step downloads a real remote file the way the bridge does).
author:
  - fedops.rocketchat contributors (@fedops)
requirements:
  - dnspython >= 2.4.0
  - cryptography >= 42.0.0
extends_documentation_fragment:
  - fedops.rocketchat._attributes
  - fedops.rocketchat._attributes.info_module
options:
  server_name:
    description:
      - The Matrix server name to check, exactly as it appears in user ids (C(@user:<server_name>)), for example
        V(example.org) or V(example.org:8448). Check the server name, not a delegated host such as
        C(matrix.example.org).
      - At least one of O(server_name) and O(rocketchat) is required.
    type: str
  expected_signing_key:
    description:
      - The signing key the homeserver should publish. The check fails when the published C(verify_keys) do not
        contain it, for example because Synapse generated a new key after its key file was lost.
      - Either the registered result of M(fedops.rocketchat.signing_key) (its RV(fedops.rocketchat.signing_key#module:public_key)
        and RV(fedops.rocketchat.signing_key#module:key_id) are used), an unpadded base64 public key, a string
        C(ed25519:<version> <public key>), or a list of these.
      - Mutually exclusive with O(signing_key_path).
    type: raw
  signing_key_path:
    description:
      - A Synapse signing key file on the host running the module; the public keys of all its keys are expected.
        Only public keys are derived and returned, never the file's content.
      - Mutually exclusive with O(expected_signing_key).
    type: path
  client_wellknown:
    description:
      - Check C(https://<server_name>/.well-known/matrix/client) and that its C(m.homeserver.base_url) answers.
    type: bool
    default: true
  appservice:
    description:
      - Ping an application service (the Rocket.Chat bridge) through the homeserver.
    type: dict
    suboptions:
      id:
        description:
          - The appservice C(id) of the registration (Rocket.Chat's C(Federation_Matrix_id)).
        type: str
        required: true
      as_token:
        description:
          - The appservice's C(as_token) (Rocket.Chat's C(Federation_Matrix_as_token)).
        type: str
        required: true
      hs_token:
        description:
          - The registration's C(hs_token), the token the homeserver sends to the bridge (Rocket.Chat's
            C(Federation_Matrix_hs_token)).
          - 'With O(appservice.url), the bridge is sent an empty transaction, C(PUT <url>/_matrix/app/v1/transactions/<id>)
            with the body C({"events": []}), authenticated exactly as the homeserver authenticates it; see
            O(appservice.legacy_authorization).'
          - Requires O(appservice.url).
        type: str
        version_added: 0.1.0
      url:
        description:
          - The bridge's URL as the homeserver calls it, that is the registration's C(url) (Rocket.Chat's
            C(Federation_Matrix_bridge_url)), for example V(http://rocketchat.internal:3300).
          - The transaction is sent from the host running the module; run the module where the homeserver runs
            (for example with C(delegate_to)) when the URL is only reachable from there.
          - Requires O(appservice.hs_token).
        type: str
        version_added: 0.1.0
      legacy_authorization:
        description:
          - Whether the homeserver uses legacy authorization towards application services (Synapse's
            C(use_appservice_legacy_authorization) in C(homeserver.yaml)).
          - With V(false) the transaction carries the token only in the C(Authorization) header, as Synapse 1.90
            and later send it by default. Rocket.Chat's Matrix bridge (4.7 to 7.10) embeds C(matrix-appservice)
            0.10.0, which accepts only the C(access_token) query parameter; such a bridge refuses the header-only
            transaction with HTTP 403, and the check fails with the hint to set
            C(use_appservice_legacy_authorization) to V(true) in Synapse's C(homeserver.yaml).
          - With V(true) the token is sent in the header and as C(?access_token=), as Synapse does with that
            option; a refusal then means the C(hs_token) differs between the registration and the bridge.
        type: bool
        default: false
        version_added: 0.1.0
      homeserver_url:
        description:
          - The homeserver's client API URL, for example V(https://matrix.example.org).
          - Defaults to the C(base_url) of C(/.well-known/matrix/client), else C(https://<server_name>).
        type: str
  rocketchat:
    description:
      - Check legacy Rocket.Chat DNS federation (C(FEDERATION_*) settings, Rocket.Chat up to 7.x) of a workspace.
    type: dict
    suboptions:
      domain:
        description:
          - The workspace's federation domain (C(FEDERATION_Domain)), the name peers look up.
        type: str
        required: true
      public_key:
        description:
          - The workspace's public key (C(FEDERATION_Public_Key)), single-line or multi-line PEM.
          - If not set and O(rocketchat.url) is, the key is read through the settings API.
        type: str
      url:
        description:
          - Base URL of the Rocket.Chat server, to read C(FEDERATION_Public_Key) with
            C(GET /api/v1/settings/FEDERATION_Public_Key) (needs C(view-privileged-setting)).
        type: str
      user_id:
        description:
          - Id of the user who owns O(rocketchat.auth_token) (sent as C(X-User-Id)).
          - With O(rocketchat.auth_token) but without O(rocketchat.url) and O(rocketchat.public_key), the key is read
            through the settings API of the SRV target, the workspace peers reach.
        type: str
      auth_token:
        description:
          - A personal access token or login token of O(rocketchat.user_id) (sent as C(X-Auth-Token)).
        type: str
  peer_families:
    description:
      - The families of federation peers that must be able to reach O(server_name); a problem that affects only a
        family not listed is reported as a warning instead of a failure. RV(peer_families) says for each family
        whether it reaches the server.
      - V(matrix_spec) are peers that resolve server names as the Matrix specification and Synapse do.
      - V(rocketchat_native) are Rocket.Chat 7.11+ workspaces with native federation (C(@rocket.chat/federation-sdk)).
        They do not use the deprecated SRV C(_matrix._tcp) when C(_matrix-fed._tcp) is absent; they connect to
        port 8448 of the host instead. A server published only through C(_matrix._tcp) therefore fails for them
        (check C(rocketchat_native_discovery)), with the C(_matrix-fed._tcp) record to add as the hint.
    type: list
    elements: str
    choices: [matrix_spec, rocketchat_native]
    default: [matrix_spec, rocketchat_native]
    version_added: 0.1.0
  nameservers:
    description:
      - DNS servers to ask instead of the ones in C(/etc/resolv.conf), each V(ip) or V(ip:port)
        (V([ip6]:port) for IPv6), for example a lab's authoritative server.
    type: list
    elements: str
  resolve:
    description:
      - Fixed addresses for host names, like C(curl --resolve), applied before DNS to every connection (well-known,
        federation, client API, Rocket.Chat API).
      - Keys are V(host) or V(host:port), values V(ip) or V(ip:port); a key with a port applies to that port only,
        a value without a port keeps the port being connected to.
      - 'For example V({"matrix.example.org:8448": "10.0.0.5:8448", "example.org": "10.0.0.4"}).'
    type: dict
  ca_path:
    description:
      - A PEM bundle of CA certificates to verify TLS certificates with. It replaces the system trust store, as
        Synapse's C(federation_custom_ca_list) does; give the CA the peers trust.
      - The module fails before any check when the file does not exist, cannot be read or holds no PEM
        certificate.
    type: path
  timeout:
    description:
      - Seconds to wait for each DNS lookup and each HTTP answer.
    type: float
    default: 10.0
  certificate_min_days:
    description:
      - A valid certificate that expires in fewer days than this is a warning (C(tls_certificate)); every
        certificate seen is listed with its days left in RV(certificates).
    type: int
    default: 14
  fail_on_error:
    description:
      - Fail the task when any check fails. With V(false) the task succeeds and RV(federation_ok) tells the verdict.
      - Warnings never fail the task.
    type: bool
    default: true
notes:
  - The checks run on the host the module runs on, with its view of DNS and the network. To see federation as an
    outside peer does, run it on a host outside the deployment (for example with C(delegate_to)).
  - TLS verification is always on; use O(ca_path) for a private CA.
  - DNS lookups are memoised per run and sent concurrently; each address gets one TLS connection for all of its
    requests.
seealso:
  - module: fedops.rocketchat.signing_key
  - name: Matrix server-server API, resolving server names
    description: The order in which peers discover a homeserver.
    link: https://spec.matrix.org/latest/server-server-api/#resolving-server-names
"""

EXAMPLES = r"""
- name: Check Matrix federation of example.org and fail with the report when it is broken
  fedops.rocketchat.federation_check:
    server_name: example.org

- name: Check, catch a regenerated signing key, and ping the Rocket.Chat bridge through Synapse
  fedops.rocketchat.federation_check:
    server_name: example.org
    expected_signing_key: "{{ signing_key_result }}"
    appservice:
      id: rocketchat_a1b2c3
      as_token: "{{ rocketchat_as_token }}"
  register: federation

- name: Print the report
  ansible.builtin.debug:
    msg: "{{ federation.report_lines }}"

- name: Send the Rocket.Chat bridge an empty transaction as Synapse sends it, from the Synapse host
  fedops.rocketchat.federation_check:
    server_name: example.org
    client_wellknown: false
    appservice:
      id: rocketchat_a1b2c3
      as_token: "{{ rocketchat_as_token }}"
      hs_token: "{{ rocketchat_hs_token }}"
      url: http://rocketchat.internal:3300
      legacy_authorization: true
  delegate_to: synapse.example.org

- name: Require only Synapse peers to reach the server (Rocket.Chat native peers give warnings)
  fedops.rocketchat.federation_check:
    server_name: example.org
    peer_families:
      - matrix_spec

- name: Lab check against a private DNS server and CA, without failing the play
  fedops.rocketchat.federation_check:
    server_name: hs1.lab.test
    nameservers:
      - 10.203.0.53
    ca_path: /etc/lab/ca.crt
    resolve:
      hs1.lab.test:443: 10.203.0.11
    fail_on_error: false
  register: federation

- name: Check legacy Rocket.Chat federation, reading the workspace key through the settings API
  fedops.rocketchat.federation_check:
    rocketchat:
      domain: chat.example.com
      url: https://chat.example.com
      user_id: "{{ rocketchat_user_id }}"
      auth_token: "{{ rocketchat_token }}"
"""

RETURN = r"""
federation_ok:
  description: True when no check failed (warnings allowed).
  returned: always
  type: bool
  sample: true
checks:
  description: One record per check, in a stable order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description:
        - The check, for example C(wellknown_server), C(srv), C(srv_target), C(addresses), C(connection),
          C(tls_certificate), C(federation_version), C(key_response), C(key_server_name), C(key_valid_until),
          C(key_ed25519), C(key_signatures), C(keys_consistent), C(rocketchat_native_discovery), C(expected_key),
          C(wellknown_client), C(appservice_ping), C(appservice_transaction), C(rocketchat_srv),
          C(rocketchat_protocol), C(rocketchat_connection), C(rocketchat_public_key_txt), C(rocketchat_public_key),
          C(rocketchat_settings).
      type: str
      sample: tls_certificate
    target:
      description: What the check looked at (an address C(ip:port), a host, a domain), or null.
      type: str
      sample: 192.0.2.10:8448
    status:
      description: V(pass), V(warn) (works, but should be fixed), V(fail) or V(skip) (not applicable, or an earlier
        check failed).
      type: str
      sample: fail
    ok:
      description: False only when RV(checks[].status) is V(fail).
      type: bool
      sample: false
    detail:
      description: What was found.
      type: str
      sample: certificate is for other.example.org, not matrix.example.org
    hint:
      description: What to fix, for V(fail) and V(warn); null otherwise.
      type: str
      sample: issue a certificate whose subjectAltName includes matrix.example.org
    data:
      description: Structured details (certificate facts, DNS records, key ids ...).
      type: dict
      sample: {}
certificates:
  description:
    - Every certificate the check saw on a federation endpoint, with the days until it expires (negative once
      expired); what monitoring should graph and alert on.
  returned: success
  type: list
  elements: dict
  sample:
    - {target: "matrix.example.com:8448 (203.0.113.7)", status: pass, names: [matrix.example.com],
       not_after: "2026-03-01T12:00:00Z", days_left: 83}
failed_checks:
  description: Names of the failed checks.
  returned: always
  type: list
  elements: str
  sample: [tls_certificate]
warning_checks:
  description: Names of the checks with warnings.
  returned: always
  type: list
  elements: str
  sample: [srv]
report:
  description: A short human-readable report (verdict, discovery path, every failure and warning with its fix).
  returned: always
  type: str
report_lines:
  description: RV(report) as a list of lines, for C(ansible.builtin.debug).
  returned: always
  type: list
  elements: str
server_name:
  description: The checked Matrix server name.
  returned: when O(server_name) is set
  type: str
  sample: example.org
peer_families:
  description:
    - For each peer family (V(matrix_spec), V(rocketchat_native)), whether its peers reach the server.
    - C(reachable) is false when a check that decides reachability failed; C(failed_checks) names them;
      C(required) tells whether the family is in O(peer_families).
  returned: when O(server_name) is set
  type: dict
  sample:
    matrix_spec: {name: Matrix spec / Synapse, reachable: true, required: true, failed_checks: []}
    rocketchat_native: {name: Rocket.Chat native (7.11+), reachable: false, required: true,
                        failed_checks: [rocketchat_native_discovery]}
discovery:
  description: How the server name was resolved (well-known, SRV, targets with TLS name and Host header, addresses).
  returned: when O(server_name) is set
  type: dict
keys:
  description: The key server response of each address that answered, by address.
  returned: when O(server_name) is set
  type: dict
version:
  description: The homeserver's C(/_matrix/federation/v1/version) answer (C(name), C(version)).
  returned: when O(server_name) is set and an address answered
  type: dict
  sample: {name: Synapse, version: 1.163.2}
rocketchat:
  description: Legacy Rocket.Chat results, C(domain), the C(url) peers would use and the raw lookups.
  returned: when O(rocketchat) is set
  type: dict
stats:
  description: DNS queries, HTTP requests and TLS connections the check made.
  returned: always
  type: dict
  sample: {dns_queries: 9, http_requests: 7, tls_connections: 4}
"""

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check._module import (
    federation_check_spec,
    run_federation_check,
)


def main():
    module = federation_check_spec().create_ansible_module(supports_check_mode=True)
    module.exit_json(**run_federation_check(module))


if __name__ == "__main__":
    main()
