# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment(object):
    """Options selecting and configuring a DNS provider (RFC 2136, PowerDNS, Cloudflare, Route 53)."""

    DOCUMENTATION = r"""
options:
  provider:
    description:
      - The DNS backend that holds the zone.
      - V(rfc2136) sends DNS UPDATE messages (RFC 2136) signed with TSIG to the zone's primary server (BIND, PowerDNS, Knot, ...).
      - V(powerdns) uses the PowerDNS Authoritative HTTP API.
      - V(cloudflare) uses the Cloudflare v4 API with an API token.
      - V(route53) uses the AWS Route 53 API through boto3.
      - The options of the chosen provider go in the option of the same name, which is then required.
    type: str
    required: true
    choices: [rfc2136, powerdns, cloudflare, route53]
  timeout:
    description:
      - Seconds to wait for each DNS message or HTTP request.
    type: int
    default: 10
  retries:
    description:
      - How many times a request that failed on the network (timeout, connection refused, HTTP 429 or 5xx) is retried,
        with exponential backoff (0.25 s doubling, at most 4 s, or the server's C(Retry-After)). 0 to 10.
      - After the last attempt the task fails with a message naming the server.
    type: int
    default: 3
  rfc2136:
    description:
      - Connection to the zone's primary for O(provider=rfc2136).
      - The module reads the current RRsets with one query per RRset, sent concurrently, and writes every change in
        B(one) UPDATE message whose prerequisites assert the state it has just read. If another client changes one of
        these RRsets in between, the server refuses the whole message, nothing is applied, and the task fails saying so.
    type: dict
    suboptions:
      server:
        description:
          - Address or host name of the primary server.
        type: str
        required: true
      port:
        description:
          - DNS port of the primary.
        type: int
        default: 53
      key_name:
        description:
          - Name of the TSIG key.
          - Required with O(rfc2136.key_secret) unless O(rfc2136.allow_unsigned=true).
        type: str
      key_secret:
        description:
          - Base64 secret of the TSIG key. Never logged or returned.
        type: str
      key_algorithm:
        description:
          - TSIG algorithm.
        type: str
        default: hmac-sha256
        choices: [hmac-sha256, hmac-sha384, hmac-sha512, hmac-sha224, hmac-sha1, hmac-md5]
      protocol:
        description:
          - Transport of the UPDATE message. V(auto) uses UDP when the message fits 512 bytes and TCP otherwise; a
            truncated UDP answer is always retried over TCP. Queries use UDP with EDNS (TCP when truncated).
        type: str
        default: auto
        choices: [auto, udp, tcp]
      allow_unsigned:
        description:
          - Send unsigned UPDATE messages when no key is given. Only for servers that accept unauthenticated updates on
            purpose (for example restricted by source address).
        type: bool
        default: false
      sign_queries:
        description:
          - Sign the read queries with the TSIG key too, so the answers are authenticated. Turn off for servers
            that refuse signed queries.
        type: bool
        default: true
      read_method:
        description:
          - How the current records are read. V(query) sends one query per RRset, concurrently. V(axfr) reads the
            whole zone with one zone transfer (TSIG-signed, over TCP), a single message; worth it for small zones
            whose primary allows transfers to the key; large zones are better read with V(query).
        type: str
        default: query
        choices: [query, axfr]
  powerdns:
    description:
      - PowerDNS Authoritative HTTP API for O(provider=powerdns). Reads the zone with one GET; writes every change in
        B(one) PATCH. Before the PATCH the zone is read again and the task fails, writing nothing, if a managed RRset
        changed in between (the API has no conditional writes, so a change in the last milliseconds is not detected).
    type: dict
    suboptions:
      api_url:
        description:
          - Base URL of the web server, for example V(http://127.0.0.1:8081).
        type: str
        required: true
      api_key:
        description:
          - The API key (C(X-API-Key)). Taken from E(PDNS_API_KEY) when not given.
        type: str
        required: true
      server_id:
        description:
          - The server id in the API path.
        type: str
        default: localhost
      validate_certs:
        description:
          - Verify the TLS certificate of an C(https) API URL.
        type: bool
        default: true
      ca_path:
        description:
          - A PEM bundle of CA certificates to verify the API's certificate with, instead of the system store
            (a private CA in front of the PowerDNS web server).
        type: path
  cloudflare:
    description:
      - Cloudflare v4 API for O(provider=cloudflare). Records are listed by name and type, then created, updated or
        deleted one API call each. TXT content comes back quoted (Cloudflare quotes it on write); values are compared
        after decoding, so the quoting is not a change.
    type: dict
    suboptions:
      api_token:
        description:
          - API token with C(Zone.DNS) edit permission (and C(Zone.Zone) read to look the zone up by name).
            Taken from E(CLOUDFLARE_API_TOKEN) when not given.
        type: str
        required: true
      api_url:
        description:
          - API base URL. Change it only for a compatible API or a test double.
        type: str
        default: https://api.cloudflare.com/client/v4
      zone_id:
        description:
          - The zone id; saves the zone lookup by name.
        type: str
      validate_certs:
        description:
          - Verify the API's TLS certificate.
        type: bool
        default: true
      ca_path:
        description:
          - A PEM bundle of CA certificates to verify the API's certificate with, instead of the system store
            (a proxy or a compatible API behind a private CA).
        type: path
  route53:
    description:
      - AWS Route 53 for O(provider=route53), through boto3. The module quotes and splits TXT values itself. Every change
        goes into B(one) ChangeBatch; updates are written as DELETE of the values read plus CREATE, so Route 53 rejects
        the batch, atomically, if the RRset changed in between.
      - Credentials not given here come from boto3's usual chain (environment, shared files, instance roles).
    type: dict
    suboptions:
      access_key:
        description:
          - AWS access key id.
        type: str
        aliases: [aws_access_key_id]
      secret_key:
        description:
          - AWS secret access key.
        type: str
        aliases: [aws_secret_access_key]
      session_token:
        description:
          - AWS session token for temporary credentials.
        type: str
        aliases: [aws_session_token]
      profile:
        description:
          - A named profile of the shared AWS configuration.
        type: str
      region:
        description:
          - Region for the API client (Route 53 is global; this only picks the signing region).
        type: str
        default: us-east-1
      endpoint_url:
        description:
          - Alternative API endpoint, for testing (for example moto's server) or Route 53-compatible APIs.
        type: str
      hosted_zone_id:
        description:
          - The hosted zone id; without it the zone is looked up by name.
        type: str
      private_zone:
        description:
          - When looking the zone up by name, only consider private (V(true)) or public (V(false)) hosted zones.
        type: bool
      validate_certs:
        description:
          - Verify the API's TLS certificate.
        type: bool
        default: true
      wait:
        description:
          - Wait until Route 53 reports the change as C(INSYNC) on all its name servers.
        type: bool
        default: false
      wait_timeout:
        description:
          - Seconds to wait for C(INSYNC) with O(route53.wait=true).
        type: int
        default: 300
"""
