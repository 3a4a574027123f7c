"""Personal access tokens: generate, regenerate, remove, list."""
import hashlib
import time


class TokenEndpoints:
    """Personal access tokens: generate, regenerate, remove, list."""

    # --- PATs ---------------------------------------------------------------------------------------------
    def _pat_permission(self, req):
        if not self.store.has_permission(req.user, "create-personal-access-tokens"):
            raise self.unauthorized()

    def pat_generate(self, req):
        self._pat_permission(req)
        name = (req.body or {}).get("tokenName")
        if not name:
            raise self.failure("Param 'tokenName' is missing", "error-token-name-missing")
        user_id = req.user["_id"]
        if any(d.get("name") == name and d["userId"] == user_id for d in self.store.tokens.values()):
            raise self.failure("A token with this name already exists [error-token-already-exists]",
                               "error-token-already-exists")
        token = hashlib.sha256(("%s-%s-%s" % (user_id, name, time.time())).encode()).hexdigest()[:43]
        self.store.add_token(user_id, token, pat_name=name, bypass=bool((req.body or {}).get("bypassTwoFactor")))
        return self.ok(token=token)

    def pat_regenerate(self, req):
        self._pat_permission(req)
        name = (req.body or {}).get("tokenName")
        found = [h for h, d in self.store.tokens.items() if d.get("name") == name and d["userId"] == req.user["_id"]]
        if not found:
            raise self.failure("Invalid token [error-invalid-token]", "error-invalid-token")
        bypass = self.store.tokens.pop(found[0]).get("bypassTwoFactor", False)
        token = hashlib.sha256(("%s-%s-%s-r" % (req.user["_id"], name, time.time())).encode()).hexdigest()[:43]
        self.store.add_token(req.user["_id"], token, pat_name=name, bypass=bypass)
        return self.ok(token=token)

    def pat_remove(self, req):
        self._pat_permission(req)
        name = (req.body or {}).get("tokenName")
        found = [h for h, d in self.store.tokens.items() if d.get("name") == name and d["userId"] == req.user["_id"]]
        if not found:
            raise self.failure("Invalid token [error-invalid-token]", "error-invalid-token")
        self.store.tokens.pop(found[0])
        return self.ok()

    def pat_list(self, req):
        self._pat_permission(req)
        tokens = [{"name": d["name"], "createdAt": d["createdAt"], "lastTokenPart": d["lastTokenPart"],
                   "bypassTwoFactor": d["bypassTwoFactor"]}
                  for d in self.store.tokens.values() if d.get("type") == "personalAccessToken"
                  and d["userId"] == req.user["_id"]]
        return self.ok(tokens=tokens)
