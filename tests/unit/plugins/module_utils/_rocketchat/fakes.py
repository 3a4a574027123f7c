"""Shared by the module unit tests of settings, federation and federation_info: run a module's main()
with patch_module_args against an in-memory Rocket.Chat client."""
from unittest import mock

import pytest
from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat import _module as glue
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._errors import (
    RocketChatServerError,
    RocketChatSettingNotFound,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._version import RocketChatVersion

from tests.unit.plugins.modules.utils import call_main

AUTH = {"url": "https://chat.example.com", "user_id": "u1", "auth_token": "personal-access-token-1234567890"}


class FakeClient:
    """Records writes; serves settings from a dict; ids in ``hidden`` answer as unknown."""

    instances = []

    def __init__(self, url, version="7.10.4", values=None, hidden=(), license_modules=("federation",), **kwargs):
        self.url = url
        self.license_modules = license_modules   # None: the release has no licenses.info (HTTP 404)
        self.kwargs = kwargs
        self._version = RocketChatVersion(version)
        self.values = dict(values or {})
        self.hidden = set(hidden)
        self.writes = []
        self.actions = []
        self.closed = False
        FakeClient.instances.append(self)

    def version(self):
        return self._version

    def get_settings(self, ids, missing_ok=False):
        missing = [i for i in ids if i in self.hidden or i not in self.values]
        if missing and not missing_ok:
            raise RocketChatSettingNotFound("setting %s does not exist or is hidden on Rocket.Chat %s"
                                            % (", ".join(missing), self._version), missing)
        return dict((i, self.values[i]) for i in ids if i not in missing)

    def request(self, method, path, **_kwargs):
        if (method, path) == ("GET", "/api/v1/licenses.info") and self.license_modules is not None:
            return {"license": {"activeModules": list(self.license_modules)}, "success": True}, {}
        raise RocketChatServerError("no API endpoint %s %s (HTTP 404)" % (method, path), status=404)

    def save_settings_bulk(self, values):
        self.writes.append(("bulk", dict(values)))
        self.values.update(values)

    def save_settings_method(self, values):
        self.writes.append(("method.call", dict(values)))
        self.values.update(values)

    def save_setting(self, setting_id, value):
        self.writes.append(("per_setting", {setting_id: value}))
        self.values[setting_id] = value

    def execute_action(self, setting_id):
        self.actions.append(setting_id)
        self.values["Federation_Matrix_configuration_status"] = "Invalid"
        return False, "Invalid configuration, homeserver unreachable [error-invalid-configuration]"

    def stats(self):
        return {"requests": 0, "retries": 0, "rate_limited": 0, "rate_limit_wait": 0.0}

    def close(self):
        self.closed = True


@pytest.fixture
def fake_client(monkeypatch):
    """Returns a configure(**server) function; the module's client is a FakeClient with that server state."""
    FakeClient.instances = []
    server = {}

    def factory(url, **kwargs):
        return FakeClient(url, **dict(server, **{k: v for k, v in kwargs.items() if k not in server}))

    monkeypatch.setattr(glue, "RocketChatClient", factory)

    def configure(**state):
        server.update(state)
        return server

    return configure


def run(main, args, capsys, check_mode=False, diff=False):
    """Run main() with the args; returns (result dict, failed, client). Warnings the module gave are in
    result["warnings"] as plain strings (in-process, ansible-core sends them to the display instead)."""
    warnings = []
    with mock.patch.object(AnsibleModule, "warn", lambda self, msg, **kw: warnings.append(msg)):
        result, rc, _captured = call_main(main, args, capsys, check=check_mode, diff=diff)
    result.setdefault("warnings", warnings)
    client = FakeClient.instances[-1] if FakeClient.instances else None
    return result, rc != 0 or result.get("failed", False), client
