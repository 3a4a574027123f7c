# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""The HTTP contract every client of the collection keeps: one error vocabulary, one retry decision.

The Rocket.Chat REST client, the Matrix client-server client and the HTTP DNS providers each have their own
transport (``requests``, ``open_url``) and their own exception hierarchy (callers catch ``RocketChatError``,
``MatrixError``, ``DNSError``), but every exception they raise for an HTTP situation is also one of the
classes below, and they decide whether to try again with :func:`retry_decision`:

=============  =================================  ===========================================================
kind           situation                          retried
=============  =================================  ===========================================================
auth           401, 403                           never: credentials do not get better by asking again
not_found      404                                never
rate_limited   429                                any method, after the server's ``Retry-After`` (the server
                                                  refused before doing anything, so even a POST is safe)
server_error   5xx                                idempotent methods only (500, 502, 503, 504)
tls            certificate or handshake failure   never: fix ca_path / the certificate
timeout        no answer in time                  idempotent methods only (the server may have acted)
unreachable    connection refused/reset, no DNS   idempotent methods; any method when the connection was
                                                  refused (the request never left)
client_error   any other 4xx                      never
=============  =================================  ===========================================================

A call whose method is not idempotent but whose effect is (a POST writing absolute values) is declared
idempotent by its caller. Every retry is bounded by the caller's :class:`~._retry.RetryPolicy`; a wait the server asks for is honoured
up to the policy's ``max_asked``.
"""

from __future__ import annotations

import email.utils
import time

AUTH = "auth"
NOT_FOUND = "not_found"
RATE_LIMITED = "rate_limited"
SERVER_ERROR = "server_error"
TLS = "tls"
TIMEOUT = "timeout"
UNREACHABLE = "unreachable"
CLIENT_ERROR = "client_error"

KINDS = (AUTH, NOT_FOUND, RATE_LIMITED, SERVER_ERROR, TLS, TIMEOUT, UNREACHABLE, CLIENT_ERROR)

# RFC 9110 section 9.2.2. Clients may add methods that are idempotent for their API (PowerDNS' PATCH of
# an rrset with changetype REPLACE sets it to a state, so the DNS client adds PATCH).
IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "OPTIONS", "PUT", "DELETE"))
RETRY_SERVER_STATUS = (500, 502, 503, 504)


class HTTPFailure(Exception):
    """Base of the shared vocabulary; client exceptions inherit it next to their own base class."""

    kind = None


class AuthFailure(HTTPFailure):
    """The server rejected the credentials or the user's rights (401, 403)."""

    kind = AUTH


class NotFoundFailure(HTTPFailure):
    """The server has no such resource or endpoint (404)."""

    kind = NOT_FOUND


class RateLimitedFailure(HTTPFailure):
    """The server kept answering 429 for longer than the caller waits."""

    kind = RATE_LIMITED


class ServerFailure(HTTPFailure):
    """5xx answers persisted through the retries."""

    kind = SERVER_ERROR


class TLSFailure(HTTPFailure):
    """Certificate verification or the TLS handshake failed."""

    kind = TLS


class TimeoutFailure(HTTPFailure):
    """No answer within the timeout."""

    kind = TIMEOUT


class UnreachableFailure(HTTPFailure):
    """No connection to the server (refused, reset, name not resolved)."""

    kind = UNREACHABLE


class ClientFailure(HTTPFailure):
    """Any other 4xx: the request itself was refused."""

    kind = CLIENT_ERROR


FAILURE_CLASSES = dict((cls.kind, cls) for cls in (AuthFailure, NotFoundFailure, RateLimitedFailure, ServerFailure,
                                                   TLSFailure, TimeoutFailure, UnreachableFailure, ClientFailure))


def kind_of_status(status):
    """The kind of an HTTP error answer, or None for a success (< 400)."""
    if status is None or status < 400:
        return None
    if status in (401, 403):
        return AUTH
    if status == 404:
        return NOT_FOUND
    if status == 429:
        return RATE_LIMITED
    if status >= 500:
        return SERVER_ERROR
    return CLIENT_ERROR


def error_classes(base, prefix):
    """One subclass of ``base`` per kind (``<prefix><Kind>Error``), each also the shared failure class.

    Clients whose own exception is one class (``MatrixError``) raise these, so ``except MatrixError`` and
    ``except AuthFailure`` both catch a rejected token.
    """
    classes = {}
    for kind, failure in FAILURE_CLASSES.items():
        name = "%s%sError" % (prefix, "".join(part.capitalize() for part in kind.split("_")))
        classes[kind] = type(name, (base, failure), {"__doc__": failure.__doc__, "__module__": base.__module__})
    return classes


def retry_decision(method, kind, status=None, retry_after=None, refused=False, idempotent_methods=None,
                   idempotent=None):
    """Whether a failed request may be sent again: False, True, or the seconds the server asked to wait.

    ``refused``: the connection was refused, so the request never reached the server. ``idempotent``: the caller
    knows better than the method (a POST that sets absolute values, such as a settings write, is repeatable).
    """
    if idempotent is None:
        idempotent = method.upper() in (idempotent_methods or IDEMPOTENT_METHODS)
    if kind == RATE_LIMITED:
        return retry_after if retry_after is not None else True
    if kind == SERVER_ERROR:
        return idempotent and (status is None or status in RETRY_SERVER_STATUS)
    if kind == TIMEOUT:
        return idempotent
    if kind == UNREACHABLE:
        return idempotent or refused
    return False


def refused_connection(exc):
    """True when ``exc`` (or an exception it wraps) says the connection was refused: the request never left."""
    for _dummy in range(10):
        if exc is None:
            return False
        if isinstance(exc, ConnectionRefusedError):
            return True
        wrapped = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
        exc = exc.__cause__ or exc.__context__ or getattr(exc, "reason", None) or wrapped
    return False


def retry_after_seconds(headers=None, body=None, clock=time.time):
    """The wait a 429/503 answer asks for: ``Retry-After`` (seconds or an HTTP date), else Matrix's
    ``retry_after_ms`` in the JSON body; None when it asks for nothing."""
    value = None
    if headers is not None:
        try:
            value = headers.get("Retry-After")
        except AttributeError:
            value = None
    if value is not None:
        value = str(value).strip()
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            when = None
        if when is not None and when.tzinfo is not None:
            return max(0.0, when.timestamp() - clock())
    if isinstance(body, dict):
        millis = body.get("retry_after_ms")
        if isinstance(millis, (int, float)) and not isinstance(millis, bool):
            return max(0.0, millis / 1000.0)
    return None
