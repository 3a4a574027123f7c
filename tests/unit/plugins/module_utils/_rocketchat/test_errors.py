# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The exception classes of the Rocket.Chat layer: what callers catch and what they read from them."""

from __future__ import annotations

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat import _errors as errors


@pytest.mark.parametrize("cls", [
    errors.RocketChatConnectionError, errors.RocketChatServerError, errors.RocketChatAuthError,
    errors.RocketChatPermissionError, errors.RocketChatTwoFactorError, errors.RocketChatRateLimitError,
    errors.RocketChatVersionError, errors.RocketChatValidationError,
])
def test_every_error_is_a_rocketchat_error_carrying_msg_status_body(cls):
    exc = cls("the server said no", status=403, body={"success": False})
    assert isinstance(exc, errors.RocketChatError)
    assert exc.msg == "the server said no"
    assert str(exc) == "the server said no"
    assert exc.status == 403
    assert exc.body == {"success": False}


def test_status_and_body_default_to_none():
    exc = errors.RocketChatError("no answer")
    assert exc.status is None
    assert exc.body is None


def test_setting_not_found_lists_the_ids_as_a_new_list():
    ids = ("FEDERATION_Domain", "Federation_Service_Domain")
    exc = errors.RocketChatSettingNotFound("unknown settings", ids, status=400)
    assert isinstance(exc, errors.RocketChatError)
    assert exc.setting_ids == ["FEDERATION_Domain", "Federation_Service_Domain"]
    assert exc.status == 400
    assert exc.msg == "unknown settings"


def test_auth_errors_are_not_caught_as_connection_errors():
    """Retry code catches connection faults; a rejected token must not look like one."""
    with pytest.raises(errors.RocketChatAuthError):
        try:
            raise errors.RocketChatAuthError("bad token", status=401)
        except errors.RocketChatConnectionError:  # pragma: no cover - the test fails if this catches
            pytest.fail("an auth error was caught as a connection error")
