# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""A small JSON-over-HTTP client on ansible's `open_url`, with bounded retries and request counting.

`requests` is deliberately not used: `open_url` ships with ansible-core, honours proxies and
`validate_certs`, and keeps the HTTP providers free of third-party imports.
"""

from __future__ import annotations

import json
import socket
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode

from ansible.module_utils.urls import open_url

from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._errors import (
    DNSAuthError,
    DNSNetworkError,
    DNSProviderError,
)

RETRY_STATUS = (429, 500, 502, 503, 504)
IDEMPOTENT = ("GET", "PUT", "PATCH", "DELETE", "HEAD")


class HTTPResponseError(DNSProviderError):
    """A non-success HTTP status, with the parsed body when it was JSON."""

    def __init__(self, msg, status, body):
        super(HTTPResponseError, self).__init__(msg, status=status)
        self.status = status
        self.body = body


class _Retryable(Exception):
    def __init__(self, cause, retry_after=None):
        super(_Retryable, self).__init__(str(cause))
        self.cause = cause
        self.retry_after = retry_after


def _retry_after(headers):
    try:
        value = headers.get("Retry-After") if headers is not None else None
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


class JSONClient(object):
    def __init__(self, base_url, headers, timeout, validate_certs, policy, counter, service, auth_hint):
        self.base_url = base_url.rstrip("/")
        self.headers = dict(headers)
        self.timeout = timeout
        self.validate_certs = validate_certs
        self.policy = policy
        self.counter = counter
        self.service = service
        self.auth_hint = auth_hint

    def url(self, path, query=None):
        url = self.base_url + path
        if query:
            url += "?" + urlencode(query)
        return url

    def request(self, method, path, query=None, body=None):
        """Returns (status, parsed JSON or None). Raises DNSAuthError, HTTPResponseError, DNSNetworkError."""
        url = self.url(path, query)
        data = json.dumps(body).encode("utf-8") if body is not None else None
        headers = dict(self.headers)
        if data is not None:
            headers["Content-Type"] = "application/json"

        def once():
            self.counter(method)
            try:
                response = open_url(url, method=method, data=data, headers=headers, timeout=self.timeout,
                                    validate_certs=self.validate_certs, follow_redirects="safe")
                raw = response.read()
                return response.getcode(), (json.loads(raw) if raw.strip() else None)
            except HTTPError as exc:
                if exc.code in RETRY_STATUS and (method in IDEMPOTENT or exc.code == 429):
                    raise _Retryable(exc, _retry_after(exc.headers))
                raise
            except (URLError, socket.timeout, ConnectionError) as exc:
                reason = getattr(exc, "reason", exc)
                # A refused connection never reached the server: safe to repeat any method.
                if method in IDEMPOTENT or isinstance(reason, ConnectionRefusedError):
                    raise _Retryable(exc)
                raise

        def retryable(exc):
            if isinstance(exc, _Retryable):
                return exc.retry_after if exc.retry_after is not None else True
            return False

        try:
            return self.policy.call(once, retryable)
        except _Retryable as wrapped:
            exc = wrapped.cause
            attempts = getattr(wrapped, "attempts", 1)
            if isinstance(exc, HTTPError):
                return self._http_error(method, url, exc, attempts)
            raise DNSNetworkError("%s at %s is unreachable after %d attempt(s): %s; check the URL and the network"
                                  % (self.service, self.base_url, attempts, getattr(exc, "reason", exc)))
        except HTTPError as exc:
            return self._http_error(method, url, exc, 1)
        except (URLError, socket.timeout, ConnectionError) as exc:
            raise DNSNetworkError("%s at %s is unreachable: %s" % (self.service, self.base_url, getattr(exc, "reason", exc)))

    def _http_error(self, method, url, exc, attempts):
        try:
            raw = exc.read()
            body = json.loads(raw) if raw else None
        except Exception:  # pylint: disable=broad-except
            body = None
        detail = self.describe(body) or exc.reason
        path = url[len(self.base_url):].split("?")[0]
        if exc.code in (401, 403):
            raise DNSAuthError("%s rejected the credentials (HTTP %d on %s %s: %s); %s"
                               % (self.service, exc.code, method, path, detail, self.auth_hint))
        extra = " after %d attempts" % attempts if attempts > 1 else ""
        raise HTTPResponseError("%s answered HTTP %d to %s %s%s: %s" % (self.service, exc.code, method, path, extra, detail),
                                exc.code, body)

    @staticmethod
    def describe(body):
        """The error text of a JSON error body (PowerDNS `error`, Cloudflare `errors[].message`)."""
        if not isinstance(body, dict):
            return None
        if body.get("errors"):
            return "; ".join("%s (code %s)" % (e.get("message"), e.get("code")) if isinstance(e, dict) else str(e)
                             for e in body["errors"])
        if body.get("error"):
            return str(body["error"])
        return None
