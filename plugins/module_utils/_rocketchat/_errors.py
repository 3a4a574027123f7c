# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Exceptions of the Rocket.Chat layer. Each carries a message meant for the user as is."""

from __future__ import annotations


class RocketChatError(Exception):
    """Base class. ``status`` and ``body`` describe the HTTP answer when there was one."""

    def __init__(self, msg, status=None, body=None):
        super(RocketChatError, self).__init__(msg)
        self.msg = msg
        self.status = status
        self.body = body


class RocketChatConnectionError(RocketChatError):
    """The server could not be reached (after retries), or TLS failed."""


class RocketChatServerError(RocketChatError):
    """5xx answers persisted through the retries, or the answer was not the Rocket.Chat API."""


class RocketChatAuthError(RocketChatError):
    """The credentials were rejected (bad token, bad user id, wrong password)."""


class RocketChatPermissionError(RocketChatError):
    """The user is known but lacks a permission for the call."""


class RocketChatTwoFactorError(RocketChatError):
    """The call needs a second factor (totp-required) or the code was refused (totp-invalid)."""


class RocketChatRateLimitError(RocketChatError):
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
