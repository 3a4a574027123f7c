# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Calls to Rocket.Chat over an HTTP session: retries, rate limits, errors, whatever the HTTP library.

The session has the calls of ``requests.Session`` used here (``request``, ``close``, ``headers``) and fails with
the contract's classes (:mod:`.._http_contract`); the ``requests`` one is :mod:`._transport`, the checks give
their client pinned to an address (``_matrix._https.PinnedSession``).

* Errors and retries follow the collection's HTTP contract (``_http_contract``): bounded retries with
  exponential backoff (``_retry``) for 5xx answers, timeouts and lost connections of idempotent calls (a
  POST only when the connection was refused or never opened); answers that will not change on a retry
  (401, 403, 4xx) and TLS failures are never retried.
* Rate limits (the contract's 429: retried for any method, after the wait the server names): the
  ``X-RateLimit-*`` headers are tracked per bucket (method + route pattern); calls wait
  until ``X-RateLimit-Reset`` (epoch milliseconds) instead of running into 429, and a 429 that happens
  anyway is waited out the same way, all bounded by ``rate_limit_max_wait`` (see :class:`RateLimitBudget`).
* Every failure becomes a :mod:`_errors` exception with a message that names the cause and the fix.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time

from ansible_collections.fedops.rocketchat.plugins.module_utils import _http_contract as contract
from ansible_collections.fedops.rocketchat.plugins.module_utils._retry import RetryPolicy
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat import _endpoints as endpoints
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._auth import RocketChatAuth
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._errors import (
    RocketChatError,
    RocketChatRateLimitError,
    RocketChatServerError,
    RocketChatTimeoutError,
    RocketChatTLSError,
    RocketChatUnavailableError,
    RocketChatUnreachableError,
    RocketChatValidationError,
    http_error,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._ratelimit import RateLimitBudget, Cancelled
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._settings_api import SettingsApi
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._version import VersionApi

MAX_RATE_LIMIT_RETRIES = 5


class _Transient(Exception):
    """A failure the contract may retry (connection error, timeout, 5xx), with its ``kind``."""

    def __init__(self, msg, kind, cause=None, response=None, refused=False):
        super(_Transient, self).__init__(msg)
        self.kind = kind
        self.cause = cause
        self.response = response
        self.refused = refused


class RocketChatExchange(RocketChatAuth):
    """Calls to one Rocket.Chat server: ``request`` (mapped errors) and ``_exchange`` (status, JSON, headers)."""

    def __init__(self, url, user_id=None, auth_token=None, username=None, password=None, two_factor_code=None,
                 two_factor_method=None, validate_certs=True, ca_path=None, timeout=30.0, retries=3,
                 rate_limit_max_wait=120.0, max_workers=8, sleep=time.sleep, clock=time.time, rng=None,
                 user_agent="fedops.rocketchat", rate_limit_state_dir=None, session=None):
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
        self.session = session if session is not None else self._new_session(ca_path, validate_certs)
        self.session.headers.update({"User-Agent": user_agent, "Accept": "application/json"})

    def _new_session(self, ca_path, validate_certs):
        """The session when none is given (:class:`._transport.RocketChatTransport` makes a ``requests`` one)."""
        raise RocketChatError("no HTTP session to reach %s" % self.base_url)

    def _session_errors(self):
        """The exceptions the session raises for a request that got no answer."""
        return (contract.HTTPFailure,)

    # --- lifecycle ----------------------------------------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            if self.logged_in:
                try:
                    self.request("POST", endpoints.LOGOUT, what="log out")
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

    # --- low level ----------------------------------------------------------------------------------
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
                  what="call the API", idempotent=None):
        """Send one call with retries and rate-limit handling; return (status, parsed JSON, headers).

        ``idempotent=True`` lets a POST that writes absolute values be repeated like a PUT (the contract)."""
        bucket = bucket or (method, path.split("?")[0])
        headers = {}
        if auth:
            headers.update(self._auth_headers())
        if two_factor:
            headers.update(self.two_factor_headers())
        if body is not None:
            headers["Content-Type"] = "application/json"
        data = None if body is None else json.dumps(body)
        for _dummy in range(MAX_RATE_LIMIT_RETRIES + 1):
            if self._cancel.is_set():
                raise Cancelled()
            self.budget.acquire(bucket, cancel=self._cancel)
            response = self._send(method, path, (data, params, headers), what, idempotent)
            if response.status_code == 429:
                self._count("rate_limited")
                self.budget.exhausted(bucket, response.headers)
                if auth and headers.get("X-Auth-Token"):
                    self._refuse_rejected_credentials(what)
                continue
            self.budget.update(bucket, response.headers)
            return self._answer(method, path, response, auth)
        raise RocketChatRateLimitError(
            "Rocket.Chat kept answering 429 Too Many Requests to %s %s (%s) after waiting for X-RateLimit-Reset %d "
            "times." % (method, path, what, MAX_RATE_LIMIT_RETRIES))

    def _send(self, method, path, request, what, idempotent=None):
        """One call through the retry policy: the response (a 429 included), or the contract's error."""
        data, params, headers = request
        url = self.base_url + path

        def once():
            self._count("request_count")
            try:
                response = self.session.request(method, url, data=data, params=params, headers=headers,
                                                timeout=self.timeout)
            except self._session_errors() as exc:  # pylint: disable=catching-non-exception
                raise self._session_failure(exc, url)
            if response.status_code >= 500:
                raise _Transient("HTTP %d from %s %s" % (response.status_code, method, path), contract.SERVER_ERROR,
                                 response=response)
            return response

        def on_retry(_exc, _number, _delay):
            self._count("retried")

        def retryable(exc):
            if not isinstance(exc, _Transient) or self._cancel.is_set():
                return False
            status = exc.response.status_code if exc.response is not None else None
            return contract.retry_decision(method, exc.kind, status=status, refused=exc.refused,
                                           idempotent=idempotent) is not False

        try:
            return self.policy.call(once, retryable, on_retry=on_retry)
        except _Transient as exc:
            raise self._transient_error(exc, method, path, what)

    def _session_failure(self, exc, url, kind=None, refused=None):
        """The error for a request that got no answer: the TLS error, a :class:`_Transient` the contract may
        retry (timeout, unreachable; ``refused``: the request never left), or an unreachable server."""
        kind = kind or getattr(exc, "kind", None)
        if refused is None:
            refused = bool(getattr(exc, "refused", False))
        if kind == contract.TLS:
            return RocketChatTLSError(
                "TLS verification of %s failed: %s. Give ca_path (the CA bundle that signed the server "
                "certificate); set validate_certs=false only for throw-away test servers." % (self.base_url, exc))
        if kind in (contract.TIMEOUT, contract.UNREACHABLE):
            return _Transient("cannot reach %s: %s" % (self.base_url, exc), kind, cause=exc, refused=refused)
        return RocketChatUnreachableError("request to %s failed: %s" % (url, exc))

    def _answer(self, method, path, response, auth):
        """(status, parsed JSON, headers) of an answer that is not a 429; notes that the credentials work."""
        if auth and 200 <= response.status_code < 300 and path.startswith(endpoints.API_V1):
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

    @staticmethod
    def _transient_error(exc, method, path, what):
        """The contract's error for a failure the retries did not cure (or that was not retried)."""
        attempts = getattr(exc, "attempts", 1)
        if exc.response is not None:
            return RocketChatUnavailableError(
                "Rocket.Chat answered HTTP %d to %s %s (%s) %d times; giving up. Check the server's log."
                % (exc.response.status_code, method, path, what, attempts), status=exc.response.status_code)
        cls = RocketChatTimeoutError if exc.kind == contract.TIMEOUT else RocketChatUnreachableError
        return cls("%s (%d attempts to %s). Check url and that the server is up." % (exc, attempts, what))

    def _refuse_rejected_credentials(self, what):
        """A 429 before any authenticated answer: Rocket.Chat limits before it checks the token, so a wrong token
        would only be reported after the window. Ask ``GET /api/v1/me`` once (its own rate-limit bucket) and fail
        at once when the server does not know the credentials."""
        if self._authenticated or self._probed:
            return
        self._probed = True
        self._count("request_count")
        try:
            response = self.session.request("GET", self.base_url + endpoints.ME, headers=self._auth_headers(),
                                            timeout=self.timeout)
        except self._session_errors():  # pylint: disable=catching-non-exception
            return
        if response.status_code == 429:
            return
        self.budget.update(("GET", endpoints.ME), response.headers)
        if response.status_code == 401:
            try:
                body = response.json()
            except ValueError:
                body = None
            raise self._http_error(401, body, what)
        if 200 <= response.status_code < 300:
            self._authenticated = True

    def request(self, method, path, body=None, params=None, auth=True, two_factor=False, bucket=None,
                what="call the API", permission=None, idempotent=None):
        """Like ``_exchange`` but raise the mapped error unless the answer is a success."""
        if auth:
            self.ensure_auth()
        status, data, headers = self._exchange(method, path, body=body, params=params, auth=auth,
                                               two_factor=two_factor, bucket=bucket, what=what,
                                               idempotent=idempotent)
        if 200 <= status < 300 and (not isinstance(data, dict) or data.get("success", True) is not False):
            return data, headers
        raise self._http_error(status, data, what, permission)

    def _http_error(self, status, data, what, permission=None):
        return http_error(status, data, what, self.user_id or self.username, self.base_url, permission)

    def stats(self):
        """Requests sent, retries, 429 answers, and rate-limit waiting: ``rate_limit_wait`` is the wall-clock
        time the task spent waiting for windows (concurrent waits count once), ``rate_limit_longest_wait`` the
        longest single wait, ``rate_limit_waits`` how many waits there were."""
        return {"requests": self.request_count, "retries": self.retried, "rate_limited": self.rate_limited,
                "rate_limit_wait": round(self.budget.waited, 3),
                "rate_limit_longest_wait": round(self.budget.longest_wait, 3),
                "rate_limit_waits": self.budget.wait_count}


class RocketChatSessionClient(RocketChatExchange, SettingsApi, VersionApi):
    """The client of :mod:`._client` over the session the caller gives, without ``requests`` (the checks read
    settings through their client pinned to an address)."""
