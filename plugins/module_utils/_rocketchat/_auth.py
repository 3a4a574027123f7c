# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""How the Rocket.Chat client authenticates: a personal access token (``X-User-Id`` + ``X-Auth-Token``) or a
username/password login, and the second factor Rocket.Chat asks for on privileged writes."""

from __future__ import annotations

import hashlib

from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat import _endpoints as endpoints
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._errors import (
    RocketChatAuthError,
    RocketChatTwoFactorError,
    details_method,
    unexpected_error,
)


def sha256_hex(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class RocketChatAuth(object):
    """Mixin of the transport: needs ``_exchange`` and the credential attributes it sets."""

    def login(self):
        """Username/password login (with the TOTP code when given); sets user id and token."""
        body = {"user": self.username, "password": self.password}
        if self.two_factor_code:
            body["code"] = self.two_factor_code
        status, data, _headers = self._exchange("POST", endpoints.LOGIN, body=body, auth=False, what="log in")
        if status == 200 and isinstance(data, dict) and data.get("status") == "success":
            self.user_id = data["data"]["userId"]
            self.auth_token = data["data"]["authToken"]
            self.logged_in = True
            return
        error = data.get("error") if isinstance(data, dict) else None
        if error == "totp-required":
            raise RocketChatTwoFactorError(
                "Rocket.Chat asks user %s for a second factor to log in (%s). Give two_factor_code (a current "
                "TOTP code), or use a personal access token created with 'Ignore Two Factor Authentication' "
                "(bypassTwoFactor) instead of username/password." % (self.username, details_method(data)),
                status=status, body=data)
        if error == "totp-invalid":
            raise RocketChatTwoFactorError("Rocket.Chat refused two_factor_code for user %s at login (totp-invalid): "
                                           "the code is wrong or expired." % self.username, status=status, body=data)
        if status == 401:
            raise RocketChatAuthError("Rocket.Chat refused the login of user %s (HTTP 401 %s): check username and "
                                      "password." % (self.username, error or "Unauthorized"), status=status, body=data)
        raise unexpected_error(status, data, "log in")

    def ensure_auth(self):
        if not self.auth_token and self.username:
            self.login()

    def _auth_headers(self):
        if self.user_id and self.auth_token:
            return {"X-User-Id": self.user_id, "X-Auth-Token": self.auth_token}
        return {}

    def two_factor_headers(self):
        method = self.two_factor_method
        if self.two_factor_code and method != "password":
            return {"X-2FA-Code": str(self.two_factor_code), "X-2FA-Method": method or "totp"}
        if self.password and method in (None, "password"):
            return {"X-2FA-Code": sha256_hex(self.password), "X-2FA-Method": "password"}
        return {}
