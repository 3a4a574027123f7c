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


# Synapse >= 1.90 (synapse/appservice/api.py, push_bulk): PUT <url>/_matrix/app/v1/transactions/<txn id> with the
# header "Authorization: Bearer <hs_token>", plus "?access_token=<hs_token>" only when homeserver.yaml has
# use_appservice_legacy_authorization: true. matrix-appservice 0.10.0 (lib/app-service.js, isInvalidToken), which
# every Rocket.Chat bridge release (4.7 - 7.10) embeds, reads only the access_token query parameter and answers
# 403 M_FORBIDDEN otherwise.
TRANSACTION_PATH = "/_matrix/app/v1/transactions/"
LEGACY_AUTH_OPTION = "use_appservice_legacy_authorization: true"


def transaction_id(now):
    """A transaction id no homeserver uses (Synapse counts integers), unique per run."""
    return "fedops-check-%d" % int(now * 1000000)


def _put_transaction(ctx, url, txn_id, hs_token, legacy):
    target = "%s%s%s" % (url.rstrip("/"), TRANSACTION_PATH, quote(txn_id, safe=""))
    shown = target + ("?access_token=<hs_token>" if legacy else "")
    if legacy:
        target += "?access_token=%s" % quote(hs_token, safe="")
    response = ctx.http.request_url(target, "PUT", headers={"Authorization": "Bearer %s" % hs_token},
                                    body={"events": []})
    return response, shown


def check_appservice_transaction(ctx):
    """Send the bridge an empty transaction authenticated exactly as the homeserver sends it.

    The appservice ping cannot see a bridge that accepts the ping but refuses transactions: this can.
    """
    opts = ctx.options["appservice"]
    as_id = opts["id"]
    legacy = bool(opts.get("legacy_authorization"))
    how = "header and ?access_token= (legacy authorization)" if legacy else "Authorization header only"
    txn_id = transaction_id(ctx.now)
    try:
        response, shown = _put_transaction(ctx, opts["url"], txn_id, opts["hs_token"], legacy)
    except HttpError as exc:
        return record("appservice_transaction", FAIL, "PUT %s%s...: %s" % (opts["url"].rstrip("/"), TRANSACTION_PATH,
                                                                           exc.message),
                      "the bridge does not answer at appservice.url: start the bridge (Rocket.Chat's bridge listens on "
                      "Federation_Matrix_bridge_url, default port 3300), or give the URL the homeserver uses "
                      "(the registration's url)", as_id, {"authorization": how})
    data = {"url": shown, "status": response.status, "authorization": how}
    if response.status == 200:
        return record("appservice_transaction", PASS, "the bridge accepted an empty transaction sent as the homeserver "
                      "sends it (%s)" % how, target=as_id, data=data)
    detail = "PUT %s (%s): HTTP %d%s" % (shown, how, response.status, _errcode(response))
    if response.status not in (401, 403):
        if response.status == 404:
            hint = ("no transactions endpoint at appservice.url: it must be the bridge's base URL as in the "
                    "registration's url (Federation_Matrix_bridge_url), without a path")
        else:
            hint = "the bridge failed on an empty transaction: check the bridge's log"
        return record("appservice_transaction", FAIL, detail, hint, as_id, data)
    if legacy:
        return record("appservice_transaction", FAIL, detail, _hs_token_hint(), as_id, data)
    try:
        legacy_response, legacy_shown = _put_transaction(ctx, opts["url"], transaction_id(ctx.now) + "-legacy",
                                                         opts["hs_token"], True)
    except HttpError as exc:
        legacy_response, legacy_shown = None, exc.message
    data["legacy_status"] = getattr(legacy_response, "status", None)
    if legacy_response is not None and legacy_response.status == 200:
        return record("appservice_transaction", FAIL,
                      detail + "; with ?access_token= it is accepted: the bridge reads the token only from the query "
                      "string (Rocket.Chat 4.7-7.10's bridge embeds matrix-appservice 0.10.0), so every transaction "
                      "the homeserver sends is refused",
                      "set %s in Synapse's homeserver.yaml (Synapse ignores the key inside a registration file) and "
                      "restart Synapse; then run this check with appservice.legacy_authorization: true"
                      % LEGACY_AUTH_OPTION, as_id, data)
    return record("appservice_transaction", FAIL, "%s; with ?access_token= also refused (%s)" % (
        detail, "HTTP %d" % legacy_response.status if legacy_response is not None else legacy_shown),
        _hs_token_hint(), as_id, data)


def _hs_token_hint():
    return ("the hs_token differs: the bridge refuses it with and without legacy authorization, so the "
            "registration's hs_token (what the homeserver sends) is not Rocket.Chat's Federation_Matrix_hs_token (what "
            "the bridge expects); template both from one variable, restart Synapse and Rocket.Chat, and give that "
            "token as appservice.hs_token")


def _errcode(response):
    try:
        content = response.json()
    except (ValueError, AttributeError):
        return ""
    if isinstance(content, dict) and content.get("errcode"):
        return " %s" % content["errcode"]
    return ""
