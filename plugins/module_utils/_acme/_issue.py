# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Obtain or renew one certificate over ACME (RFC 8555) with the ``acme`` library (certbot's client).

The flow of one task:

1. read the certificate and key on disk and decide (``_certificate.renewal_reason``); kept -> no network at all;
2. check mode stops here and predicts;
3. load or create the account key (0600), register or find the account;
4. new key and CSR in memory, new order, publish every challenge (``_challenges``), answer, poll the
   authorizations, finalize;
5. always take the challenge records/files down again, success or not;
6. write key and full chain together, atomically (``_files.ensure_files``): both or neither.
"""

from __future__ import annotations

import datetime
import traceback

from ansible_collections.fedops.rocketchat.plugins.module_utils import _deps
from ansible_collections.fedops.rocketchat.plugins.module_utils import _files
from ansible_collections.fedops.rocketchat.plugins.module_utils._acme import _certificate
from ansible_collections.fedops.rocketchat.plugins.module_utils._acme._errors import (
    ACMEChallengeError,
    ACMEError,
    ACMEInputError,
    ACMEServerError,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns import _module as _dns_module
from ansible_collections.fedops.rocketchat.plugins.module_utils._retry import RetryPolicy, retry_call

try:
    import josepy
    import requests
    from acme import client as acme_client
    from acme import crypto_util as acme_crypto_util
    from acme import errors as acme_errors
    from acme import messages as acme_messages
    HAS_ACME = True
    ACME_IMPORT_ERROR = None
except ImportError:
    HAS_ACME = False
    ACME_IMPORT_ERROR = traceback.format_exc()

USER_AGENT = "fedops.rocketchat acme_certificate"
CHALLENGE_TYPES = ("dns-01", "http-01")


def check_requirements(module):
    if not _certificate.HAS_CRYPTOGRAPHY:
        module.fail_json(msg=_deps.CRYPTOGRAPHY.missing(), exception=_certificate.CRYPTOGRAPHY_IMPORT_ERROR)
    if not HAS_ACME:
        module.fail_json(msg=_deps.ACME.missing(), exception=ACME_IMPORT_ERROR)
    if module.params["challenge"] == "dns-01":
        from ansible_collections.fedops.rocketchat.plugins.module_utils._dns import _module
        _module.check_requirements(module)


def validate(params):
    """Input checks before anything is read from a server; returns the normalized names."""
    names = _certificate.normalize_names(params["names"])
    if params["remaining_days"] < 0:
        raise ACMEInputError("remaining_days: give 0 or more days")
    if params["challenge"] == "dns-01" and not params.get("provider"):
        raise ACMEInputError("provider: challenge=dns-01 publishes the TXT records through a DNS provider; "
                             "set provider and its options (or use challenge=http-01 with webroot)")
    if params["challenge"] == "http-01":
        if not params.get("webroot"):
            raise ACMEInputError("webroot: challenge=http-01 needs the directory the web server serves "
                                 "/.well-known/acme-challenge/ from")
        wild = [n for n in names if n.startswith("*.")]
        if wild:
            raise ACMEInputError("names: %s need challenge=dns-01 (a CA validates wildcards over DNS only)"
                                 % ", ".join(wild))
    if not params["terms_agreed"]:
        raise ACMEInputError("terms_agreed: the ACME server's terms of service must be agreed to (set "
                             "terms_agreed=true after reading them) before an account can be registered")
    for option in ("account_key_path", "certificate_path", "key_path"):
        try:
            _files.check_parent_dir(params[option])
        except _files.FileAccessError as exc:
            raise ACMEInputError("%s: %s" % (option, exc)) from None
    return names


def _file_args(module, path, mode, group):
    return module.load_file_common_arguments({"mode": mode, "group": group}, path=path)


def _key_file_args(module):
    group = module.params.get("key_group")
    return _file_args(module, module.params["key_path"], 0o640 if group else 0o600, group)


def _cert_file_args(module):
    return _file_args(module, module.params["certificate_path"], 0o644, module.params.get("key_group"))


def _account_file_args(module):
    return _file_args(module, module.params["account_key_path"], 0o600, None)


def _read(path, option):
    try:
        return _files.read_file(path)
    except _files.FileAccessError as exc:
        raise ACMEInputError("%s: %s" % (option, exc)) from None


class _Client(object):
    """The acme library's ClientV2 with the account of this task, network errors retried with backoff."""

    def __init__(self, module, account_key_pem):
        params = module.params
        from cryptography.hazmat.primitives import serialization
        try:
            key = serialization.load_pem_private_key(account_key_pem, password=None)
        except (ValueError, TypeError):
            raise ACMEInputError("account_key_path: %s holds no unencrypted PEM private key"
                                 % params["account_key_path"]) from None
        try:
            jwk, alg = josepy.JWKEC(key=key), josepy.ES256
            if key.curve.name == "secp384r1":
                alg = josepy.ES384
        except AttributeError:
            jwk, alg = josepy.JWKRSA(key=key), josepy.RS256
        verify = params["ca_path"] or params["validate_certs"]
        self.policy = RetryPolicy(retries=params["retries"], base_delay=0.5, max_delay=8.0)
        self.net = acme_client.ClientNetwork(jwk, alg=alg, verify_ssl=verify, user_agent=USER_AGENT,
                                             timeout=params["timeout"])
        self.jwk = jwk
        directory = self.call(lambda: acme_client.ClientV2.get_directory(params["directory_url"], self.net))
        self.client = acme_client.ClientV2(directory, net=self.net)

    def call(self, func):
        return retry_call(func, policy=self.policy,
                          retry_on=(requests.exceptions.ConnectionError, requests.exceptions.Timeout))

    def account(self, email):
        contact = ("mailto:" + email,) if email else ()
        registration = acme_messages.NewRegistration(contact=contact, terms_of_service_agreed=True)
        try:
            regr = self.call(lambda: self.client.new_account(registration))
            return regr.uri, True
        except acme_errors.ConflictError as exc:
            regr = acme_messages.RegistrationResource(uri=exc.location, body=acme_messages.Registration())
            self.net.account = regr
            return exc.location, False


def _challenge_of(authzr, kind):
    for challb in authzr.body.challenges:
        if challb.chall.typ == kind:
            return challb
    offered = ", ".join(sorted(c.chall.typ for c in authzr.body.challenges))
    raise ACMEServerError("the ACME server offers no %s challenge for %s (it offers: %s); choose another challenge"
                          % (kind, authzr.body.identifier.value, offered or "none"))


def _rejection(exc, kind):
    parts = []
    for authzr in exc.failed_authzrs:
        for challb in authzr.body.challenges:
            if challb.error is not None:
                parts.append("%s (%s): %s" % (authzr.body.identifier.value, challb.chall.typ,
                                              challb.error.detail or challb.error.typ))
    hint = ("check that the provider writes to the zone the CA's resolvers ask (propagation_servers, zone)"
            if kind == "dns-01" else "check that the web server serves webroot at http://<name>/.well-known/acme-challenge/")
    return "the ACME server rejected the %s challenge: %s; %s" % (kind, "; ".join(parts), hint)


def _issue(module, names, client, publisher):
    """One order: returns (fullchain_pem, key_pem, order_uri, challenge_names)."""
    params = module.params
    kind = params["challenge"]
    key_pem = _certificate.new_private_key_pem()
    csr_pem = acme_crypto_util.make_csr(key_pem, names)
    orderr = client.call(lambda: client.client.new_order(csr_pem))
    answers, records, published = [], [], []
    for authzr in orderr.authorizations:
        if authzr.body.status == acme_messages.STATUS_VALID:
            continue
        challb = _challenge_of(authzr, kind)
        domain = authzr.body.identifier.value
        if kind == "dns-01":
            name = challb.chall.validation_domain_name(domain)
            records.append((name, challb.chall.validation(client.jwk)))
            published.append(name)
        else:
            records.append((challb.chall.encode("token"), challb.chall.validation(client.jwk)))
            published.append(challb.chall.path)
        answers.append((challb, challb.chall.response(client.jwk)))
    publisher.publish(records)
    for challb, response in answers:
        client.call(lambda challb=challb, response=response: client.client.answer_challenge(challb, response))
    deadline = datetime.datetime.now() + datetime.timedelta(seconds=params["validation_timeout"])
    try:
        orderr = client.client.poll_authorizations(orderr, deadline)
    except acme_errors.ValidationError as exc:
        raise ACMEChallengeError(_rejection(exc, kind)) from None
    orderr = client.client.finalize_order(orderr, deadline)
    return orderr.fullchain_pem.encode("ascii"), key_pem, orderr.uri, published


def run_acme_certificate(module):
    check_requirements(module)
    params = module.params
    try:
        return _run(module)
    except ACMEError as exc:
        fail = dict(msg=exc.msg, error=getattr(exc, "reported_as", None) or type(exc).__name__)
        fail.update(exc.details)
        module.fail_json(**fail)
    except _files.FileAccessError as exc:
        module.fail_json(msg=str(exc), error="FileAccessError")
    except acme_errors.TimeoutError:
        module.fail_json(msg="the ACME server did not finish validating or issuing within validation_timeout=%ss; "
                             "the challenge records were removed, nothing was written; raise validation_timeout"
                             % params["validation_timeout"], error="ACMETimeoutError")
    except acme_errors.IssuanceError as exc:
        module.fail_json(msg="the ACME server %s validated the challenges but refused to issue: %s; the challenge "
                             "records were removed, nothing was written" % (params["directory_url"], exc.error),
                         error="ACMEServerError")
    except acme_messages.Error as exc:
        module.fail_json(msg="the ACME server %s refused the request: %s%s; nothing was written"
                             % (params["directory_url"], exc.detail or exc.typ,
                                " (%s)" % exc.typ if exc.detail else ""), error="ACMEServerError")
    except (acme_errors.Error, requests.exceptions.RequestException) as exc:
        module.fail_json(msg="cannot talk to the ACME server %s: %s; nothing was written (check directory_url, "
                             "ca_path)" % (params["directory_url"], exc), error="ACMEServerError")


def _run(module):
    params = module.params
    names = validate(params)
    now = _certificate.utcnow()
    cert_file = _read(params["certificate_path"], "certificate_path")
    key_file = _read(params["key_path"], "key_path")
    state = _certificate.CertificateState(cert_file.content, key_file.content)
    reason = _certificate.renewal_reason(state, names, params["remaining_days"], params["force"], now)
    result = {"changed": False, "names": names, "renewal_reason": reason, "previous": state.summary(now),
              "certificate": state.summary(now), "order_uri": None, "account_uri": None, "challenges": []}
    files = [{"path": params["key_path"], "content": None, "file_args": _key_file_args(module),
              "current": key_file},
             {"path": params["certificate_path"], "content": None, "file_args": _cert_file_args(module),
              "current": cert_file}]
    if reason is None:
        # Kept: only owner/group/mode may need a correction; no ACME server and no DNS provider is contacted.
        outcome = _files.ensure_files(module, files)
        result["changed"] = any(r["changed"] for r in outcome)
        return result
    result["changed"] = True
    account_file = _read(params["account_key_path"], "account_key_path")
    if module.check_mode:
        result["account_key_created"] = not account_file.exists
        return result
    account_pem = account_file.content
    if account_pem is None:
        account_pem = _certificate.new_private_key_pem()
        _files.ensure_file(module, params["account_key_path"], account_pem, _account_file_args(module))
    result["account_key_created"] = account_file.content is None
    client = _Client(module, account_pem)
    result["account_uri"], result["account_created"] = client.account(params["account_email"])

    publisher = _publisher(module)
    try:
        fullchain, key_pem, order_uri, published = _issue(module, names, client, publisher)
    except ACMEError as exc:
        problems = publisher.cleanup()
        exc.msg += ("; the %s challenges published for this order were removed, no certificate or key was written"
                    % publisher.kind if not problems else
                    "; no certificate or key was written, but the challenge(s) %s could not be removed: remove them "
                    "by hand" % "; ".join(problems))
        exc.details["challenge_stats"] = publisher.stats
        raise
    except BaseException:
        publisher.cleanup()
        raise
    problems = publisher.cleanup()
    if problems:
        module.warn("could not remove the %s challenge(s) %s; remove them by hand" % (publisher.kind, "; ".join(problems)))
    result.update(order_uri=order_uri, challenges=sorted(published), challenge_stats=publisher.stats)
    files[0]["content"] = key_pem
    files[1]["content"] = fullchain
    _files.ensure_files(module, files)
    result["certificate"] = _certificate.CertificateState(fullchain, key_pem).summary()
    return result


def _publisher(module):
    """Where the challenges go: DNS-01 through the collection's DNS providers, or HTTP-01 into the webroot."""
    params = module.params
    if params["challenge"] == "dns-01":
        from ansible_collections.fedops.rocketchat.plugins.module_utils._acme._challenges import DNSChallengePublisher
        try:
            return DNSChallengePublisher(params, warn=module.warn)
        except Exception as exc:
            from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._errors import DNSError
            if isinstance(exc, DNSError):
                raise ACMEInputError(exc.msg) from None
            raise
    from ansible_collections.fedops.rocketchat.plugins.module_utils._acme._challenges import HTTPChallengePublisher
    return HTTPChallengePublisher(params["webroot"])


DNS_OPTIONS = ("timeout", "retries", "rfc2136", "powerdns", "cloudflare", "route53")


def acme_certificate_spec():
    dns = _dns_module.argument_spec()
    spec = dict((name, dns[name]) for name in DNS_OPTIONS)
    spec.update(
        directory_url=dict(type="str", required=True),
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        account_key_path=dict(type="path", required=True, no_log=False),
        account_email=dict(type="str"),
        terms_agreed=dict(type="bool", default=False),
        names=dict(type="list", elements="str", required=True),
        certificate_path=dict(type="path", required=True),
        key_path=dict(type="path", required=True, no_log=False),
        key_group=dict(type="str", no_log=False),
        remaining_days=dict(type="int", default=30),
        force=dict(type="bool", default=False),
        challenge=dict(type="str", default="dns-01", choices=list(CHALLENGE_TYPES)),
        provider=dict(type="str", choices=list(_dns_module.PROVIDERS)),
        zone=dict(type="str"),
        challenge_ttl=dict(type="int", default=60),
        propagation_servers=dict(type="list", elements="str"),
        propagation_timeout=dict(type="int", default=120),
        validation_timeout=dict(type="int", default=120),
        webroot=dict(type="path"),
    )
    return ArgumentSpec(
        argument_spec=spec,
        required_if=[
            ("challenge", "http-01", ("webroot",)),
            ("provider", "rfc2136", ("rfc2136",)),
            ("provider", "powerdns", ("powerdns",)),
            ("provider", "cloudflare", ("cloudflare",)),
            ("provider", "route53", ("route53",)),
        ],
        non_empty=["directory_url", "account_key_path", "certificate_path", "key_path", "webroot", "ca_path"],
    )
