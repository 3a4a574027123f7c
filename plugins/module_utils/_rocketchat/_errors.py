# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Exceptions of the Rocket.Chat layer, and the rules that turn the API's error answers into them. Each carries a
message meant for the user as is."""

from __future__ import annotations

from ansible_collections.fedops.rocketchat.plugins.module_utils._http_contract import (
    AuthFailure,
    ClientFailure,
    NotFoundFailure,
    RateLimitedFailure,
    ServerFailure,
    TimeoutFailure,
    TLSFailure,
    UnreachableFailure,
)

import json


class RocketChatError(Exception):
    """Base class. ``status`` and ``body`` describe the HTTP answer when there was one."""

    def __init__(self, msg, status=None, body=None):
        super(RocketChatError, self).__init__(msg)
        self.msg = msg
        self.status = status
        self.body = body


class RocketChatConnectionError(RocketChatError):
    """The server could not be reached (after retries), or TLS failed."""


class RocketChatUnreachableError(RocketChatConnectionError, UnreachableFailure):
    """No connection to the server (refused, reset, name not resolved), also after the retries."""


class RocketChatTLSError(RocketChatConnectionError, TLSFailure):
    """The server's certificate did not verify, or the TLS handshake failed."""


class RocketChatTimeoutError(RocketChatConnectionError, TimeoutFailure):
    """The server did not answer within ``timeout``, also after the retries."""


class RocketChatServerError(RocketChatError):
    """5xx answers persisted through the retries, or the answer was not the Rocket.Chat API."""


class RocketChatUnavailableError(RocketChatServerError, ServerFailure):
    """5xx answers: after the retries for a GET, at once for a call that is not idempotent."""


class RocketChatNotFoundError(RocketChatServerError, NotFoundFailure):
    """HTTP 404: the server has no such API endpoint (wrong url or release)."""


class RocketChatClientError(RocketChatError, ClientFailure):
    """Any other 4xx: Rocket.Chat refused the call itself."""


class RocketChatAuthError(RocketChatError, AuthFailure):
    """The credentials were rejected (bad token, bad user id, wrong password)."""


class RocketChatPermissionError(RocketChatError, AuthFailure):
    """The user is known but lacks a permission for the call."""


class RocketChatTwoFactorError(RocketChatError):
    """The call needs a second factor (totp-required) or the code was refused (totp-invalid)."""


class RocketChatRateLimitError(RocketChatError, RateLimitedFailure):
    """Rate limited for longer than the caller allows to wait."""


class RocketChatSettingNotFound(RocketChatError):
    """A setting id is unknown or hidden on this server."""

    def __init__(self, msg, setting_ids, status=None, body=None):
        super(RocketChatSettingNotFound, self).__init__(msg, status=status, body=body)
        self.setting_ids = list(setting_ids)


class RocketChatVersionError(RocketChatError):
    """The server's release does not support what was asked."""


class RocketChatValidationError(RocketChatError):
    """Input refused before anything was written."""


NOT_LOGGED_IN = "You must be logged in to do this."
TWO_FACTOR_HINT = ("Use a personal access token created with 'Ignore Two Factor Authentication' (bypassTwoFactor), "
                   "or give two_factor_code (a current TOTP code), or give password so the password method "
                   "(X-2FA-Method: password) can answer the challenge.")


def http_error(status, data, what, who, base_url, permission=None):
    """The exception for an HTTP error answer of the REST API, naming the cause and the fix."""
    body = data if isinstance(data, dict) else {}
    error = body.get("error")
    error_type = body.get("errorType")
    if status == 401 and error != "unauthorized":
        return RocketChatAuthError(
            "Rocket.Chat rejected the credentials (HTTP 401: %s) trying to %s. Check user_id and auth_token "
            "(a personal access token and the id of the user who owns it), or username and password."
            % (error or NOT_LOGGED_IN, what), status=status, body=body)
    if status in (401, 403):
        need = (" It needs the %s permission." % permission) if permission else ""
        return RocketChatPermissionError(
            "Rocket.Chat user %s may not %s (HTTP %d: %s).%s Use a token of an administrator or grant the "
            "permission to one of the user's roles."
            % (who, what, status, error or "forbidden", need), status=status, body=body)
    if error_type in ("totp-required", "totp-invalid") or error in ("totp-required", "totp-invalid"):
        return two_factor_error(error_type or error, body.get("details"), what, status, body)
    if status == 404:
        return RocketChatNotFoundError("Rocket.Chat at %s has no API endpoint to %s (HTTP 404); check url and the "
                                       "Rocket.Chat release." % (base_url, what),
                                       status=status, body=body)
    return unexpected_error(status, body, what)


def two_factor_error(kind, details, what, status=None, body=None):
    """The exception for a second-factor challenge (totp-required) or a refused code (totp-invalid)."""
    method = (details or {}).get("method") if isinstance(details, dict) else None
    if kind == "totp-invalid":
        return RocketChatTwoFactorError(
            "Rocket.Chat refused the second factor (totp-invalid, method %s) to %s: the code is wrong or "
            "expired, or the password does not match. %s" % (method or "?", what, TWO_FACTOR_HINT),
            status=status, body=body)
    available = (details or {}).get("availableMethods") if isinstance(details, dict) else None
    return RocketChatTwoFactorError(
        "Rocket.Chat requires a second factor (totp-required, method %s%s) to %s. %s"
        % (method or "?", (", available: %s" % ", ".join(available)) if available else "", what, TWO_FACTOR_HINT),
        status=status, body=body)


def unexpected_error(status, body, what):
    """The exception for an answer no other rule explains, with what the server said."""
    if isinstance(body, dict):
        detail = body.get("error") or body.get("message") or json.dumps(body, sort_keys=True)
    else:
        detail = str(body)
    cls = RocketChatUnavailableError if isinstance(status, int) and status >= 500 else RocketChatClientError
    return cls("Rocket.Chat refused to %s (HTTP %s: %s)." % (what, status, detail), status=status, body=body)


def method_error(error, what, values, who):
    """The exception for an error a method call (saveSettings) answered inside its HTTP 200."""
    code = error.get("error") if isinstance(error, dict) else error
    reason = error.get("reason") if isinstance(error, dict) else None
    details = error.get("details") if isinstance(error, dict) else None
    if code in ("totp-required", "totp-invalid"):
        return two_factor_error(code, details, what)
    if code == "error-action-not-allowed":
        ids = (details or {}).get("settingIds") or list(values)
        return RocketChatPermissionError(
            "Rocket.Chat user %s may not change %s (saveSettings: error-action-not-allowed). It needs the "
            "edit-privileged-setting permission, or manage-selected-settings with change-setting-<id>; a "
            "setting blocked by SETTINGS_BLOCKED cannot be changed at all." % (
                who, ", ".join(ids)), body=error)
    if code == "too-many-requests":
        return RocketChatRateLimitError("Rocket.Chat's method rate limit refused saveSettings: %s" % reason)
    if code == 404 or (isinstance(code, str) and "not-found" in code):
        return RocketChatError("saveSettings is not available: %s" % (reason or code), body=error)
    return RocketChatError("Rocket.Chat refused to %s (saveSettings: %s%s)." % (
        what, code, (" - %s" % reason) if reason else ""), body=error)


def details_method(data):
    """The second-factor method a totp-required answer names, for messages."""
    details = data.get("details") if isinstance(data, dict) else None
    if isinstance(details, dict) and details.get("method"):
        return "method %s" % details["method"]
    return "totp-required"
