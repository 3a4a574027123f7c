#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: acme_certificate
short_description: Obtain and renew the TLS certificate of federation endpoints over ACME
version_added: 0.1.0
description:
  - Obtains a certificate for the names a workspace serves (server name, federation host, delegation host) from an
    ACME (RFC 8555) certificate authority such as Let's Encrypt, and renews it when it has fewer than
    O(remaining_days) days left.
  - The protocol is spoken by the C(acme) Python library (the client certbot is built on); this module adds the
    decision, the challenge publication and the file handling.
  - The C(dns-01) challenge is published as TXT C(_acme-challenge.<name>) through the same DNS providers and
    provider options as M(fedops.rocketchat.federation_dns) (RFC 2136, PowerDNS, Cloudflare, Route 53), and the module
    waits until the zone's servers answer with it before asking the CA to validate.
  - The C(http-01) challenge is published as a file under O(webroot)C(/.well-known/acme-challenge/), which the web
    server (for example the delegation nginx of the R(matrix_delegation role,ansible_collections.fedops.rocketchat.matrix_delegation_role))
    serves on port 80.
  - The challenge records or files are always removed again, whether the order succeeded or not.
  - A certificate that has the requested names, matches the key file and has at least O(remaining_days) days left
    is kept, and no ACME server or DNS provider is contacted at all.
  - The new key and the full chain are written together and atomically (both or neither), the key file C(0600), or
    C(0640) with O(key_group). Keys are never part of the result or the diff.
author:
  - fedops.rocketchat contributors (@fedops)
requirements:
  - acme >= 2.0.0
  - cryptography >= 42.0.0
  - dnspython >= 2.4.0 (for O(challenge=dns-01) with O(provider=rfc2136))
  - boto3 >= 1.28.0 (for O(challenge=dns-01) with O(provider=route53))
  - requests >= 2.25.0
extends_documentation_fragment:
  - fedops.rocketchat.dns_providers
  - fedops.rocketchat._attributes
  - fedops.rocketchat._attributes.idempotent
attributes:
  check_mode:
    support: full
    details:
      - Decides from the files on disk alone and reports whether a certificate would be ordered, and why
        (RV(renewal_reason)); nothing is sent to the CA or the DNS provider.
  diff_mode:
    support: none
  idempotent:
    support: full
    details:
      - A second run keeps the certificate it just obtained (unless O(force=true)).
options:
  directory_url:
    description:
      - The ACME directory of the certificate authority, for example
        V(https://acme-v02.api.letsencrypt.org/directory) (or V(https://acme-staging-v02.api.letsencrypt.org/directory)
        while trying things out).
    type: str
    required: true
  validate_certs:
    description:
      - Verify the TLS certificate of the ACME server. Only turn off against a test server.
    type: bool
    default: true
  ca_path:
    description:
      - A PEM bundle of the CAs to trust for the ACME server's own HTTPS endpoint (a private or test ACME server).
      - Default is the system's trust store.
    type: path
  account_key_path:
    description:
      - The ACME account's private key (PEM). Created (EC P-256, mode C(0600)) when the file does not exist.
      - The account is registered with the CA on first use and found again by this key afterwards.
    type: path
    required: true
  account_email:
    description:
      - Contact address registered with a new account (expiry notices from the CA).
    type: str
  terms_agreed:
    description:
      - Agree to the CA's terms of service, which registering an account requires. Must be V(true).
    type: bool
    default: false
  names:
    description:
      - The DNS names the certificate is for; the first one is the subject. Give the server name, the federation host
        and the delegation host a workspace serves. Wildcards (V(*.example.com)) need O(challenge=dns-01).
    type: list
    elements: str
    required: true
  certificate_path:
    description:
      - Where the full chain (leaf certificate first, then the intermediates) is written, mode C(0644).
    type: path
    required: true
  key_path:
    description:
      - Where the certificate's private key is written, mode C(0600) (C(0640) with O(key_group)).
      - A new key is made for every certificate.
    type: path
    required: true
  key_group:
    description:
      - Group of the key and certificate files; the key file is then C(0640), so the web server reading it as that
        group (for example V(www-data) for nginx, or Synapse's group) can use it.
    type: str
  remaining_days:
    description:
      - Renew when the certificate has fewer days left than this.
    type: int
    default: 30
  force:
    description:
      - Order a new certificate even if the current one would be kept.
    type: bool
    default: false
  challenge:
    description:
      - How the CA validates control of each name.
      - V(dns-01) publishes TXT records through O(provider).
      - V(http-01) writes files under O(webroot).
    type: str
    default: dns-01
    choices: [dns-01, http-01]
  provider:
    description:
      - Needed for O(challenge=dns-01) only; the C(_acme-challenge) TXT records go into the zone it holds.
      - V(rfc2136), V(powerdns), V(cloudflare) or V(route53), configured in the option of the same name exactly as for
        M(fedops.rocketchat.federation_dns).
    required: false
  zone:
    description:
      - The zone holding the C(_acme-challenge) records. Found from the provider when not given.
    type: str
  challenge_ttl:
    description:
      - TTL of the challenge TXT records.
    type: int
    default: 60
  propagation_servers:
    description:
      - Name servers (V(address) or V(address:port)) polled until they answer with the challenge TXT records, before
        the CA is asked to validate. Default is the zone's NS (RFC 2136) or the provider's name servers.
    type: list
    elements: str
  propagation_timeout:
    description:
      - Seconds to wait for the challenge records to be visible on O(propagation_servers).
    type: int
    default: 120
  validation_timeout:
    description:
      - Seconds to wait for the CA to validate the challenges and issue the certificate (polled).
    type: int
    default: 120
  webroot:
    description:
      - The directory the web server serves C(http://<name>/.well-known/acme-challenge/) from, for
        O(challenge=http-01).
    type: path
notes:
  - The DNS provider options are the ones of M(fedops.rocketchat.federation_dns); a DNS provider failure while
    publishing fails the task after the records already published were removed; nothing is written to disk.
  - A rejected challenge fails the task with the CA's reason for each name.
seealso:
  - module: fedops.rocketchat.federation_dns
  - module: fedops.rocketchat.federation_check
"""

EXAMPLES = r"""
- name: Certificate for the server name and the federation host, DNS-01 through BIND
  fedops.rocketchat.acme_certificate:
    directory_url: https://acme-v02.api.letsencrypt.org/directory
    terms_agreed: true
    account_email: hostmaster@example.com
    account_key_path: /etc/ssl/acme/account.key
    names: [example.com, matrix.example.com]
    certificate_path: /etc/ssl/acme/example.com.crt
    key_path: /etc/ssl/acme/example.com.key
    key_group: www-data
    provider: rfc2136
    rfc2136:
      server: ns1.example.com
      key_name: acme-update
      key_secret: "{{ vault_tsig_secret }}"
  register: cert

- name: The same through the delegation nginx (HTTP-01)
  fedops.rocketchat.acme_certificate:
    directory_url: https://acme-v02.api.letsencrypt.org/directory
    terms_agreed: true
    account_key_path: /etc/ssl/acme/account.key
    names: [example.com]
    certificate_path: /etc/ssl/acme/example.com.crt
    key_path: /etc/ssl/acme/example.com.key
    challenge: http-01
    webroot: /var/www/acme
"""

RETURN = r"""
names:
  description: The names asked for, normalized (lower case, no trailing dot).
  returned: success
  type: list
  elements: str
  sample: [example.com, matrix.example.com]
renewal_reason:
  description: Why a certificate was (or, in check mode, would be) ordered; V(null) when the current one is kept.
  returned: success
  type: str
  sample: 12 days left, fewer than remaining_days=30
certificate:
  description: The certificate on disk after the task (in check mode, the current one).
  returned: success and a certificate exists
  type: dict
  contains:
    names:
      description: DNS names of the certificate.
      type: list
      elements: str
    not_after:
      description: End of validity, UTC.
      type: str
      sample: "2026-03-01T12:00:00Z"
    days_left:
      description: Whole days until the end of validity.
      type: int
    issuer:
      description: The issuer's distinguished name.
      type: str
    serial:
      description: Serial number, hexadecimal.
      type: str
previous:
  description: The certificate found before the task, same keys as RV(certificate).
  returned: success and a certificate existed
  type: dict
order_uri:
  description: URL of the ACME order placed; V(null) when none was.
  returned: success
  type: str
account_uri:
  description: URL of the ACME account used; V(null) when the CA was not contacted.
  returned: success
  type: str
account_key_created:
  description: Whether the account key file was (or would be) created.
  returned: when a certificate was ordered
  type: bool
challenges:
  description: The challenge record names (dns-01) or URL paths (http-01) that were published and removed again.
  returned: success
  type: list
  elements: str
  sample: [_acme-challenge.example.com]
challenge_stats:
  description: How many challenge RRsets or files were published and removed.
  returned: when a certificate was ordered
  type: dict
  sample: {published: 2, removed: 2}
"""

from ansible_collections.fedops.rocketchat.plugins.module_utils._acme._issue import acme_certificate_spec, run_acme_certificate


def main():
    module = acme_certificate_spec().create_ansible_module(supports_check_mode=True)
    module.exit_json(**run_acme_certificate(module))


if __name__ == "__main__":
    main()
