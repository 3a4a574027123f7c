"""Two-factor authentication as Rocket.Chat checks it (CONTRACT.md C-2FA): the state (``checkCodeForUser``: methods,
codes, the remember window) as a mixin of the store, and the wrapper step of the request pipeline as a mixin of the
emulator."""
import hashlib

from . import totp as totp_lib
from .profiles import sha256_hex


def totp_label(error_type):
    """The message prefix Rocket.Chat gives a two-factor error."""
    return "TOTP Required" if error_type == "totp-required" else "TOTP Invalid"


class TwoFactorState:
    """Mixin of the store: needs ``value``, ``clock``, ``remembered`` and ``outbox``."""

    def methods_for(self, user):
        methods = []
        if user.get("totp_secret"):
            methods.append("totp")
        if self.value("Accounts_TwoFactorAuthentication_By_Email_Enabled") and user.get("email2fa") and \
                any(e["verified"] for e in user["emails"]):
            methods.append("email")
        if self.value("Accounts_TwoFactorAuthentication_Enforce_Password_Fallback") and user.get("password"):
            methods.append("password")
        return methods

    def check_two_factor(self, user, token_doc, code, method_header, fingerprint, disable_remember=False,
                         for_login=False):
        """None when the call may proceed, else (errorType, details) for a totp-required / totp-invalid answer."""
        if not self.value("Accounts_TwoFactorAuthentication_Enabled"):
            return None
        now = self.clock()
        remember_for = self.value("Accounts_TwoFactorAuthentication_RememberFor") or 0
        if token_doc is not None:
            if token_doc.get("bypassTwoFactor") is True:
                return None
            if not disable_remember:
                until = self.remembered.get((token_doc["hashedToken"], fingerprint))
                if until and until > now:
                    return None
                if user["createdAt"] + remember_for > now:
                    return None
        available = self.methods_for(user)
        if for_login:  # login already proves the password: no password fallback there
            available = [m for m in available if m != "password"]
        if not available:
            return None
        method = method_header if method_header in available else available[0]
        if not code:
            generated = False
            if method == "email":
                self.outbox.append({"to": user["emails"][0]["address"], "code": self._email_code(user)})
                generated = True
            return ("totp-required", {"method": method, "codeGenerated": generated, "availableMethods": available})
        if not self._verify(user, method, code):
            return ("totp-invalid", {"method": method})
        if token_doc is not None and not disable_remember and remember_for:
            self.remembered[(token_doc["hashedToken"], fingerprint)] = now + remember_for
        return None

    def _email_code(self, user):
        code = str(int(hashlib.sha256((user["_id"] + str(len(self.outbox))).encode()).hexdigest(), 16) % 1000000)
        user["email_code"] = code.zfill(6)
        return user["email_code"]

    def _verify(self, user, method, code):
        if method == "totp":
            return totp_lib.verify(user["totp_secret"], code, at=self.clock())
        if method == "email":
            return bool(user.get("email_code")) and code == user["email_code"]
        if method == "password":
            return str(code).lower() == sha256_hex(user["password"])
        return False


class TwoFactorStep:
    """Mixin of the emulator: the two-factor wrapper of routes that have one (``twoFactorRequired``)."""

    def two_factor_failure(self, outcome):
        error_type, details = outcome
        return self.failure("%s [%s]" % (totp_label(error_type), error_type), error_type, details)

    def require_two_factor(self, req, disable_remember=False):
        """Raise the 400 totp-required / totp-invalid answer unless the call may proceed."""
        outcome = self.store.check_two_factor(req.user, req.token_doc, req.header("x-2fa-code"),
                                              req.header("x-2fa-method"), req.fingerprint,
                                              disable_remember=disable_remember)
        if outcome:
            raise self.two_factor_failure(outcome)
