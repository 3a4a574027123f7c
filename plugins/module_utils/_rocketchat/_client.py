# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""HTTP client for Rocket.Chat's REST API over one ``requests`` session.

* Keep-alive connection pool sized for the read concurrency (``max_workers``), blocking instead of
  opening throw-away connections.
* Auth: personal access token (``X-User-Id`` + ``X-Auth-Token``) or username/password login (logged out
  again on ``close()``); second factor by TOTP/e-mail code or the password method.
* Bounded retries with exponential backoff for connection errors and 5xx answers (``_retry``); answers
  that will not change on a retry (401, 403, 4xx) are never retried.
* Rate limits: the ``X-RateLimit-*`` headers are tracked per bucket (method + route pattern); calls wait
  until ``X-RateLimit-Reset`` (epoch milliseconds) instead of running into 429, and a 429 that happens
  anyway is waited out the same way, all bounded by ``rate_limit_max_wait`` (see :class:`RateLimitBudget`).
* Reading many settings takes as few requests as the release allows (:meth:`RocketChatClient.get_settings`);
  the first 401/403 of concurrent reads cancels the others and fails at once.
* Every failure becomes a :mod:`_errors` exception with a message that names the cause and the fix.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
import traceback
from urllib.parse import quote
from concurrent.futures import ThreadPoolExecutor, as_completed

from ansible_collections.fedops.rocketchat.plugins.module_utils._retry import RetryPolicy
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._errors import (
    RocketChatAuthError,
    RocketChatConnectionError,
    RocketChatError,
    RocketChatRateLimitError,
    RocketChatServerError,
    RocketChatSettingNotFound,
    RocketChatTwoFactorError,
    RocketChatValidationError,
    details_method,
    http_error,
    method_error,
    unexpected_error,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._ratelimit import (
    RateLimitBudget,
    Cancelled,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._version import RocketChatVersion

REQUESTS_IMPORT_ERROR = None
try:
    import requests
    from requests.adapters import HTTPAdapter
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_REQUESTS = True

MAX_RATE_LIMIT_RETRIES = 5

SETTING_ROUTE = "/api/v1/settings/:_id"
SETTINGS_ROUTE = "/api/v1/settings"
ME_PATH = "/api/v1/me"


def sha256_hex(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Transient(Exception):
    """A failure worth another attempt (connection error, timeout, 5xx)."""

    def __init__(self, msg, cause=None, response=None):
        super(_Transient, self).__init__(msg)
        self.cause = cause
        self.response = response


class RocketChatClient(object):
    def __init__(self, url, user_id=None, auth_token=None, username=None, password=None, two_factor_code=None,
                 two_factor_method=None, validate_certs=True, ca_path=None, timeout=30.0, retries=3,
                 rate_limit_max_wait=120.0, max_workers=8, sleep=time.sleep, clock=time.time, rng=None,
                 user_agent="fedops.rocketchat", rate_limit_state_dir=None):
        if not HAS_REQUESTS:
            raise RocketChatError("the Python library requests is required")
        for option, value in (("user_id", user_id), ("auth_token", auth_token), ("username", username)):
            if value is not None and not str(value).strip():
                raise RocketChatValidationError("%s is empty; give a value or leave the option out." % option)
        self.base_url = url.rstrip("/")
        self.user_id = user_id
        self.auth_token = auth_token
        self.username = username
        self.password = password
        self.two_factor_code = two_factor_code
        self.two_factor_method = two_factor_method
        self.timeout = timeout
        self.sleep = sleep
        self.clock = clock
        self.rng = rng
        self.max_workers = max(1, int(max_workers))
        self._cancel = threading.Event()
        self.policy = RetryPolicy(retries=max(0, int(retries)), base_delay=0.5, max_delay=8.0, sleep=self._pause,
                                  rng=rng)
        self.budget = RateLimitBudget(clock=clock, sleep=sleep, max_wait=rate_limit_max_wait)
        self.state_path = None
        if rate_limit_state_dir:
            # Rocket.Chat limits per client address, route and method, whoever the caller is: the windows are
            # the server's (keyed by its URL), and apply to a caller only once it is seen limited.
            server = hashlib.sha256(self.base_url.encode("utf-8")).hexdigest()[:32]
            self.state_path = os.path.join(rate_limit_state_dir, "ratelimit-%s.json" % server)
            self._load_state()
        self.logged_in = False
        self._authenticated = False   # an authenticated route answered 2xx: the credentials are good
        self._probed = False
        self.request_count = 0
        self.retried = 0
        self.rate_limited = 0
        self._count_lock = threading.Lock()
        self._version = None
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=self.max_workers, max_retries=0, pool_block=True)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.verify = ca_path if (validate_certs and ca_path) else bool(validate_certs)
        self.session.headers.update({"User-Agent": user_agent, "Accept": "application/json"})

    # --- lifecycle ----------------------------------------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            if self.logged_in:
                try:
                    self.request("POST", "/api/v1/logout", what="log out")
                except RocketChatError:
                    pass
                self.logged_in = False
        finally:
            self.session.close()
            self._save_state()

    # Rate-limit windows outlive one task: Rocket.Chat counts per client address, route and method for the
    # whole window, so a task right after another would otherwise learn of a used-up window only from a 429.
    # The file holds bucket names, counts and reset times (no credentials), keyed by a hash of the URL; the
    # windows in it are consulted only for a caller the server has been seen to limit (RateLimitBudget).
    def _load_state(self):
        self.budget.load_file(self.state_path)

    def _save_state(self):
        if self.state_path:
            self.budget.save_file(self.state_path)

    def login(self):
        """Username/password login (with the TOTP code when given); sets user id and token."""
        body = {"user": self.username, "password": self.password}
        if self.two_factor_code:
            body["code"] = self.two_factor_code
        status, data, _headers = self._exchange("POST", "/api/v1/login", body=body, auth=False, what="log in")
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

    # --- low level ----------------------------------------------------------------------------------
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

    def _pause(self, seconds):
        """Sleep between retries; cut short when another request of the task failed for good."""
        if self.sleep is time.sleep:
            self._cancel.wait(seconds)
        else:
            self.sleep(seconds)

    def _count(self, name, amount=1):
        with self._count_lock:
            setattr(self, name, getattr(self, name) + amount)

    def _exchange(self, method, path, body=None, params=None, auth=True, two_factor=False, bucket=None,
                  what="call the API"):
        """Send one call with retries and rate-limit handling; return (status, parsed JSON, headers)."""
        bucket = bucket or (method, path.split("?")[0])
        headers = {}
        if auth:
            headers.update(self._auth_headers())
        if two_factor:
            headers.update(self.two_factor_headers())
        if body is not None:
            headers["Content-Type"] = "application/json"
        data = None if body is None else json.dumps(body)
        url = self.base_url + path

        def once():
            self._count("request_count")
            try:
                response = self.session.request(method, url, data=data, params=params, headers=headers,
                                                timeout=self.timeout)
            except requests.exceptions.SSLError as exc:
                raise RocketChatConnectionError(
                    "TLS verification of %s failed: %s. Give ca_path (the CA bundle that signed the server "
                    "certificate); set validate_certs=false only for throw-away test servers." % (self.base_url, exc))
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                raise _Transient("cannot reach %s: %s" % (self.base_url, exc), cause=exc)
            except requests.exceptions.RequestException as exc:
                raise RocketChatConnectionError("request to %s failed: %s" % (url, exc))
            if response.status_code >= 500:
                raise _Transient("HTTP %d from %s %s" % (response.status_code, method, path), response=response)
            return response

        def on_retry(_exc, _number, _delay):
            self._count("retried")

        def retryable(exc):
            return isinstance(exc, _Transient) and not self._cancel.is_set()

        for _dummy in range(MAX_RATE_LIMIT_RETRIES + 1):
            if self._cancel.is_set():
                raise Cancelled()
            self.budget.acquire(bucket, cancel=self._cancel)
            try:
                response = self.policy.call(once, retryable, on_retry=on_retry)
            except _Transient as exc:
                if exc.response is not None:
                    raise RocketChatServerError(
                        "Rocket.Chat answered HTTP %d to %s %s (%s) %d times; giving up. Check the server's log."
                        % (exc.response.status_code, method, path, what, self.policy.attempts),
                        status=exc.response.status_code)
                raise RocketChatConnectionError("%s (%d attempts to %s). Check url and that the server is up."
                                                % (exc, self.policy.attempts, what))
            if response.status_code == 429:
                self._count("rate_limited")
                self.budget.exhausted(bucket, response.headers)
                if auth and headers.get("X-Auth-Token"):
                    self._refuse_rejected_credentials(what)
                continue
            self.budget.update(bucket, response.headers)
            if auth and 200 <= response.status_code < 300 and path.startswith("/api/v1/"):
                self._authenticated = True
            try:
                parsed = response.json()
            except ValueError:
                parsed = None
            if parsed is None and response.status_code != 404:
                raise RocketChatServerError(
                    "%s %s did not answer with JSON (HTTP %d); is url (%s) the base URL of Rocket.Chat?"
                    % (method, path, response.status_code, self.base_url), status=response.status_code)
            return response.status_code, parsed, response.headers
        raise RocketChatRateLimitError(
            "Rocket.Chat kept answering 429 Too Many Requests to %s %s (%s) after waiting for X-RateLimit-Reset %d "
            "times." % (method, path, what, MAX_RATE_LIMIT_RETRIES))

    def _refuse_rejected_credentials(self, what):
        """A 429 before any authenticated answer: Rocket.Chat limits before it checks the token, so a wrong token
        would only be reported after the window. Ask ``GET /api/v1/me`` once (its own rate-limit bucket) and fail
        at once when the server does not know the credentials."""
        if self._authenticated or self._probed:
            return
        self._probed = True
        self._count("request_count")
        try:
            response = self.session.request("GET", self.base_url + ME_PATH, headers=self._auth_headers(),
                                            timeout=self.timeout)
        except requests.exceptions.RequestException:
            return
        if response.status_code == 429:
            return
        self.budget.update(("GET", ME_PATH), response.headers)
        if response.status_code == 401:
            try:
                body = response.json()
            except ValueError:
                body = None
            raise self._http_error(401, body, what)
        if 200 <= response.status_code < 300:
            self._authenticated = True

    def request(self, method, path, body=None, params=None, auth=True, two_factor=False, bucket=None,
                what="call the API", permission=None):
        """Like ``_exchange`` but raise the mapped error unless the answer is a success."""
        if auth:
            self.ensure_auth()
        status, data, headers = self._exchange(method, path, body=body, params=params, auth=auth,
                                               two_factor=two_factor, bucket=bucket, what=what)
        if 200 <= status < 300 and (not isinstance(data, dict) or data.get("success", True) is not False):
            return data, headers
        raise self._http_error(status, data, what, permission)

    def _http_error(self, status, data, what, permission=None):
        return http_error(status, data, what, self.user_id or self.username, self.base_url, permission)

    # --- server facts -------------------------------------------------------------------------------
    def version(self):
        """The release from /api/info: full with get-server-info / view-statistics, else major.minor."""
        if self._version is None:
            data, _headers = self.request("GET", "/api/info", auth=True, what="read the server version (/api/info)")
            text = (data or {}).get("version") or ((data or {}).get("info") or {}).get("version")
            try:
                self._version = RocketChatVersion(text)
            except ValueError:
                raise RocketChatServerError("/api/info at %s did not report a Rocket.Chat version (got %r); is url the "
                                            "Rocket.Chat base URL?" % (self.base_url, text))
        return self._version

    # --- settings -----------------------------------------------------------------------------------
    def not_found(self, ids):
        ids = sorted(ids)
        return RocketChatSettingNotFound(
            "setting%s %s do%s not exist or %s hidden on Rocket.Chat %s (HTTP 400 from GET settings/<id>). "
            "Check the id's spelling and the release it exists in; a hidden setting (SETTINGS_HIDDEN, or hidden "
            "by the release) cannot be managed over REST." % (
                "s" if len(ids) > 1 else "", ", ".join(ids), "" if len(ids) > 1 else "es",
                "are" if len(ids) > 1 else "is", self.version()), ids)

    def _get_setting_raw(self, setting_id):
        status, data, _headers = self._exchange(
            "GET", "/api/v1/settings/%s" % quote(setting_id, safe=""), bucket=("GET", SETTING_ROUTE),
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
        status, data, _headers = self._exchange("GET", SETTINGS_ROUTE, params=params, bucket=("GET", SETTINGS_ROUTE),
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
            status, data = results[setting_id]
            if status == 200 and isinstance(data, dict) and data.get("success") is True:
                values[setting_id] = data.get("value")
            elif status == 400 and isinstance(data, dict) and not data.get("errorType") and \
                    set(data) <= {"success"}:
                missing.append(setting_id)
            else:
                raise self._http_error(status, data, "read setting %s" % setting_id,
                                       permission="view-privileged-setting")
        if missing and not missing_ok:
            raise self.not_found(missing)
        return dict((i, values[i]) for i in ids if i in values)

    def save_settings_bulk(self, values):
        """POST /api/v1/settings (8.6+): one atomic, type-checked write."""
        body = {"settings": [{"_id": k, "value": v} for k, v in values.items()]}
        self.request("POST", "/api/v1/settings", body=body, two_factor=True,
                     what="write settings %s" % ", ".join(values), permission="edit-privileged-setting")

    def save_settings_method(self, values):
        """method.call/saveSettings (before 8.6): always HTTP 200, the outcome is inside ``message``."""
        message = json.dumps({"msg": "method", "id": "1", "method": "saveSettings",
                              "params": [[{"_id": k, "value": v} for k, v in values.items()]]})
        what = "write settings %s" % ", ".join(values)
        data, _headers = self.request("POST", "/api/v1/method.call/saveSettings", body={"message": message},
                                      two_factor=True, what=what, permission="edit-privileged-setting")
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
        path = "/api/v1/settings/%s" % quote(setting_id, safe="")
        status, data, _headers = self._exchange("POST", path, body={"value": value}, two_factor=True,
                                                bucket=("POST", SETTING_ROUTE), what="write setting %s" % setting_id)
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
        path = "/api/v1/settings/%s" % quote(setting_id, safe="")
        status, data, _headers = self._exchange("POST", path, body={"execute": True}, two_factor=True,
                                                bucket=("POST", SETTING_ROUTE), what="run action %s" % setting_id)
        if status == 200 and isinstance(data, dict) and data.get("success") is True:
            return True, None
        two_factor = (None, "totp-required", "totp-invalid")
        if status == 400 and isinstance(data, dict) and data.get("errorType") not in two_factor:
            return False, data.get("error")
        if status == 400 and isinstance(data, dict) and set(data) <= {"success"}:
            raise self.not_found([setting_id])
        raise self._http_error(status, data, "run action %s" % setting_id, permission="edit-privileged-setting")

    def stats(self):
        """Requests sent, retries, 429 answers, and rate-limit waiting: ``rate_limit_wait`` is the wall-clock
        time the task spent waiting for windows (concurrent waits count once), ``rate_limit_longest_wait`` the
        longest single wait, ``rate_limit_waits`` how many waits there were."""
        return {"requests": self.request_count, "retries": self.retried, "rate_limited": self.rate_limited,
                "rate_limit_wait": round(self.budget.waited, 3),
                "rate_limit_longest_wait": round(self.budget.longest_wait, 3),
                "rate_limit_waits": self.budget.wait_count}
