# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Client for Rocket.Chat's REST API: the calls (:mod:`_exchange`: retries, rate limits, errors) over a ``requests``
session (:mod:`_transport`), authentication (:mod:`_auth`), the settings (:mod:`_settings_api`) and the release it
talks to (:mod:`_version`). Every endpoint it calls is in :mod:`_endpoints`.

* Auth: personal access token (``X-User-Id`` + ``X-Auth-Token``) or username/password login (logged out
  again on ``close()``); second factor by TOTP/e-mail code or the password method.
* Reading many settings takes as few requests as the release allows (:meth:`SettingsApi.get_settings`);
  the first 401/403 of concurrent reads cancels the others and fails at once.
"""

from __future__ import annotations

from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._auth import sha256_hex  # noqa: F401  pylint: disable=unused-import
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._settings_api import SettingsApi
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._transport import (  # noqa: F401  pylint: disable=unused-import
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    RocketChatTransport,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._version import VersionApi


class RocketChatClient(RocketChatTransport, SettingsApi, VersionApi):
    """The client of Rocket.Chat's REST API, over ``requests`` (or the ``session`` given)."""
