#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: federation_dns
short_description: Publish the DNS records Rocket.Chat and Matrix federation peers look up
version_added: 0.1.0
description:
  - Computes the record set a workspace's federation needs and makes the zone hold exactly that, through one of four
    providers (RFC 2136, PowerDNS API, Cloudflare, Route 53).
  - B(Legacy Rocket.Chat federation) (Rocket.Chat up to 7.x) - SRV C(_rocketchat._https.<domain>) (or C(_http)), and TXT
    C(rocketchat-public-key.<domain>) holding the workspace public key in the single-line SPKI PEM form Rocket.Chat shows
    in C(FEDERATION_Public_Key) and reads back (all character-strings of the first TXT record joined with no separator).
  - B(Matrix) (the bridge through Synapse, or native federation) - SRV C(_matrix-fed._tcp.<server_name>) and, optionally,
    the deprecated C(_matrix._tcp.<server_name>).
  - Extra A, AAAA, CNAME, TXT and SRV records in O(records), so one task can own a workspace's whole federation footprint.
  - With O(state=present) each RRset is made exactly as computed (other values of the same name and type are replaced).
    With O(state=absent) exactly the computed values are removed; other values and other records stay.
  - TXT values are split into character-strings of at most 255 bytes (O(txt_chunk_size)) without cutting a UTF-8
    character or an escape sequence. Existing TXT records are compared on their joined value, so a provider that splits
    differently does not cause a change, unless O(txt_enforce_chunks=true).
  - An SRV target that is a CNAME (in O(records), or in the zone) is refused (RFC 2782; Matrix federation testers reject it).
author:
  - fedops.rocketchat contributors (@fedops)
requirements:
  - dnspython >= 2.4.0 (for O(provider=rfc2136) and O(wait_for_propagation))
  - boto3 >= 1.28.0 (for O(provider=route53))
extends_documentation_fragment:
  - fedops.rocketchat.dns_providers
  - fedops.rocketchat._attributes
  - fedops.rocketchat._attributes.idempotent
  - fedops.rocketchat._attributes.actiongroup_dns
attributes:
  check_mode:
    support: full
    details:
      - Reads the zone and reports exactly the changes a real run would make, writing nothing (the SOA serial does not move).
  diff_mode:
    support: full
    details:
      - Before and after are the managed RRsets in zone-file form. No secret is ever part of it.
  idempotent:
    support: full
options:
  state:
    description:
      - V(present) makes the computed RRsets exist exactly; V(absent) removes exactly the computed values.
    type: str
    default: present
    choices: [present, absent]
  zone:
    description:
      - The zone holding all the records, for example V(example.com).
      - When not given it is found from the provider (RFC 2136 - the SOA the primary returns for the first name; APIs - the
        longest zone name that contains every record). All records of a task must be in one zone.
    type: str
  ttl:
    description:
      - TTL of every record unless a section gives its own.
    type: int
    default: 3600
  legacy:
    description:
      - Legacy Rocket.Chat federation (C(FEDERATION_*) settings, Rocket.Chat up to 7.x).
    type: dict
    suboptions:
      domain:
        description:
          - The federation domain (C(FEDERATION_Domain)); the records are published below it.
        type: str
        required: true
      target:
        description:
          - Host name peers connect to (SRV target). Defaults to O(legacy.domain).
        type: str
      protocol:
        description:
          - V(https) publishes C(_rocketchat._https); V(http) publishes C(_rocketchat._http).
        type: str
        default: https
        choices: [https, http]
      port:
        description:
          - SRV port. Defaults to 443 for V(https) and 80 for V(http).
        type: int
      priority:
        description:
          - SRV priority (Rocket.Chat ignores it and uses the first answer).
        type: int
        default: 1
      weight:
        description:
          - SRV weight (ignored by Rocket.Chat, kept for the documented C(1 1 443 host) form).
        type: int
        default: 1
      public_key:
        description:
          - The workspace public key, as shown in the C(FEDERATION_Public_Key) setting (single-line
            C(-----BEGIN PUBLIC KEY-----...-----END PUBLIC KEY-----)) or as an ordinary multi-line SPKI PEM.
          - Published in the single-line form (442 characters for Rocket.Chat's 2048-bit keys), which is what Rocket.Chat
            compares with.
        type: str
        required: true
      tcp_records:
        description:
          - Also publish the legacy SRV C(_rocketchat._tcp.<domain>) and TXT C(rocketchat-tcp-protocol.<domain>) (the
            protocol).
          - Only for peers on very old Rocket.Chat (1.x looks up C(_tcp) only). Rocket.Chat 4.x to 6.x fall back to C(_tcp)
            when C(_https) and C(_http) are missing, but look the protocol TXT up with an SRV query (a bug), so the protocol
            is always taken as https; do not rely on it.
        type: bool
        default: false
      ttl:
        description:
          - TTL of the legacy records. Defaults to O(ttl).
        type: int
  matrix:
    description:
      - Matrix federation (the Rocket.Chat bridge through Synapse, or Rocket.Chat native federation).
      - Not needed when C(/.well-known/matrix/server) delegates with an explicit port.
    type: dict
    suboptions:
      server_name:
        description:
          - The Matrix server name (the part after C(:) in user ids).
        type: str
        required: true
      target:
        description:
          - Host of the federation listener (must have A/AAAA records, not a CNAME). Defaults to O(matrix.server_name).
        type: str
      port:
        description:
          - Federation port.
        type: int
        default: 8448
      priority:
        description:
          - SRV priority.
        type: int
        default: 10
      weight:
        description:
          - SRV weight.
        type: int
        default: 0
      legacy_srv:
        description:
          - Also publish the deprecated C(_matrix._tcp.<server_name>) for homeservers older than Matrix spec v1.8.
        type: bool
        default: false
      ttl:
        description:
          - TTL of the Matrix records. Defaults to O(ttl).
        type: int
  records:
    description:
      - Extra RRsets to manage together with the federation records.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - Fully qualified owner name (the trailing dot is optional), inside O(zone).
        type: str
        required: true
      type:
        description:
          - Record type.
        type: str
        required: true
        choices: [A, AAAA, CNAME, SRV, TXT]
      values:
        description:
          - The values. SRV as V(priority weight port target); TXT as the plain (unquoted, unsplit) text.
        type: list
        elements: str
        required: true
      ttl:
        description:
          - TTL of this RRset. Defaults to O(ttl).
        type: int
  txt_chunk_size:
    description:
      - Longest character-string, in bytes, when splitting TXT values (1 to 255).
    type: int
    default: 255
  txt_enforce_chunks:
    description:
      - Also compare the split of existing TXT records into character-strings, and rewrite records whose joined value is
        right but whose layout differs from O(txt_chunk_size). Off by default because providers may re-split values.
    type: bool
    default: false
  wait_for_propagation:
    description:
      - After a change, poll the zone's authoritative name servers (or O(propagation_servers)) until every one of them
        serves the new records. Never sleeps blindly - it re-queries with a growing pause.
    type: bool
    default: false
  propagation_timeout:
    description:
      - Seconds to wait with O(wait_for_propagation=true) before failing.
    type: int
    default: 120
  propagation_servers:
    description:
      - Servers to poll instead of the zone's NS, as V(address), V(address:port) or V([v6-address]:port).
    type: list
    elements: str
seealso:
  - name: Rocket.Chat legacy federation DNS records
    description: The records Rocket.Chat's legacy federation looks up.
    link: https://docs.rocket.chat/docs/federation
  - name: Matrix server name resolution
    description: How homeservers find each other (well-known, _matrix-fed._tcp SRV).
    link: https://spec.matrix.org/latest/server-server-api/#resolving-server-names
"""

EXAMPLES = r"""
- name: Publish legacy Rocket.Chat and Matrix federation records with TSIG-signed RFC 2136 updates
  fedops.rocketchat.federation_dns:
    provider: rfc2136
    rfc2136:
      server: ns1.example.com
      key_name: fedops-key
      key_secret: "{{ vault_tsig_secret }}"
    zone: example.com
    legacy:
      domain: example.com
      target: chat.example.com
      public_key: "{{ rocketchat_federation_public_key }}"
    matrix:
      server_name: example.com
      target: matrix.example.com
      port: 8448

- name: Same records in a PowerDNS zone, waiting until its servers serve them
  fedops.rocketchat.federation_dns:
    provider: powerdns
    powerdns:
      api_url: https://pdns.example.com:8081
      api_key: "{{ vault_pdns_api_key }}"
    legacy:
      domain: example.com
      target: chat.example.com
      public_key: "{{ rocketchat_federation_public_key }}"
    records:
      - name: chat.example.com
        type: A
        values: [192.0.2.10]
    wait_for_propagation: true

- name: Matrix SRV records (current and deprecated) in Cloudflare
  fedops.rocketchat.federation_dns:
    provider: cloudflare
    cloudflare:
      api_token: "{{ vault_cloudflare_token }}"
    matrix:
      server_name: example.com
      target: matrix.example.com
      legacy_srv: true

- name: Route 53, two character-strings for the key as the Route 53 guide suggests, waiting for INSYNC
  fedops.rocketchat.federation_dns:
    provider: route53
    route53:
      wait: true
    legacy:
      domain: example.com
      public_key: "{{ rocketchat_federation_public_key }}"
    txt_chunk_size: 128
    txt_enforce_chunks: true

- name: Withdraw exactly the legacy federation records
  fedops.rocketchat.federation_dns:
    provider: rfc2136
    rfc2136:
      server: 192.0.2.53
      key_name: fedops-key
      key_secret: "{{ vault_tsig_secret }}"
    state: absent
    legacy:
      domain: example.com
      target: chat.example.com
      public_key: "{{ rocketchat_federation_public_key }}"
"""

RETURN = r"""
zone:
  description: The zone the records were published in.
  returned: success
  type: str
  sample: example.com.
provider:
  description: The provider used.
  returned: success
  type: str
  sample: rfc2136
records:
  description: The computed (desired) RRsets.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: Absolute owner name.
      type: str
      sample: rocketchat-public-key.example.com.
    type:
      description: Record type.
      type: str
      sample: TXT
    ttl:
      description: TTL.
      type: int
      sample: 3600
    values:
      description: Canonical values (TXT joined, SRV as C(priority weight port target.)).
      type: list
      elements: str
      sample: ["-----BEGIN PUBLIC KEY-----MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA...-----END PUBLIC KEY-----"]
    strings:
      description: TXT only - the character-strings of each value, in order.
      type: list
      elements: list
      returned: for TXT RRsets
changes:
  description:
    - The RRset changes made (or, in check mode, that would be made), each with C(action) (create, update, delete),
      C(name), C(type), and C(before)/C(after) in the form of RV(records).
  returned: success
  type: list
  elements: dict
  sample:
    - action: create
      name: _rocketchat._https.example.com.
      type: SRV
      before: null
      after: {name: _rocketchat._https.example.com., type: SRV, ttl: 3600, values: ["1 1 443 chat.example.com."]}
provider_ids:
  description:
    - Identifiers of the write, per provider. RFC 2136 - C(message_id), C(server), C(port), C(zone), C(transport).
      PowerDNS - C(zone_id). Cloudflare - C(zone_id), C(created), C(updated), C(deleted) record ids. Route 53 -
      C(hosted_zone_id), C(change_id), C(status).
    - Empty when nothing was written.
  returned: success
  type: dict
  sample: {hosted_zone_id: Z0123456789, change_id: /change/C2682N5HXP0BZ4, status: INSYNC}
propagation:
  description: With O(wait_for_propagation=true) - the servers polled, polling rounds and seconds waited.
  returned: when O(wait_for_propagation=true) and not in check mode
  type: dict
  sample: {servers: ["192.0.2.53:53"], rounds: 2, seconds: 0.4}
stats:
  description: Messages or requests sent, by kind (for example C(query), C(update), C(GET), C(PATCH)), and wall seconds.
  returned: success
  type: dict
  sample: {query: 5, seconds: 0.012}
"""

from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._module import federation_dns_spec, run_federation_dns


def main():
    module = federation_dns_spec().create_ansible_module(supports_check_mode=True)
    module.exit_json(**run_federation_dns(module))


if __name__ == "__main__":
    main()
