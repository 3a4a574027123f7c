# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Every Rocket.Chat REST endpoint the collection calls, in one place (routes as Rocket.Chat declares them in
``apps/meteor/app/api/server/v1/*.ts`` and ``apps/meteor/app/api/server/api.ts``)."""

from __future__ import annotations

from urllib.parse import quote

INFO = "/api/info"                                      # release; public (major.minor) or full with permissions
LOGIN = "/api/v1/login"
LOGOUT = "/api/v1/logout"
ME = "/api/v1/me"                                       # who the credentials are; its own rate-limit bucket
SETTINGS = "/api/v1/settings"                           # GET: the list; POST (8.6+): the bulk write
SETTING_ROUTE = "/api/v1/settings/:_id"                 # the rate-limit bucket of settings/<id>
SAVE_SETTINGS_METHOD = "/api/v1/method.call/saveSettings"   # the bulk write before 8.6
LICENSES_INFO = "/api/v1/licenses.info"
PERMISSIONS_LIST = "/api/v1/permissions.listAll"     # any authenticated user
PERMISSIONS_UPDATE = "/api/v1/permissions.update"    # needs access-permissions
API_V1 = "/api/v1/"


def setting(setting_id):
    """``/api/v1/settings/<id>``."""
    return "/api/v1/settings/%s" % quote(setting_id, safe="")
