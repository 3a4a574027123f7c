"""Roles of permissions through the permissions API (C-PERM-1, C-PERM-2), and the access-federation report."""
import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat import _permissions
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._errors import RocketChatValidationError


class PermissionsClient:
    def __init__(self, roles):
        self.roles = dict(roles)
        self.calls = []

    def request(self, method, path, body=None, **_kw):
        self.calls.append((method, path, body))
        if (method, path) == ("GET", "/api/v1/permissions.listAll"):
            return {"update": [{"_id": p, "roles": r} for p, r in self.roles.items()], "remove": []}, {}
        assert (method, path) == ("POST", "/api/v1/permissions.update")
        for item in body["permissions"]:
            self.roles[item["_id"]] = item["roles"]
        return {"permissions": []}, {}


DEFAULTS = {"access-federation": ["admin", "user", "federated-external"], "access-permissions": ["admin"]}


def test_converged_is_one_read_and_order_does_not_matter():
    client = PermissionsClient(DEFAULTS)
    result = _permissions.converge_permissions(client, {"access-federation": ["user", "federated-external", "admin"]})
    assert not result["changed"] and result["warnings"] == [] and len(client.calls) == 1
    assert result["federation_access_roles"] == ["admin", "federated-external", "user"]


def test_check_mode_predicts_and_writes_nothing_then_the_run_writes_only_what_differs():
    client = PermissionsClient(DEFAULTS)
    wanted = {"access-federation": ["admin", "user", "bot"], "access-permissions": ["admin"]}
    predicted = _permissions.converge_permissions(client, wanted, check_mode=True)
    assert predicted["changed"] and [c[0] for c in client.calls] == ["GET"]
    real = _permissions.converge_permissions(client, wanted)
    assert real["changed_permissions"] == predicted["changed_permissions"] == ["access-federation"]
    assert client.calls[-1] == ("POST", "/api/v1/permissions.update",
                                {"permissions": [{"_id": "access-federation", "roles": ["admin", "bot", "user"]}]})
    assert real["diff"] == {"before": {"access-federation": ["admin", "federated-external", "user"],
                                       "access-permissions": ["admin"]},
                            "after": {"access-federation": ["admin", "bot", "user"], "access-permissions": ["admin"]}}


def test_no_ordinary_user_role_is_reported():
    client = PermissionsClient(DEFAULTS)
    result = _permissions.converge_permissions(client, {"access-federation": ["admin"]}, check_mode=True)
    assert "No ordinary user role holds access-federation (roles: admin)" in result["warnings"][0]
    assert "403 M_FORBIDDEN" in result["warnings"][0]
    assert _permissions.federation_access_warning({"access-federation": []}).startswith(
        "No ordinary user role holds access-federation (roles: none)")
    assert _permissions.federation_access_warning({}) is None


@pytest.mark.parametrize("wanted, message", [
    ({"access-federaton": ["admin"]}, "access-federaton does not exist on this server"),
    ({"access-federation": "admin"}, "permissions.access-federation must be a list of role names"),
    ({"access-federation": ["admin", " "]}, "permissions.access-federation holds an empty role name"),
])
def test_bad_input_fails_before_any_write(wanted, message):
    client = PermissionsClient(DEFAULTS)
    with pytest.raises(RocketChatValidationError) as caught:
        _permissions.converge_permissions(client, wanted)
    assert message in caught.value.msg
    assert all(call[0] == "GET" for call in client.calls)
