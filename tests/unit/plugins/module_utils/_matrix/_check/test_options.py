# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""federation_check's option validation (before any check) and its failure message."""

from __future__ import annotations

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _keys
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check import _options as opts
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check import _report as report

from tests.support.pki import TestCA

DEFAULTS = {"server_name": "example.org", "expected_signing_key": None, "signing_key_path": None,
            "client_wellknown": True, "appservice": None, "rocketchat": None,
            "peer_families": ["matrix_spec", "rocketchat_native"], "nameservers": None, "resolve": None,
            "ca_path": None, "timeout": 10.0, "fail_on_error": True}


def params(**changes):
    return dict(DEFAULTS, **changes)


def test_good_options_pass_through_with_the_expected_keys(tmp_path):
    ca = TestCA(str(tmp_path / "pki"))
    key = _keys.generate_signing_key(version="a_1")
    path = tmp_path / "hs.signing.key"
    path.write_text(_keys.serialize_signing_keys([key]))
    options = opts.prepare(params(ca_path=ca.cert_path, signing_key_path=str(path), nameservers=["127.0.0.1:53"],
                                  resolve={"example.org:443": "127.0.0.2"},
                                  appservice={"id": "a", "as_token": "t", "hs_token": "h", "url": "http://b:3300",
                                              "legacy_authorization": False, "homeserver_url": None}))
    assert options["_expected_keys"] == [(key.key_id, key.public_key_b64)]
    assert options["ca_path"] == ca.cert_path and options["server_name"] == "example.org"


@pytest.mark.parametrize("changes, message", [
    ({"timeout": 0}, "timeout must be a positive number of seconds"),
    ({"server_name": "a b"}, "server_name 'a b': the host may contain only letters"),
    ({"nameservers": ["ns.example.org"]}, "nameservers: entry 'ns.example.org'"),
    ({"resolve": {"a.example.org": "b"}}, "resolve: override for 'a.example.org'"),
    ({"peer_families": []}, "peer_families: name at least one of matrix_spec, rocketchat_native"),
    ({"ca_path": "/nonexistent/ca.pem"}, "ca_path: '/nonexistent/ca.pem' does not exist"),
    ({"expected_signing_key": "abc"}, "expected_signing_key: public key 'abc' decodes to 2 bytes"),
    ({"signing_key_path": ""}, "signing_key_path is empty"),
    ({"signing_key_path": "/nonexistent/key"}, "signing_key_path: cannot read '/nonexistent/key'"),
    ({"appservice": {"homeserver_url": "matrix.example.org"}}, "appservice.homeserver_url must start with"),
    ({"appservice": {"url": "bridge:3300"}}, "appservice.url must start with https:// or http://, got 'bridge:3300'"),
    ({"rocketchat": {"domain": "c", "url": "https://c"}}, "rocketchat.url needs rocketchat.user_id"),
])
def test_bad_options_name_the_option(changes, message):
    with pytest.raises(ValueError) as info:
        opts.prepare(params(**changes))
    assert str(info.value).startswith(message)


def test_key_file_that_is_not_a_key_file(tmp_path):
    path = tmp_path / "k"
    path.write_text("ed25519 a_x notbase64!\n")
    with pytest.raises(ValueError, match="is not a Synapse signing key file"):
        opts.expected_from_file(str(path))


def test_failure_message_names_the_first_failure_and_its_fix():
    checks = [report.record("srv", "pass", "ok"),
              report.record("tls_certificate", "fail", "wrong name", "issue a cert", "192.0.2.1:8448"),
              report.record("expected_key", "fail", "other key", "restore the key")]
    result = {"checks": checks, "failed_checks": ["expected_key", "tls_certificate"]}
    assert opts.failure_message(result) == ("federation check failed: expected_key, tls_certificate. First: "
                                            "tls_certificate [192.0.2.1:8448]: wrong name. Fix: issue a cert")
