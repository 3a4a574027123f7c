"""Licence and permissions: licenses.info, permissions.listAll and permissions.update."""
from .state import KNOWN_ROLES


class LicenceEndpoints:
    """Licence and permissions: licenses.info, permissions.listAll and permissions.update."""

    def license_info(self, req):
        """C-LIC-1: License.getInfo(): activeModules for every authenticated user; the licence itself and the
        limits only with view-privileged-setting."""
        store = self.store
        modules = list(store.license_modules or [])
        privileged = store.has_permission(req.user, "view-privileged-setting")
        info = {"activeModules": modules, "preventedActions": {}, "limits": {}, "tags": [], "trial": False}
        if privileged and store.license_modules is not None:
            info["license"] = {"information": {"tags": [], "trial": False}, "grantedModules":
                               [{"module": m} for m in modules],
                               "validation": {"validPeriods": [dict(p) for p in store.license_periods]}}  # C-LIC-3
        return self.ok(license=info)

    def permissions_list(self, req):
        """C-PERM-1: every permission with its roles, to any authenticated user."""
        with self.store.lock:
            rows = [{"_id": p, "roles": list(roles), "_updatedAt": "2026-01-01T00:00:00.000Z"}
                    for p, roles in sorted(self.store.permission_roles.items())]
        return self.ok(update=rows, remove=[])

    def permissions_update(self, req):
        """C-PERM-2: {permissions: [{_id, roles}]} sets each permission's roles exactly; an unknown permission or
        role fails the whole request before anything is set."""
        store = self.store
        body = req.body if isinstance(req.body, dict) else {}
        items = body.get("permissions")
        if set(body) != {"permissions"} or not isinstance(items, list) or not all(
                isinstance(i, dict) and set(i) == {"_id", "roles"} and isinstance(i["_id"], str)
                and isinstance(i["roles"], list) and all(isinstance(r, str) for r in i["roles"])
                and len(set(i["roles"])) == len(i["roles"]) for i in items):
            raise self.failure("Invalid body params", "error-invalid-body-params")
        with store.lock:
            if any(i["_id"] not in store.permission_roles for i in items):
                raise self.failure("Invalid permission", "error-invalid-permission")
            if any(r not in KNOWN_ROLES for i in items for r in i["roles"]):
                raise self.failure("Invalid role", "error-invalid-role")
            for i in items:
                store.permission_roles[i["_id"]] = list(i["roles"])
            rows = [{"_id": p, "roles": list(roles)} for p, roles in sorted(store.permission_roles.items())]
        return self.ok(permissions=rows)
