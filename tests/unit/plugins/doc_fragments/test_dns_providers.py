# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The dns_providers doc fragment documents the provider options as the DNS module glue codes them."""

from __future__ import annotations

from ansible_collections.fedops.rocketchat.plugins.doc_fragments import dns_providers
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._module import PROVIDERS, argument_spec

from tests.unit.plugins.doc_fragments.fragments import fragment_users, option_problems, parse, spec_differences


def test_every_option_has_a_description_and_type():
    assert option_problems(parse(dns_providers)["options"]) == []


def test_options_match_the_argument_spec():
    assert spec_differences(parse(dns_providers)["options"], argument_spec()) == []


def test_every_provider_has_its_options_block():
    options = parse(dns_providers)["options"]
    assert options["provider"]["choices"] == list(PROVIDERS)
    for provider in PROVIDERS:
        assert options[provider]["type"] == "dict", provider
        assert "O(provider=%s)" % provider in " ".join(options[provider]["description"]), provider


def test_secret_options_are_no_log_in_the_code_and_documented():
    options = parse(dns_providers)["options"]
    spec = argument_spec()
    for provider, option in (("rfc2136", "key_secret"), ("powerdns", "api_key"), ("cloudflare", "api_token"),
                             ("route53", "secret_key"), ("route53", "session_token")):
        assert option in options[provider]["suboptions"], (provider, option)
        assert spec[provider]["options"][option]["no_log"] is True, (provider, option)
    assert "Never logged" in " ".join(options["rfc2136"]["suboptions"]["key_secret"]["description"])


def test_used_by_federation_dns_and_acme_certificate():
    assert fragment_users(dns_providers) == ["acme_certificate", "federation_dns"]


def test_acme_certificate_takes_the_provider_options_as_coded_for_federation_dns():
    from ansible_collections.fedops.rocketchat.plugins.module_utils._acme import _issue
    acme_spec = _issue.acme_certificate_spec().argument_spec
    dns_spec = argument_spec()
    for name in _issue.DNS_OPTIONS:
        assert acme_spec[name] == dns_spec[name], name
    assert acme_spec["provider"]["choices"] == list(PROVIDERS) and not acme_spec["provider"].get("required")
