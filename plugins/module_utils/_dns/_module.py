# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Glue between AnsibleModule and the engine: argument spec, provider factory, error mapping."""

from __future__ import annotations

import traceback

from ansible.module_utils.basic import env_fallback

from ansible_collections.fedops.rocketchat.plugins.module_utils import _deps
from ansible_collections.fedops.rocketchat.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._errors import DNSError, DNSInputError

PROVIDERS = ("rfc2136", "powerdns", "cloudflare", "route53")


def argument_spec():
    """The options of fedops.rocketchat.federation_dns: the records, then each provider's connection."""
    return dict(_record_options(), **provider_options())


def _record_options():
    return dict(
        provider=dict(type="str", required=True, choices=list(PROVIDERS)),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        zone=dict(type="str"),
        ttl=dict(type="int", default=3600),
        legacy=dict(type="dict", options=dict(
            domain=dict(type="str", required=True),
            target=dict(type="str"),
            protocol=dict(type="str", default="https", choices=["https", "http"]),
            port=dict(type="int"),
            priority=dict(type="int", default=1),
            weight=dict(type="int", default=1),
            public_key=dict(type="str", required=True, no_log=False),
            tcp_records=dict(type="bool", default=False),
            ttl=dict(type="int"),
        )),
        matrix=dict(type="dict", options=dict(
            server_name=dict(type="str", required=True),
            target=dict(type="str"),
            port=dict(type="int", default=8448),
            priority=dict(type="int", default=10),
            weight=dict(type="int", default=0),
            legacy_srv=dict(type="bool", default=False),
            ttl=dict(type="int"),
        )),
        records=dict(type="list", elements="dict", default=[], options=dict(
            name=dict(type="str", required=True),
            type=dict(type="str", required=True, choices=["A", "AAAA", "CNAME", "SRV", "TXT"]),
            values=dict(type="list", elements="str", required=True),
            ttl=dict(type="int"),
        )),
        txt_chunk_size=dict(type="int", default=255),
        txt_enforce_chunks=dict(type="bool", default=False),
        wait_for_propagation=dict(type="bool", default=False),
        propagation_timeout=dict(type="int", default=120),
        propagation_servers=dict(type="list", elements="str"),
        timeout=dict(type="int", default=10),
        retries=dict(type="int", default=3),
    )


def provider_options():
    """Each DNS provider's connection options (the dns_providers doc fragment)."""
    return dict(
        rfc2136=dict(type="dict", options=dict(
            server=dict(type="str", required=True),
            port=dict(type="int", default=53),
            key_name=dict(type="str", no_log=False),
            key_secret=dict(type="str", no_log=True),
            key_algorithm=dict(type="str", default="hmac-sha256",
                               choices=["hmac-sha256", "hmac-sha384", "hmac-sha512", "hmac-sha224", "hmac-sha1", "hmac-md5"]),
            protocol=dict(type="str", default="auto", choices=["auto", "udp", "tcp"]),
            allow_unsigned=dict(type="bool", default=False),
            sign_queries=dict(type="bool", default=True),
            read_method=dict(type="str", default="query", choices=["query", "axfr"]),
        )),
        powerdns=dict(type="dict", options=dict(
            api_url=dict(type="str", required=True),
            api_key=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["PDNS_API_KEY"])),
            server_id=dict(type="str", default="localhost"),
            validate_certs=dict(type="bool", default=True),
            ca_path=dict(type="path"),
        )),
        cloudflare=dict(type="dict", options=dict(
            api_token=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["CLOUDFLARE_API_TOKEN"])),
            api_url=dict(type="str", default="https://api.cloudflare.com/client/v4"),
            zone_id=dict(type="str"),
            validate_certs=dict(type="bool", default=True),
            ca_path=dict(type="path"),
        )),
        route53=dict(type="dict", options=dict(
            access_key=dict(type="str", no_log=False, aliases=["aws_access_key_id"]),
            secret_key=dict(type="str", no_log=True, aliases=["aws_secret_access_key"]),
            session_token=dict(type="str", no_log=True, aliases=["aws_session_token"]),
            profile=dict(type="str"),
            region=dict(type="str", default="us-east-1"),
            endpoint_url=dict(type="str"),
            hosted_zone_id=dict(type="str"),
            private_zone=dict(type="bool"),
            validate_certs=dict(type="bool", default=True),
            wait=dict(type="bool", default=False),
            wait_timeout=dict(type="int", default=300),
        )),
    )


def federation_dns_spec():
    """``ArgumentSpec`` of fedops.rocketchat.federation_dns: each provider requires its own option."""
    return ArgumentSpec(argument_spec=argument_spec(),
                        required_if=[("provider", name, (name,)) for name in PROVIDERS])


def make_provider(params, warn=None):
    name = params["provider"]
    options = params.get(name) or {}
    timeout = params.get("timeout")
    timeout = 10 if timeout is None else timeout
    retries = params.get("retries")
    if timeout < 1:
        raise DNSInputError("timeout: give at least 1 second")
    if retries is None or retries < 0 or retries > 10:
        raise DNSInputError("retries: give 0 to 10")
    kwargs = dict(timeout=timeout, retries=retries, warn=warn)
    if name == "rfc2136":
        from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._rfc2136 import RFC2136Provider
        return RFC2136Provider(options, **kwargs)
    if name == "powerdns":
        from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._powerdns import PowerDNSProvider
        return PowerDNSProvider(options, **kwargs)
    if name == "cloudflare":
        from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._cloudflare import CloudflareProvider
        return CloudflareProvider(options, **kwargs)
    from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._route53 import Route53Provider
    return Route53Provider(options, **kwargs)


def check_requirements(module):
    """Fail with missing_required_lib when a library the task needs is absent."""
    from ansible_collections.fedops.rocketchat.plugins.module_utils._dns import _dnsmsg
    params = module.params
    if (params["provider"] == "rfc2136" or params.get("wait_for_propagation")) and not _dnsmsg.HAS_DNSPYTHON:
        module.fail_json(msg=_deps.DNSPYTHON.missing(reason="for provider=rfc2136 and wait_for_propagation"),
                         exception=_dnsmsg.DNSPYTHON_IMPORT_ERROR)
    if params["provider"] == "route53":
        from ansible_collections.fedops.rocketchat.plugins.module_utils._dns import _route53
        if not _route53.HAS_BOTO3:
            module.fail_json(msg=_deps.BOTO3.missing(reason="for provider=route53"),
                             exception=_route53.BOTO3_IMPORT_ERROR)


def dns_failure(exc, provider):
    """The ``fail_json`` arguments for an exception of a ``federation_dns`` run (``provider``: its provider or None)."""
    if not isinstance(exc, DNSError):
        return dict(msg="unexpected error while publishing DNS records: %s" % exc,
                    exception="".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    fail = dict(msg=exc.msg, error=getattr(exc, "reported_as", None) or type(exc).__name__)
    fail.update(exc.details)
    if provider is not None:
        fail["stats"] = dict(provider.stats)
    return fail


def run_federation_dns(module):
    """Publish or remove the records of ``module.params``; the result, or ``fail_json`` with the error's details."""
    from ansible_collections.fedops.rocketchat.plugins.module_utils._dns import _engine
    check_requirements(module)
    provider = None
    result = None
    try:
        provider = make_provider(module.params, warn=module.warn)
        result = _engine.run(provider, module.params, check_mode=module.check_mode, want_diff=module._diff)
    except Exception as exc:  # pylint: disable=broad-except
        module.fail_json(**dns_failure(exc, provider))
    finally:
        if provider is not None:
            provider.close()
    return result
