"""Login, logout and me: the REST authentication endpoints of the emulator."""
import hashlib
import time

from .api import ApiResponse
from .twofactor import totp_label


class AuthEndpoints:
    """Login, logout and me: the REST authentication endpoints of the emulator."""

    def login(self, req):
        store = self.store
        body = req.body if isinstance(req.body, dict) else {}
        ident = body.get("user") or body.get("username") or body.get("email")
        password = body.get("password")
        if isinstance(password, dict) and "hashed" in password:
            digest = str(password["hashed"]).lower()
        elif isinstance(password, str):
            digest = hashlib.sha256(password.encode("utf-8")).hexdigest()
        else:
            digest = None
        user = store.user_by_login(ident) if isinstance(ident, str) else None
        if user is None or digest is None or not user.get("password") or \
                hashlib.sha256(user["password"].encode("utf-8")).hexdigest() != digest:
            raise ApiResponse(401, {"status": "error", "error": "Unauthorized", "message": "Unauthorized"})
        code = body.get("code") or req.header("x-2fa-code")
        outcome = store.check_two_factor(user, None, code, req.header("x-2fa-method"), req.fingerprint,
                                         for_login=True)
        if outcome:
            error_type, details = outcome
            raise ApiResponse(401, {"status": "error", "error": error_type, "details": details,
                                    "message": "%s [%s]" % (totp_label(error_type), error_type)})
        token = hashlib.sha256(("%s-%s-%s" % (user["_id"], time.time(), len(store.tokens))).encode()).hexdigest()[:43]
        store.add_token(user["_id"], token)
        return ApiResponse(200, {"status": "success", "data": {
            "userId": user["_id"], "authToken": token,
            "me": {"_id": user["_id"], "username": user["username"], "roles": user["roles"], "active": True}}})

    def logout(self, req):
        self.store.tokens.pop(req.token_doc["hashedToken"], None)
        return ApiResponse(200, {"status": "success", "data": {"message": "You've been logged out!"}})

    def me(self, req):
        user = req.user
        return self.ok(_id=user["_id"], username=user["username"], roles=user["roles"], emails=user["emails"],
                       active=True, services={"password": {"exists": bool(user.get("password"))},
                                              "totp": {"enabled": bool(user.get("totp_secret"))},
                                              "email2fa": {"enabled": user.get("email2fa", False)}})
