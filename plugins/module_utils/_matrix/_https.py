# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""A small HTTPS client on the standard library (``http.client`` + ``ssl``) for the checks.

It connects to an exact ``ip:port`` while sending SNI and verifying the certificate against a chosen name, exposes
the peer certificate, and can repeat a request without verification to explain a failure. ``requests``/``urllib3``
re-apply their own trust settings per pool and cannot pin an address per request, so they are not used. Host
names go through the address overrides (like ``curl --resolve``) before DNS.

Errors and retries follow the collection's HTTP contract (:mod:`.._http_contract`). A request that gets no HTTP
answer raises :class:`HttpError` as the contract's class of its ``kind`` (TLS, timeout, unreachable; a URL the
client cannot follow is a client error); its ``cause`` says what exactly happened (``refused``, ``dns``,
``connect``, ``protocol``, ``timeout``, ``tls``, ``tls_verify``, ``url``), which callers turn into a hint. A request
is retried as the contract decides (:func:`~.._http_contract.retry_decision`): a 429 after the server's
``Retry-After``, 5xx answers, timeouts and lost connections for idempotent methods only, a refused connection for
any method; opening a connection sends no request, so it is retried like an idempotent one. TLS failures are never
retried. Answers with an error status are returned, not raised: the checks report them.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import os
import socket
import ssl
import threading
import time
from urllib.parse import urlencode, urljoin, urlsplit

from ansible_collections.fedops.rocketchat.plugins.module_utils import _http_contract as contract
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._dnsclient import short_error
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._servername import AddressOverrides, format_host_port
from ansible_collections.fedops.rocketchat.plugins.module_utils._retry import RetryPolicy


MAX_REDIRECTS = 10
REDIRECT_CODES = (301, 302, 303, 307, 308)


# cause -> the contract's kind
CAUSES = {
    "refused": contract.UNREACHABLE,     # nothing listens: the request never left
    "connect": contract.UNREACHABLE,     # no route, reset while connecting
    "dns": contract.UNREACHABLE,         # the name has no address
    "protocol": contract.UNREACHABLE,    # the connection broke during the exchange
    "timeout": contract.TIMEOUT,
    "tls_verify": contract.TLS,          # the certificate does not verify (``verify_message`` says why)
    "tls": contract.TLS,                 # no TLS handshake (plain HTTP on the port, protocol mismatch)
    "url": contract.CLIENT_ERROR,        # a URL (or redirect) the client does not follow
}


class HttpError(Exception):
    """A request that got no HTTP answer, raised as the contract's class of its kind (:data:`ERRORS`).

    ``HttpError(cause, message)`` builds the subclass of the cause's kind (:data:`CAUSES`), so ``except HttpError``
    and ``except TLSFailure`` both catch a certificate that does not verify.
    """

    def __new__(cls, cause, message, verify_message=None):
        kind_class = ERRORS[CAUSES[cause]] if cls is HttpError else cls
        return super(HttpError, kind_class).__new__(kind_class, cause, message, verify_message)

    def __init__(self, cause, message, verify_message=None):
        super(HttpError, self).__init__(message)
        self.cause = cause
        self.message = message
        self.verify_message = verify_message

    @property
    def refused(self):
        return self.cause == "refused"

    def retry(self, method, idempotent=None):
        """The contract's decision for sending ``method`` again after this error."""
        return contract.retry_decision(method, self.kind, refused=self.refused, idempotent=idempotent)


ERRORS = contract.error_classes(HttpError, "Https")


class _ErrorAnswer(Exception):
    """An answer the contract may retry (429, 5xx); returned to the caller when the retries do not cure it."""

    def __init__(self, response):
        super(_ErrorAnswer, self).__init__("HTTP %d" % response.status)
        self.response = response
        self.kind = contract.kind_of_status(response.status)

    def retry(self, method, idempotent=None):
        asked = contract.retry_after_seconds({"Retry-After": self.response.headers.get("retry-after")})
        return contract.retry_decision(method, self.kind, status=self.response.status, retry_after=asked,
                                       idempotent=idempotent)


class HttpResponse(object):
    def __init__(self, status, reason, headers, body, truncated, address, tls):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.truncated = truncated
        self.address = address
        self.tls = tls

    def json(self):
        """The body as JSON (whatever the Content-Type); raises ``ValueError``."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except UnicodeDecodeError:
            raise ValueError("body is not UTF-8") from None


class TlsInfo(object):
    def __init__(self, cert_der, version, cipher, verified, name):
        self.cert_der = cert_der
        self.version = version
        self.cipher = cipher
        self.verified = verified
        self.name = name


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a fixed ``ip:port`` with SNI and certificate name ``tls_name`` (None for an IP literal)."""

    def __init__(self, ip, port, tls_name, context, timeout):
        super(_PinnedHTTPSConnection, self).__init__(ip, port, timeout=timeout, context=context)
        self._tls_name = tls_name
        self._ssl_context = context

    def connect(self):
        raw = socket.create_connection((self.host, self.port), self.timeout)
        try:
            self.sock = self._ssl_context.wrap_socket(raw, server_hostname=self._tls_name)
        except BaseException:
            raw.close()
            raise


def classify_error(exc):
    """Turn a socket/TLS/HTTP exception into :class:`HttpError`."""
    if isinstance(exc, HttpError):
        return exc
    if isinstance(exc, ssl.SSLCertVerificationError):
        message = getattr(exc, "verify_message", None) or short_error(exc)
        return HttpError("tls_verify", "certificate verification failed: %s" % message, message)
    if isinstance(exc, ssl.SSLError):
        return HttpError("tls", "TLS handshake failed: %s" % short_error(exc))
    if isinstance(exc, ConnectionRefusedError):
        return HttpError("refused", "connection refused (nothing listens on that port)")
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return HttpError("timeout", "timed out")
    if isinstance(exc, (http.client.HTTPException, ConnectionResetError)):
        return HttpError("protocol", "bad HTTP exchange: %s" % short_error(exc))
    if isinstance(exc, OSError):
        return HttpError("connect", "cannot connect: %s" % (exc.strerror or short_error(exc)))
    return HttpError("protocol", short_error(exc))


class HttpsConnection(object):
    """One (lazily opened) HTTPS connection to ``ip:port``; sequential requests reuse it (keep-alive).

    ``plain=True`` speaks HTTP without TLS (only for URLs the user gave with ``http://``).
    """

    def __init__(self, client, ip, port, tls_name, verify=True, plain=False):
        self.client = client
        self.ip = ip
        self.port = port
        self.tls_name = tls_name
        self.verify = verify
        self.plain = plain
        self._conn = None
        self._used = False
        self.tls = None

    def open(self):
        """Connect now (TCP and TLS handshake); raises :class:`HttpError`. Idempotent.

        No request is sent yet, so a fault is retried as for an idempotent method (bounded by the client's
        policy); a certificate problem is reported at once.
        """
        if self._conn is not None:
            return
        self.client.retry_policy.call(self._open_once, lambda exc: isinstance(exc, HttpError) and exc.retry(
            "GET", idempotent=True))

    def _open_once(self):
        if self.plain:
            conn = http.client.HTTPConnection(self.ip, self.port, timeout=self.client.timeout)
        else:
            conn = _PinnedHTTPSConnection(self.ip, self.port, self.tls_name, self.client.context(self.verify),
                                          self.client.timeout)
        try:
            conn.connect()
        except Exception as exc:
            conn.close()
            raise classify_error(exc) from None
        if not self.plain:
            sock = conn.sock
            self.tls = TlsInfo(sock.getpeercert(binary_form=True), sock.version(), (sock.cipher() or (None,))[0],
                               self.verify, self.tls_name)
        self._conn = conn
        with self.client.lock:
            self.client.connections += 1

    def request(self, method, path, host_header, headers=None, body=None, max_body=1024 * 1024, idempotent=None):
        """Send one request and return the answer, whatever its status, after the contract's retries.

        ``idempotent=True``: the caller knows the request may be repeated although its method is a POST."""
        def once():
            response = self._request_reusing(method, path, host_header, headers, body, max_body)
            if contract.kind_of_status(response.status) in (contract.RATE_LIMITED, contract.SERVER_ERROR):
                raise _ErrorAnswer(response)
            return response

        def retryable(exc):
            # False, True, or the seconds the server asked to wait (the policy honours them, bounded)
            return isinstance(exc, (HttpError, _ErrorAnswer)) and exc.retry(method, idempotent)

        try:
            return self.client.retry_policy.call(once, retryable)
        except _ErrorAnswer as exc:
            return exc.response

    def _request_reusing(self, method, path, host_header, headers, body, max_body):
        reused = self._conn is not None and self._used
        try:
            return self._request(method, path, host_header, headers, body, max_body)
        except HttpError as exc:
            if not (reused and exc.cause == "protocol"):
                raise
        # The server closed the kept-alive connection between two requests: once more on a new one.
        return self._request(method, path, host_header, headers, body, max_body)

    def _request(self, method, path, host_header, headers, body, max_body):
        if self._conn is None:
            self._open_once()
        self._used = True
        send_headers = {"Host": host_header, "User-Agent": "fedops.rocketchat federation_check",
                        "Accept": "application/json"}
        send_headers.update(headers or {})
        payload = None
        if body is not None:
            payload = json.dumps(body).encode("utf-8")
            send_headers["Content-Type"] = "application/json"
        try:
            self._conn.request(method, path, body=payload, headers=send_headers)
            response = self._conn.getresponse()
            data = response.read(max_body + 1)
            truncated = len(data) > max_body
            if truncated:
                data = data[:max_body]
                self.close()
            elif response.will_close:
                self.close()
        except Exception as exc:
            self.close()
            raise classify_error(exc) from None
        with self.client.lock:
            self.client.requests += 1
        return HttpResponse(response.status, response.reason,
                            dict((k.lower(), v) for k, v in response.getheaders()), data, truncated,
                            (self.ip, self.port), self.tls)

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._used = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def check_ca_bundle(path):
    """Raise ``ValueError`` saying what is wrong unless ``path`` is a readable PEM bundle with a CA certificate."""
    if not os.path.exists(path):
        raise ValueError("%r does not exist" % path)
    if os.path.isdir(path):
        raise ValueError("%r is a directory; give a PEM file of CA certificates" % path)
    try:
        with open(path, "rb") as handle:
            content = handle.read()
    except (IOError, OSError) as exc:
        raise ValueError("cannot read %r: %s" % (path, exc.strerror or exc)) from None
    if b"-----BEGIN CERTIFICATE-----" not in content:
        raise ValueError("%r holds no PEM certificate (-----BEGIN CERTIFICATE-----); give the CA bundle in PEM form"
                         % path)
    try:
        ssl.create_default_context(cafile=path)
    except (ssl.SSLError, ValueError) as exc:
        raise ValueError("%r is not a usable PEM bundle of CA certificates: %s" % (path, short_error(exc))) from None


class HttpsClient(object):
    """Creates pinned connections and follows URLs, resolving hosts through overrides and :class:`DnsClient`.

    ``ca_path`` (a PEM bundle) replaces the system trust store when given, as Synapse's
    ``federation_custom_ca_list`` does. ``requests``/``connections`` count what was sent (for benchmarks).
    """

    def __init__(self, dns_client=None, overrides=None, ca_path=None, timeout=10.0):
        self.dns = dns_client
        self.overrides = overrides or AddressOverrides()
        self.ca_path = ca_path
        self.timeout = timeout
        self.lock = threading.Lock()
        self._contexts = {}
        self.requests = 0
        self.connections = 0
        # The checks report what a peer sees: one retry, and a server's Retry-After honoured up to 10 seconds.
        self.retry_policy = RetryPolicy(attempts=2, base_delay=0.25, max_delay=1.0, max_asked=10.0,
                                        sleep=self._sleep)
        self.sleep = time.sleep

    def _sleep(self, seconds):
        self.sleep(seconds)

    def context(self, verify=True):
        with self.lock:
            ctx = self._contexts.get(verify)
            if ctx is None:
                if verify:
                    ctx = ssl.create_default_context(cafile=self.ca_path) if self.ca_path \
                        else ssl.create_default_context()
                else:
                    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                    ctx.check_hostname = False
                    ctx.verify_mode = ssl.CERT_NONE
                self._contexts[verify] = ctx
            return ctx

    def session(self):
        """This client behind the ``requests.Session`` calls the Rocket.Chat client makes (:class:`PinnedSession`)."""
        return PinnedSession(self)

    def connection(self, ip, port, tls_name, verify=True, plain=False):
        return HttpsConnection(self, ip, port, tls_name, verify, plain)

    def addresses(self, host, port):
        """``(addresses, note)``: ``[(ip, port), ...]`` for ``host:port`` from an override, a literal or A/AAAA."""
        override = self.overrides.lookup(host, port)
        if override:
            return [override], "override %s -> %s" % (format_host_port(host, port), format_host_port(*override))
        try:
            return [(str(ipaddress.ip_address(host)), port)], None
        except ValueError:
            pass
        if host.lower().rstrip(".") == "localhost":
            # RFC 6761: localhost is the loopback address, whatever the configured nameservers say.
            return [("127.0.0.1", port), ("::1", port)], None
        if self.dns is None:
            raise HttpError("dns", "no resolver configured for %s" % host)
        found = []
        notes = []
        for rdtype in ("A", "AAAA"):
            answer = self.dns.query(host, rdtype)
            found.extend((ip, port) for ip in answer.records)
            if answer.status == "error":
                notes.append(answer.describe())
        if not found:
            raise HttpError("dns", "%s has no A or AAAA records%s" % (host, (" (%s)" % "; ".join(notes)) if notes else ""))
        return found, None

    def request_host(self, host, port, tls_name, host_header, method, path, headers=None, body=None, verify=True,
                     max_body=1024 * 1024, plain=False):
        """Send one request to the first address of ``host`` that accepts a connection."""
        addresses, _note = self.addresses(host, port)
        last = None
        for ip, ip_port in addresses:
            with self.connection(ip, ip_port, tls_name, verify, plain) as conn:
                try:
                    return conn.request(method, path, host_header, headers, body, max_body)
                except HttpError as exc:
                    last = exc
                    if exc.cause not in ("refused", "timeout", "connect"):
                        raise
        raise last

    def request_url(self, url, method="GET", headers=None, body=None, verify=True, max_body=1024 * 1024):
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http"):
            raise HttpError("url", "only https:// and http:// URLs are supported, got %r" % url)
        plain = parts.scheme == "http"
        try:
            port = parts.port or (80 if plain else 443)
        except ValueError:
            raise HttpError("url", "bad port in %r" % url) from None
        host = parts.hostname
        if not host:
            raise HttpError("url", "no host in %r" % url)
        host_header = parts.netloc.rpartition("@")[2]
        path = (parts.path or "/") + ("?" + parts.query if parts.query else "")
        return self.request_host(host, port, host, host_header, method, path, headers, body, verify, max_body,
                                 plain)

    def fetch(self, url, max_body=1024 * 1024, verify=True):
        """GET ``url`` following redirects; returns ``(response or None, hops, error or None)``.

        ``hops`` lists ``{"url", "status"}`` for every response (redirects included), so callers can flag a 308.
        """
        hops = []
        seen = set()
        current = url
        for _dummy in range(MAX_REDIRECTS + 1):
            if current in seen:
                return None, hops, HttpError("url", "redirect loop at %s" % current)
            seen.add(current)
            if not current.startswith("https://"):
                hops.append({"url": current, "status": None, "error": "not https"})
                return None, hops, HttpError("url", "redirected to %s, which is not https" % current)
            try:
                response = self.request_url(current, verify=verify, max_body=max_body)
            except HttpError as exc:
                hops.append({"url": current, "status": None, "error": exc.message})
                return None, hops, exc
            hops.append({"url": current, "status": response.status})
            if response.status in REDIRECT_CODES and response.headers.get("location"):
                current = urljoin(current, response.headers["location"])
                continue
            return response, hops, None
        return None, hops, HttpError("url", "more than %d redirects" % MAX_REDIRECTS)


class _SessionResponse(object):
    """A :class:`HttpResponse` as ``requests`` shows one: ``status_code``, case-insensitive ``headers``, ``json()``."""

    def __init__(self, response):
        self._response = response
        self.status_code = response.status
        self.headers = _Headers(response.headers)

    def json(self):
        return self._response.json()


class _Headers(dict):
    """Response headers (stored lower-case) looked up whatever the case of the name."""

    def get(self, name, default=None):
        return super(_Headers, self).get(name.lower(), default)

    def __getitem__(self, name):
        return super(_Headers, self).__getitem__(name.lower())

    def __contains__(self, name):
        return super(_Headers, self).__contains__(name.lower())


class PinnedSession(object):
    """The calls of ``requests.Session`` the Rocket.Chat client makes, sent by a :class:`HttpsClient`.

    So the checks read Rocket.Chat's API with the client of the collection (its errors, rate limits and hints),
    over the address overrides, resolver and CA bundle of the check. Failures are :class:`HttpError` (the
    contract's classes).
    """

    def __init__(self, client):
        self.client = client
        self.headers = {}

    def request(self, method, url, data=None, params=None, headers=None, timeout=None):  # pylint: disable=unused-argument
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params)
        send = dict(self.headers)
        send.update(headers or {})
        body = json.loads(data) if data is not None else None
        return _SessionResponse(self.client.request_url(url, method=method, headers=send, body=body))

    def close(self):
        pass
