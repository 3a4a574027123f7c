# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Rocket.Chat's settings over REST: reading many in as few requests as the release allows, and the three ways
of writing them (bulk on 8.6+, ``method.call/saveSettings`` before, one by one)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor, as_completed

from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat import _endpoints as endpoints
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._errors import (
    RocketChatError,
    RocketChatServerError,
    RocketChatSettingNotFound,
    method_error,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._ratelimit import Cancelled


class SettingsApi(object):
    """Mixin of the client: needs ``request``, ``_exchange``, ``_http_error``, ``version`` and the session pool."""

    def not_found(self, ids):
        ids = sorted(ids)
        try:
            version = self.version()
        except RocketChatError:
            version = "(release unknown: /api/info failed)"
        return RocketChatSettingNotFound(
            "setting%s %s do%s not exist or %s hidden on Rocket.Chat %s (HTTP 400 from GET settings/<id>). "
            "Check the id's spelling and the release it exists in; a hidden setting (SETTINGS_HIDDEN, or hidden "
            "by the release) cannot be managed over REST." % (
                "s" if len(ids) > 1 else "", ", ".join(ids), "" if len(ids) > 1 else "es",
                "are" if len(ids) > 1 else "is", version), ids)

    def _get_setting_raw(self, setting_id):
        status, data, _headers = self._exchange(
            "GET", endpoints.setting(setting_id), bucket=("GET", endpoints.SETTING_ROUTE),
            what="read setting %s" % setting_id)
        return status, data

    def _list_settings(self, ids, version):
        """One ``GET /api/v1/settings`` for many ids: {id: value} for the wanted ids the answer carried.

        What each release offers for reading many settings at once (``apps/meteor/app/api/server/v1/
        settings.ts`` and ``helpers/parseJsonQuery.ts`` / ``getPaginationItems.ts`` of Rocket.Chat):

        * the list route needs only a login; it returns every setting that is not hidden (only the public
          ones without ``view-privileged-setting``), as ``{_id, value, ...}``, one page of ``count`` rows;
        * ``count=0`` means "no limit" while ``API_Allow_Infinite_Count`` is on (its shipped default), so one
          request carries them all; with it off the page is ``API_Default_Count`` rows;
        * before 7.0 the deprecated ``query`` parameter is honoured, so ``{"_id": {"$in": ids}}`` returns just
          the wanted ids; from 7.0 it is ignored unless ``ALLOW_UNSAFE_QUERY_AND_FIELDS_API_PARAMS`` is set, and
          8.x no longer parses it (the schema of 8.x still accepts it): it is not sent there;
        * there is no id filter on the private list in any release (``settings.public?_id=`` (7.0+) covers
          public settings only), and from 8.6 the list masks secret and password values (``value: ''`` plus
          ``hasValue``): those are read one by one.

        Ids the answer does not carry (hidden, unknown, not visible to the user, beyond the page) are read by
        id by the caller, which tells a missing setting from a missing permission.
        """
        params = {"count": 0}
        if not version.at_least(7, 0):
            params["query"] = json.dumps({"_id": {"$in": ids}}, separators=(",", ":"))
        status, data, _headers = self._exchange("GET", endpoints.SETTINGS, params=params, bucket=("GET", endpoints.SETTINGS),
                                                what="read settings %s" % ", ".join(ids))
        if status in (401, 403):
            raise self._http_error(status, data, "read settings %s" % ", ".join(ids),
                                   permission="view-privileged-setting")
        rows = data.get("settings") if status == 200 and isinstance(data, dict) else None
        if not isinstance(rows, list):
            return {}
        wanted = set(ids)
        found = {}
        for row in rows:
            if not isinstance(row, dict) or row.get("_id") not in wanted or "value" not in row:
                continue
            if "hasValue" in row:   # masked secret (8.6+)
                continue
            found[row["_id"]] = row["value"]
        return found

    def _fatal(self, setting_id, answer):
        """The error that ends the task for this read's answer (credentials, permission), else None."""
        status, data = answer
        if status in (401, 403):
            return self._http_error(status, data, "read setting %s" % setting_id, permission="view-privileged-setting")
        return None

    def _read_each(self, ids):
        """GET settings/<id> for each id, concurrently over the session's pool.

        The first read goes alone so the rate-limit headers (if any) are known before fanning out. The first
        answer that ends the task (401, 403, a connection failure) cancels the reads still queued or waiting
        and is raised at once.
        """
        results = {}
        if not ids:
            return results
        first = ids[0]
        results[first] = self._get_setting_raw(first)
        fatal = self._fatal(first, results[first])
        if fatal is not None:
            raise fatal
        rest = ids[1:]
        workers = min(self.max_workers, len(rest))
        if workers <= 1:
            for setting_id in rest:
                results[setting_id] = self._get_setting_raw(setting_id)
                fatal = self._fatal(setting_id, results[setting_id])
                if fatal is not None:
                    raise fatal
            return results
        pool = ThreadPoolExecutor(max_workers=workers)
        futures = dict((pool.submit(self._get_setting_raw, setting_id), setting_id) for setting_id in rest)
        try:
            for future in as_completed(futures):
                setting_id = futures[future]
                try:
                    results[setting_id] = future.result()
                except Cancelled:
                    continue
                fatal = self._fatal(setting_id, results[setting_id])
                if fatal is not None:
                    raise fatal
        except BaseException:
            self._cancel.set()
            for future in futures:
                future.cancel()
            raise
        finally:
            pool.shutdown(wait=True)
            self._cancel.clear()
        return results

    def get_settings(self, ids, missing_ok=False):
        """Read settings in as few requests as the release allows.

        Several ids: one ``GET /api/v1/settings`` (see :meth:`_list_settings`), then ``GET settings/<id>`` for
        the ids it did not carry. One id: ``GET settings/<id>``. Returns {id: value}; ids that are unknown or
        hidden raise (or are left out with ``missing_ok``); 401/403 raise at once.
        """
        self.ensure_auth()
        version = self.version()
        ids = list(dict.fromkeys(ids))
        values = {}
        if not ids:
            return values
        if len(ids) > 1:
            values.update(self._list_settings(ids, version))
        rest = [i for i in ids if i not in values]
        results = self._read_each(rest)
        missing = []
        for setting_id in rest:
            if self._found(setting_id, results[setting_id]):
                values[setting_id] = results[setting_id][1].get("value")
            else:
                missing.append(setting_id)
        if missing and not missing_ok:
            raise self.not_found(missing)
        return dict((i, values[i]) for i in ids if i in values)

    def get_setting(self, setting_id):
        """One setting's value in one request (``GET settings/<id>``); unknown or hidden raises
        :class:`RocketChatSettingNotFound`, 401/403 the client's credential or permission error."""
        self.ensure_auth()
        answer = self._get_setting_raw(setting_id)
        if not self._found(setting_id, answer):
            raise self.not_found([setting_id])
        return answer[1].get("value")

    def _found(self, setting_id, answer):
        """True for a setting's value, False for an unknown or hidden id (HTTP 400 without an error type);
        raises the mapped error for any other answer."""
        status, data = answer
        if status == 200 and isinstance(data, dict) and data.get("success") is True:
            return True
        if status == 400 and isinstance(data, dict) and not data.get("errorType") and set(data) <= {"success"}:
            return False
        raise self._http_error(status, data, "read setting %s" % setting_id, permission="view-privileged-setting")

    def save_settings_bulk(self, values):
        """POST /api/v1/settings (8.6+): one atomic, type-checked write."""
        # Every settings write sets absolute values (apps/meteor/app/api/server/v1/settings.ts), so a write lost
        # with its connection is sent again (idempotent=True), as a PUT would be.
        body = {"settings": [{"_id": k, "value": v} for k, v in values.items()]}
        self.request("POST", endpoints.SETTINGS, body=body, two_factor=True, idempotent=True,
                     what="write settings %s" % ", ".join(values), permission="edit-privileged-setting")

    def save_settings_method(self, values):
        """method.call/saveSettings (before 8.6): always HTTP 200, the outcome is inside ``message``."""
        message = json.dumps({"msg": "method", "id": "1", "method": "saveSettings",
                              "params": [[{"_id": k, "value": v} for k, v in values.items()]]})
        what = "write settings %s" % ", ".join(values)
        data, _headers = self.request("POST", endpoints.SAVE_SETTINGS_METHOD, body={"message": message},
                                      two_factor=True, what=what, permission="edit-privileged-setting",
                                      idempotent=True)
        try:
            result = json.loads(data.get("message"))
        except (TypeError, ValueError, AttributeError):
            raise RocketChatServerError("method.call/saveSettings answered without a readable result: %r" % (data,))
        error = result.get("error") if isinstance(result, dict) else None
        if not error:
            return True
        raise method_error(error, what, values, self.user_id or self.username)

    def save_setting(self, setting_id, value):
        """POST settings/<id>: 200 without a changed flag; 400 {success:false} for unknown, hidden, blocked."""
        path = endpoints.setting(setting_id)
        status, data, _headers = self._exchange("POST", path, body={"value": value}, two_factor=True, idempotent=True,
                                                bucket=("POST", endpoints.SETTING_ROUTE), what="write setting %s" % setting_id)
        if status == 200 and isinstance(data, dict) and data.get("success") is True:
            return
        if status == 400 and isinstance(data, dict) and set(data) <= {"success"}:
            raise RocketChatSettingNotFound(
                "Rocket.Chat refused to write setting %s (HTTP 400 without a message): it does not exist, is hidden, "
                "or is blocked by SETTINGS_BLOCKED on Rocket.Chat %s." % (setting_id, self.version()), [setting_id],
                status=status, body=data)
        raise self._http_error(status, data, "write setting %s" % setting_id, permission="edit-privileged-setting")

    def execute_action(self, setting_id):
        """Press an action setting (POST settings/<id> {"execute": true}); returns (ok, error message)."""
        path = endpoints.setting(setting_id)
        status, data, _headers = self._exchange("POST", path, body={"execute": True}, two_factor=True,
                                                bucket=("POST", endpoints.SETTING_ROUTE), what="run action %s" % setting_id)
        if status == 200 and isinstance(data, dict) and data.get("success") is True:
            return True, None
        two_factor = (None, "totp-required", "totp-invalid")
        if status == 400 and isinstance(data, dict) and data.get("errorType") not in two_factor:
            return False, data.get("error")
        if status == 400 and isinstance(data, dict) and set(data) <= {"success"}:
            raise self.not_found([setting_id])
        raise self._http_error(status, data, "run action %s" % setting_id, permission="edit-privileged-setting")
