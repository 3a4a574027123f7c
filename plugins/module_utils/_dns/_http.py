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
import ssl
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode

from ansible.module_utils.urls import open_url

from ansible_collections.fedops.rocketchat.plugins.module_utils import _http_contract as contract
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._errors import (
    DNSAuthError,
    DNSHTTPTimeoutError,
    DNSProviderError,
    DNSTLSError,
    DNSUnreachableError,
)

# PowerDNS changes rrsets with PATCH (changetype REPLACE/DELETE: the rrset ends in one state) and Cloudflare
# updates a record by id with PATCH: both repeatable, so PATCH is idempotent for these APIs.
IDEMPOTENT = contract.IDEMPOTENT_METHODS | frozenset(("PATCH",))


class HTTPResponseError(DNSProviderError):
    """A non-success HTTP status, with the parsed body when it was JSON."""

    reported_as = "HTTPResponseError"  # the result's ``error`` for every subclass by kind

    def __init__(self, msg, status, body):
        super(HTTPResponseError, self).__init__(msg, status=status)
        self.status = status
        self.body = body


# One subclass per kind of the shared contract (HTTPNotFoundError, HTTPRateLimitedError, HTTPServerErrorError...).
RESPONSE_ERRORS = contract.error_classes(HTTPResponseError, "DNSHTTP")


class _Retryable(Exception):
    def __init__(self, cause, verdict):
        super(_Retryable, self).__init__(str(cause))
        self.cause = cause
        self.verdict = verdict


def _network_kind(exc):
    """The contract kind of a failure without an HTTP answer, and whether the connection was refused."""
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, ssl.SSLError) or "CERTIFICATE_VERIFY_FAILED" in str(reason):
        return contract.TLS, False
    if isinstance(reason, (socket.timeout, TimeoutError)):
        return contract.TIMEOUT, False
    return contract.UNREACHABLE, isinstance(reason, ConnectionRefusedError)


class JSONClient(object):
    """``validate_certs`` verifies the API's certificate, against ``ca_path`` (a CA bundle) when given."""

    def __init__(self, base_url, headers, timeout, validate_certs, policy, counter, service, auth_hint,
                 ca_path=None):
        self.base_url = base_url.rstrip("/")
        self.headers = dict(headers)
        self.timeout = timeout
        self.validate_certs = validate_certs
        self.ca_path = ca_path
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
                                    validate_certs=self.validate_certs, ca_path=self.ca_path,
                                    follow_redirects="safe")
                raw = response.read()
                return response.getcode(), (json.loads(raw) if raw.strip() else None)
            except HTTPError as exc:
                verdict = contract.retry_decision(method, contract.kind_of_status(exc.code), status=exc.code,
                                                  retry_after=contract.retry_after_seconds(exc.headers),
                                                  idempotent_methods=IDEMPOTENT)
                if verdict is not False:
                    raise _Retryable(exc, verdict)
                raise
            except (URLError, socket.timeout, ConnectionError) as exc:
                kind, refused = _network_kind(exc)
                verdict = contract.retry_decision(method, kind, refused=refused, idempotent_methods=IDEMPOTENT)
                if verdict is not False:
                    raise _Retryable(exc, verdict)
                raise

        def retryable(exc):
            return exc.verdict if isinstance(exc, _Retryable) else False

        try:
            return self.policy.call(once, retryable)
        except _Retryable as wrapped:
            if isinstance(wrapped.cause, HTTPError):
                return self._http_error(method, url, wrapped.cause, getattr(wrapped, "attempts", 1))
            self._network_error(wrapped.cause, getattr(wrapped, "attempts", 1), retried=True)
        except HTTPError as exc:
            return self._http_error(method, url, exc, 1)
        except (URLError, socket.timeout, ConnectionError) as exc:
            self._network_error(exc, 1, retried=False)

    def _network_error(self, exc, attempts, retried):
        kind = _network_kind(exc)[0]
        reason = getattr(exc, "reason", exc)
        if kind == contract.TLS:
            raise DNSTLSError("%s at %s: TLS verification failed: %s; give ca_path (the CA bundle that signed the "
                              "API's certificate)" % (self.service, self.base_url, reason))
        cls = DNSHTTPTimeoutError if kind == contract.TIMEOUT else DNSUnreachableError
        if retried:
            raise cls("%s at %s is unreachable after %d attempt(s): %s; check the URL and the network"
                      % (self.service, self.base_url, attempts, reason))
        raise cls("%s at %s is unreachable: %s" % (self.service, self.base_url, reason))

    def _http_error(self, method, url, exc, attempts):
        try:
            raw = exc.read()
            body = json.loads(raw) if raw else None
        except Exception:  # pylint: disable=broad-except
            body = None
        detail = self.describe(body) or exc.reason
        path = url[len(self.base_url):].split("?")[0]
        kind = contract.kind_of_status(exc.code)
        if kind == contract.AUTH:
            raise DNSAuthError("%s rejected the credentials (HTTP %d on %s %s: %s); %s"
                               % (self.service, exc.code, method, path, detail, self.auth_hint))
        extra = " after %d attempts" % attempts if attempts > 1 else ""
        raise RESPONSE_ERRORS[kind]("%s answered HTTP %d to %s %s%s: %s"
                                    % (self.service, exc.code, method, path, extra, detail), exc.code, body)

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
