# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The module glue: connection options, option checks before any request, error mapping to fail_json."""

from __future__ import annotations

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat import _module as glue
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._errors import (
    RocketChatAuthError,
    RocketChatValidationError,
)

from tests.unit.plugins.module_utils._rocketchat.fakes import AUTH, FakeClient
from tests.unit.plugins.module_utils.fake_module import Exited, FakeModule as BaseFakeModule  # noqa: F401


class FakeModule(BaseFakeModule):
    """Just what create_client/run_action use of AnsibleModule."""

    def __init__(self, **params):
        spec = glue.connection_argument_spec()
        defaults = dict((name, option.get("default")) for name, option in spec.items())
        defaults.update(AUTH)
        defaults.update(params)
        super(FakeModule, self).__init__(**defaults)


@pytest.fixture
def clients(monkeypatch):
    FakeClient.instances = []
    monkeypatch.setattr(glue, "RocketChatClient", FakeClient)
    return FakeClient.instances


def test_secrets_are_no_log_and_tls_is_verified_by_default():
    spec = glue.connection_argument_spec()
    for option in ("auth_token", "password", "two_factor_code"):
        assert spec[option]["no_log"] is True, option
    assert spec["validate_certs"]["default"] is True
    assert spec["url"]["required"] is True
    assert spec["auth_token"]["fallback"][1] == ["ROCKETCHAT_AUTH_TOKEN"]


def test_connection_spec_merges_options_and_constraints_without_sharing_them():
    kwargs = glue.connection_spec({"name": {"type": "str"}}, mutually_exclusive=[("name", "url")],
                                  required_if=[("state", "present", ("name",))],
                                  required_by={"name": "user_id"}).to_kwargs()
    assert "name" in kwargs["argument_spec"] and "url" in kwargs["argument_spec"]
    assert kwargs["mutually_exclusive"] == [("auth_token", "username"), ("name", "url")]
    assert kwargs["required_if"] == [("state", "present", ("name",))]
    assert kwargs["required_by"] == {"username": "password", "name": ["user_id"]}
    assert glue.CONNECTION_CONSTRAINTS["required_by"] == {"username": "password"}
    assert glue.CONNECTION_CONSTRAINTS["mutually_exclusive"] == [("auth_token", "username")]


def run_module(module, action):
    """What a Rocket.Chat module does with its one call: exit with the result."""
    module.exit_json(**glue.run_action(module, action))


@pytest.mark.parametrize("params, words", [
    ({"auth_token": "  "}, ["auth_token is empty", "personal access token"]),
    ({"url": "chat.example.com"}, ["url must start with https://", "chat.example.com"]),
    ({"timeout": -1.0}, ["timeout must not be negative"]),
    ({"retries": -1}, ["retries must be 0 or more"]),
    ({"max_workers": 0}, ["max_workers 1 or more"]),
])
def test_bad_options_fail_before_a_client_exists(clients, params, words):
    with pytest.raises(Exited) as info:
        glue.create_client(FakeModule(**params))
    assert info.value.failed
    for word in words:
        assert word in info.value.result["msg"]
    assert clients == []


def test_client_gets_the_options(clients):
    client = glue.create_client(FakeModule(retries=5, validate_certs=False))
    assert client.url == AUTH["url"]
    assert client.kwargs["auth_token"] == AUTH["auth_token"]
    assert client.kwargs["retries"] == 5
    assert client.kwargs["validate_certs"] is False
    assert client.kwargs["user_agent"] == "fedops.rocketchat (Ansible 2.x)"


def test_success_adds_stats_and_turns_warnings_into_module_warnings(clients):
    module = FakeModule()
    with pytest.raises(Exited) as info:
        run_module(module, lambda client: {"changed": True, "warnings": ["mind the gap"]})
    assert not info.value.failed
    assert info.value.result["changed"] is True
    assert "warnings" not in info.value.result
    assert info.value.result["requests"]["requests"] == 0
    assert module.warnings == ["mind the gap"]
    assert clients[-1].closed


def test_rocketchat_error_becomes_its_message_and_status(clients):
    def action(client):
        raise RocketChatAuthError("Rocket.Chat rejected auth_token (HTTP 401)", status=401)

    with pytest.raises(Exited) as info:
        run_module(FakeModule(), action)
    assert info.value.failed
    assert info.value.result["msg"] == "Rocket.Chat rejected auth_token (HTTP 401)"
    assert info.value.result["status"] == 401
    assert info.value.result["error_kind"] == "auth"   # what the federation monitor exports, without parsing msg
    assert "requests" in info.value.result
    assert "exception" not in info.value.result
    assert clients[-1].closed


def test_validation_error_has_no_request_stats(clients):
    def action(client):
        raise RocketChatValidationError("mode: give one of legacy, matrix_bridge, native")

    with pytest.raises(Exited) as info:
        run_module(FakeModule(), action)
    assert info.value.result == {"msg": "mode: give one of legacy, matrix_bridge, native"}


def test_unexpected_error_names_the_server_and_keeps_the_traceback(clients):
    def action(client):
        raise KeyError("settings")

    with pytest.raises(Exited) as info:
        run_module(FakeModule(), action)
    assert info.value.failed
    assert info.value.result["msg"].startswith("unexpected error talking to Rocket.Chat at https://chat.example.com")
    assert "KeyError" in info.value.result["exception"]
    assert info.value.result["error_kind"] == "error"
    assert clients[-1].closed
