# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Application service (the Rocket.Chat bridge) checks through and as the homeserver."""

from __future__ import annotations

from urllib.parse import quote

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._https import HttpError
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check._report import FAIL, PASS, record


PING_HINTS = {
    "M_FORBIDDEN": "the as_token is not this appservice's token on this homeserver (or the id differs): compare the "
                   "registration file's id/as_token with Rocket.Chat's Federation_Matrix_id/_as_token, then restart "
                   "Synapse (it reads registration files at startup)",
    "M_UNKNOWN_TOKEN": "the homeserver does not know this as_token: add the registration file to "
                       "app_service_config_files and restart Synapse, or fix the token",
    "M_URL_NOT_SET": "the registration has url: null; set it to the bridge URL (Federation_Matrix_bridge_url)",
    "M_CONNECTION_FAILED": "Synapse cannot reach the bridge: fix the registration url or start/open the bridge "
                           "listener (default port 3300)",
    "M_CONNECTION_TIMEOUT": "the bridge does not answer Synapse in time: check the bridge URL and firewalls",
}


def check_appservice(ctx, base_url):
    opts = ctx.options["appservice"]
    as_id = opts["id"]
    url = "%s/_matrix/client/v1/appservice/%s/ping" % (base_url.rstrip("/"), quote(as_id, safe=""))
    body = {"transaction_id": "fedops-check-%d" % int(ctx.now * 1000)}
    try:
        response = ctx.http.request_url(url, "POST", headers={"Authorization": "Bearer %s" % opts["as_token"]},
                                        body=body)
    except HttpError as exc:
        return record("appservice_ping", FAIL, "POST %s: %s" % (url, exc.message),
                      "give appservice.homeserver_url the client API URL of the homeserver", as_id)
    try:
        content = response.json()
    except ValueError:
        content = {}
    if not isinstance(content, dict):
        content = {}
    if response.status == 200:
        return record("appservice_ping", PASS, "Synapse reached the appservice in %s ms" % content.get("duration_ms"),
                      target=as_id, data=content)
    code = content.get("errcode")
    detail = "POST %s: HTTP %d %s %s" % (url, response.status, code or "", content.get("error") or "")
    if code == "M_BAD_STATUS":
        detail += " (the appservice answered %s)" % content.get("status")
        if content.get("status") in (401, 403):
            hint = ("the bridge rejected Synapse's hs_token: the registration's hs_token differs from Rocket.Chat's "
                    "Federation_Matrix_hs_token (Rocket.Chat >= 6.7 ignores registration.yaml; template both from "
                    "one variable), or a 6.x bridge needs use_appservice_legacy_authorization")
        else:
            hint = "the appservice answered the ping with an error: check the bridge's log"
    elif response.status == 404 and code in (None, "M_UNRECOGNIZED"):
        hint = "the homeserver has no appservice ping endpoint (Synapse >= 1.84 needed) or base_url is wrong"
    else:
        hint = PING_HINTS.get(code, "check the appservice id and as_token")
    return record("appservice_ping", FAIL, detail.strip(), hint, as_id, content)

