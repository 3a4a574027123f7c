# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""A small client for the Matrix client-server API, enough for a federation probe.

One account per client: a user's access token, or an application service's ``as_token`` acting as one of its
users (``?user_id=`` on every request, the spec's "identity assertion"). TLS is verified by default (against a CA
bundle when given). Errors and retries follow the collection's HTTP contract (:mod:`._http_contract`): a 429 is
retried for any method after the wait the server asks for (``Retry-After`` or ``retry_after_ms``), 5xx answers,
timeouts and lost connections only for idempotent methods; 401 and 403 fail at once, as does every other 4xx.
Every error is a :class:`MatrixError` and the contract's class of its kind.

The HTTP layer is a *transport*: a callable ``transport(method, url, headers, body, timeout, verify)`` returning
``(status, headers, body_bytes)`` or raising :class:`TransportError`. The default one uses ``requests``; tests give
their own, so nothing here needs a server to be tested.
"""

from __future__ import annotations

import json
import time
from urllib.parse import quote, urlencode

from ansible_collections.fedops.rocketchat.plugins.module_utils import _http_contract as contract
from ansible_collections.fedops.rocketchat.plugins.module_utils._retry import RetryPolicy

from ansible_collections.fedops.rocketchat.plugins.module_utils._requests import HAS_REQUESTS, REQUESTS_IMPORT_ERROR, requests  # noqa: F401  pylint: disable=unused-import

SYNC_MARGIN = 10.0


class TransportError(Exception):
    """The request did not get an HTTP answer (connection refused, reset, timeout, TLS failure)."""

    def __init__(self, message, tls=False, timeout=False, refused=False):
        super(TransportError, self).__init__(message)
        self.tls = tls
        self.timeout = timeout
        self.refused = refused

    @property
    def kind(self):
        return contract.TLS if self.tls else contract.TIMEOUT if self.timeout else contract.UNREACHABLE


class MatrixError(Exception):
    """A request failed: an HTTP error answer (``status``, ``errcode``, ``error``) or no answer (``status`` None).

    Raised as the subclass of its kind (:data:`ERRORS`), which is also the contract's class of that kind.
    """

    def __init__(self, method, path, status=None, errcode=None, error=None, tls=False, retry_after_ms=None,
                 retry_after=None, refused=False):
        self.method = method
        self.path = path
        self.status = status
        self.errcode = errcode
        self.error = error
        self.tls = tls
        self.retry_after_ms = retry_after_ms
        self.retry_after = retry_after if retry_after is not None else (
            retry_after_ms / 1000.0 if retry_after_ms is not None else None)
        self.refused = refused
        super(MatrixError, self).__init__(self.describe())

    def describe(self):
        if self.status is None:
            return "%s %s: no answer (%s)" % (self.method, self.path, self.error)
        text = "%s %s: HTTP %s" % (self.method, self.path, self.status)
        if self.errcode:
            text += " %s" % self.errcode
        if self.error:
            text += " (%s)" % self.error
        return text

    def retry(self):
        """The contract's decision: False, True, or the seconds the server asked to wait."""
        kind = getattr(self, "kind", None) or contract.kind_of_status(self.status) or contract.UNREACHABLE
        return contract.retry_decision(self.method, kind, status=self.status, retry_after=self.retry_after,
                                       refused=self.refused)

    @property
    def retryable(self):
        return self.retry() is not False

    @property
    def auth(self):
        return self.status in (401, 403)


ERRORS = contract.error_classes(MatrixError, "Matrix")


def _transport_error(method, path, exc):
    return ERRORS[exc.kind](method, path, error=str(exc), tls=exc.tls, refused=exc.refused)


def requests_transport(session=None):
    """The default transport, on one ``requests`` session (connection reuse for the many sync polls)."""
    session = session or requests.Session()

    def transport(method, url, headers, body, timeout, verify):
        try:
            response = session.request(method, url, headers=headers, data=body, timeout=timeout, verify=verify,
                                       allow_redirects=False)
        except requests.exceptions.SSLError as exc:
            raise TransportError("TLS error: %s" % exc, tls=True)
        except requests.exceptions.Timeout as exc:
            raise TransportError("timed out: %s" % exc, timeout=True)
        except requests.exceptions.RequestException as exc:
            raise TransportError(str(exc), refused=contract.refused_connection(exc))
        return response.status_code, dict(response.headers), response.content

    return transport


def _strip_path(path):
    """The path without its query string, for messages (the query may carry a user id, never a token)."""
    return path.split("?", 1)[0]


class MatrixClient(object):
    """One account on one homeserver.

    ``verify`` is True (system CAs), False, or the path of a CA bundle. ``user_id`` is only sent (as
    ``?user_id=``) when ``assert_user`` is set, which is the application service case. ``clock`` and ``sleep``
    are injectable for tests. ``stats`` counts requests and retries.
    """

    def __init__(self, base_url, token, user_id=None, assert_user=False, verify=True, timeout=10.0,
                 policy=None, transport=None, sleep=time.sleep, clock=time.monotonic):
        if not base_url or not base_url.startswith(("https://", "http://")):
            raise ValueError("homeserver_url must start with https:// (or http://), got %r" % (base_url,))
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.user_id = user_id
        self.assert_user = assert_user
        self.verify = verify
        self.timeout = float(timeout)
        self.policy = policy or RetryPolicy(attempts=4, base_delay=0.25, factor=2.0, max_delay=4.0, jitter=0.5)
        self.transport = transport or requests_transport()
        self.sleep = sleep
        self.clock = clock
        self.stats = {"requests": 0, "retries": 0, "rate_limited": 0}

    # --- plumbing ----------------------------------------------------------------------------------------
    def url(self, path, query=None):
        """``query`` is a dict or a list of pairs (a name may repeat, as ``server_name`` does for joins)."""
        pairs = sorted(query.items()) if isinstance(query, dict) else list(query or [])
        if self.assert_user and self.user_id:
            pairs.append(("user_id", self.user_id))
        url = self.base_url + path
        if pairs:
            url += "?" + urlencode(pairs)
        return url

    def request(self, method, path, query=None, body=None, raw=None, content_type=None, timeout=None,
                deadline=None):
        """Send one request, retrying what is worth retrying; returns ``(status, headers, body bytes)`` for a 2xx.

        ``body`` is JSON-encoded; ``raw`` is sent as is with ``content_type``. ``timeout`` bounds each attempt;
        ``deadline`` (a ``clock()`` value) bounds all attempts and waits together.
        """
        headers = {"Accept": "application/json"}
        if self.token:  # a client without a token sends none (requests as an unauthenticated client would)
            headers["Authorization"] = "Bearer %s" % self.token
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        elif raw is not None:
            data = raw
            headers["Content-Type"] = content_type or "application/octet-stream"
        url = self.url(path, query)
        attempt = 0
        while True:
            per_try = timeout if timeout is not None else self.timeout
            if deadline is not None:
                per_try = max(0.1, min(per_try, deadline - self.clock()))
            self.stats["requests"] += 1
            try:
                status, resp_headers, content = self.transport(method, url, headers, data, per_try, self.verify)
            except TransportError as exc:
                error = _transport_error(method, _strip_path(path), exc)
            else:
                if 200 <= status < 300:
                    return status, resp_headers, content
                error = _http_error(method, _strip_path(path), status, content, resp_headers)
            verdict = error.retry()
            if verdict is False or attempt + 1 >= self.policy.attempts:
                raise error
            if error.status == 429:
                self.stats["rate_limited"] += 1
            delay = self.policy.wait(attempt, asked=None if verdict is True else verdict)
            if deadline is not None and self.clock() + delay >= deadline:
                raise error
            self.stats["retries"] += 1
            self.sleep(delay)
            attempt += 1

    def json(self, method, path, query=None, body=None, timeout=None, deadline=None):
        _status, _headers, content = self.request(method, path, query=query, body=body, timeout=timeout,
                                                  deadline=deadline)
        if not content:
            return {}
        try:
            return json.loads(content.decode("utf-8"))
        except ValueError:
            raise MatrixError(method, _strip_path(path), 200, error="answer is not JSON: %r" % content[:80])

    # --- API ---------------------------------------------------------------------------------------------
    def whoami(self, deadline=None):
        return self.json("GET", "/_matrix/client/v3/account/whoami", deadline=deadline)

    def joined_rooms(self, deadline=None):
        return self.json("GET", "/_matrix/client/v3/joined_rooms", deadline=deadline).get("joined_rooms", [])

    def create_room(self, content, deadline=None):
        return self.json("POST", "/_matrix/client/v3/createRoom", body=content, deadline=deadline)["room_id"]

    def invite(self, room_id, user_id, deadline=None):
        return self.json("POST", "/_matrix/client/v3/rooms/%s/invite" % quote(room_id, safe=""),
                         body={"user_id": user_id}, deadline=deadline)

    def join(self, room_id, via=(), deadline=None):
        return self.json("POST", "/_matrix/client/v3/join/%s" % quote(room_id, safe=""), body={},
                         query=[("server_name", s) for s in via], deadline=deadline)

    def send(self, room_id, event_type, content, txn_id, deadline=None):
        path = "/_matrix/client/v3/rooms/%s/send/%s/%s" % (quote(room_id, safe=""), quote(event_type, safe=""),
                                                           quote(txn_id, safe=""))
        return self.json("PUT", path, body=content, deadline=deadline)["event_id"]

    def typing(self, room_id, user_id, typing=True, timeout_ms=30000, deadline=None):
        path = "/_matrix/client/v3/rooms/%s/typing/%s" % (quote(room_id, safe=""), quote(user_id, safe=""))
        body = {"typing": True, "timeout": int(timeout_ms)} if typing else {"typing": False}
        return self.json("PUT", path, body=body, deadline=deadline)

    def sync(self, since=None, timeout_ms=0, filter_json=None, deadline=None):
        query = {"timeout": str(int(timeout_ms))}
        if since:
            query["since"] = since
        if filter_json is not None:
            query["filter"] = json.dumps(filter_json, separators=(",", ":"), sort_keys=True)
        # the server holds a long poll for timeout_ms; the HTTP timeout must outlast it
        return self.json("GET", "/_matrix/client/v3/sync", query=query, timeout=timeout_ms / 1000.0 + SYNC_MARGIN,
                         deadline=None if deadline is None else deadline + SYNC_MARGIN)

    def upload(self, data, content_type, filename, deadline=None):
        _status, _headers, content = self.request("POST", "/_matrix/media/v3/upload", query={"filename": filename},
                                                  raw=data, content_type=content_type, deadline=deadline)
        return json.loads(content.decode("utf-8"))["content_uri"]

    def download(self, server_name, media_id, deadline=None):
        """Media bytes through the authenticated endpoint, or the legacy one on servers without it.

        Returns ``(bytes, endpoint used)``.
        """
        tail = "%s/%s" % (quote(server_name, safe=""), quote(media_id, safe=""))
        path = "/_matrix/client/v1/media/download/" + tail
        try:
            _status, _headers, content = self.request("GET", path, deadline=deadline)
            return content, "client/v1"
        except MatrixError as exc:
            if not unrecognized_endpoint(exc):
                raise
        path = "/_matrix/media/v3/download/" + tail
        _status, _headers, content = self.request("GET", path, deadline=deadline)
        return content, "media/v3"

    def leave(self, room_id, deadline=None):
        return self.json("POST", "/_matrix/client/v3/rooms/%s/leave" % quote(room_id, safe=""), body={},
                         deadline=deadline)

    def forget(self, room_id, deadline=None):
        return self.json("POST", "/_matrix/client/v3/rooms/%s/forget" % quote(room_id, safe=""), body={},
                         deadline=deadline)


def unrecognized_endpoint(error):
    """True when a server does not know an endpoint (older servers answer 404/405 ``M_UNRECOGNIZED``)."""
    if error.status in (404, 405, 400) and error.errcode == "M_UNRECOGNIZED":
        return True
    return error.status in (404, 405) and not error.errcode


def _http_error(method, path, status, content, headers=None):
    errcode = error = None
    try:
        data = json.loads(content.decode("utf-8")) if content else {}
    except (ValueError, UnicodeDecodeError):
        data = {}
    if isinstance(data, dict):
        errcode = data.get("errcode")
        error = data.get("error")
    else:
        data = {}
    retry_after_ms = data.get("retry_after_ms")
    if not isinstance(retry_after_ms, (int, float)) or isinstance(retry_after_ms, bool):
        retry_after_ms = None
    return ERRORS[contract.kind_of_status(status) or contract.CLIENT_ERROR](
        method, path, status=status, errcode=errcode, error=error, retry_after_ms=retry_after_ms,
        retry_after=contract.retry_after_seconds(headers, data))
