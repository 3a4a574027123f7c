# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Matrix server discovery as a federating peer performs it, plus the DNS and HTTPS plumbing it needs.

* Server-name grammar (spec appendices "Server Name").
* Resolution in the order of the server-server API, "Resolving server names": IP literal, explicit port,
  ``/.well-known/matrix/server`` (redirects followed, HTTP 308 flagged because Synapse does not follow it,
  body capped at 50 KiB), SRV ``_matrix-fed._tcp`` then the deprecated ``_matrix._tcp``, then port 8448 —
  together with the name each TLS certificate must be valid for and the ``Host`` header at every step.
* :class:`DnsClient` (dnspython) with configurable nameservers (``ip[:port]``) and memoised concurrent queries.
* :class:`HttpsClient`: a small HTTPS client on the standard library (``http.client`` + ``ssl``) that connects to
  an exact ``ip:port`` while sending SNI and verifying the certificate against a chosen name, exposes the peer
  certificate, and can repeat a request without verification to explain a failure. ``requests``/``urllib3``
  re-apply their own trust settings per pool and cannot pin an address per request, so they are not used.
* Address overrides (``host[:port]`` -> ``ip[:port]``, like ``curl --resolve``) for labs and CI.

Every network helper returns data instead of raising where the caller reports on failures.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import re
import socket
import ssl
import threading
import time
import traceback
from urllib.parse import urljoin, urlsplit

from ansible_collections.fedops.rocketchat.plugins.module_utils._retry import RetryPolicy, retry_call

try:
    import dns.exception
    import dns.name
    import dns.nameserver
    import dns.rdatatype
    import dns.resolver
except ImportError:
    HAS_DNSPYTHON = False
    DNSPYTHON_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_DNSPYTHON = True
    DNSPYTHON_IMPORT_ERROR = None


DEFAULT_FEDERATION_PORT = 8448
WELLKNOWN_MAX_BYTES = 50 * 1024
MAX_REDIRECTS = 10
REDIRECT_CODES = (301, 302, 303, 307, 308)
SERVER_NAME_MAX_LENGTH = 255

_DNS_NAME_RE = re.compile(r"^[A-Za-z0-9.-]+$")
_PORT_RE = re.compile(r"^[0-9]{1,5}$")


# --------------------------------------------------------------------------------------------------------------
# Grammar
# --------------------------------------------------------------------------------------------------------------

class ServerName(object):
    """A parsed ``hostname[:port]``: ``host`` without brackets, ``port`` or None, ``ip`` (4, 6 or None)."""

    def __init__(self, host, port=None, ip=None, text=None):
        self.host = host
        self.port = port
        self.ip = ip
        self.text = text if text is not None else format_host_port(host, port)

    @property
    def is_ip(self):
        return self.ip is not None

    @property
    def url_host(self):
        """The host as it appears in a URL or Host header (IPv6 in brackets)."""
        return "[%s]" % self.host if self.ip == 6 else self.host

    def __repr__(self):
        return "ServerName(%r)" % self.text

    def __eq__(self, other):
        return isinstance(other, ServerName) and (self.host, self.port) == (other.host, other.port)

    def __hash__(self):
        return hash((self.host, self.port))


def format_host_port(host, port=None):
    try:
        is_v6 = ipaddress.ip_address(host).version == 6
    except ValueError:
        is_v6 = False
    text = "[%s]" % host if is_v6 else host
    return text if port is None else "%s:%d" % (text, port)


def _parse_port(text, what):
    if not _PORT_RE.match(text or ""):
        raise ValueError("%s: port %r is not a number from 1 to 65535" % (what, text))
    port = int(text)
    if not 1 <= port <= 65535:
        raise ValueError("%s: port %d is not between 1 and 65535" % (what, port))
    return port


def parse_server_name(text, what="server name"):
    """Parse ``hostname [":" port]`` where hostname is an IPv4 literal, ``[IPv6]`` or a DNS name.

    Raises ``ValueError`` with a message naming the problem. The spec makes server names case-sensitive; use
    :func:`server_name_warnings` for the lowercase recommendation.
    """
    if not isinstance(text, str) or not text:
        raise ValueError("%s is empty" % what)
    if len(text) > SERVER_NAME_MAX_LENGTH:
        raise ValueError("%s is %d characters long, the maximum is %d" % (what, len(text), SERVER_NAME_MAX_LENGTH))
    if text != text.strip():
        raise ValueError("%s %r has leading or trailing white space" % (what, text))
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise ValueError("%s %r: '[' without the closing ']'" % (what, text))
        literal, rest = text[1:end], text[end + 1:]
        try:
            address = ipaddress.IPv6Address(literal)
        except ValueError:
            raise ValueError("%s %r: %r is not an IPv6 address" % (what, text, literal)) from None
        if rest and not rest.startswith(":"):
            raise ValueError("%s %r: unexpected %r after the IPv6 literal" % (what, text, rest))
        port = _parse_port(rest[1:], "%s %r" % (what, text)) if rest else None
        return ServerName(str(address) if str(address) == literal else literal, port, 6, text)
    host, sep, port_text = text.partition(":")
    if ":" in port_text:
        raise ValueError("%s %r: an IPv6 literal must be written in brackets, e.g. [2001:db8::1]:8448" % (what, text))
    port = _parse_port(port_text, "%s %r" % (what, text)) if sep else None
    if re.match(r"^[0-9.]+$", host):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            raise ValueError("%s %r: %r is neither a valid IPv4 address nor a DNS name" % (what, text, host)) from None
        return ServerName(host, port, 4, text)
    if not host or not _DNS_NAME_RE.match(host):
        raise ValueError("%s %r: the host may contain only letters, digits, '-' and '.'" % (what, text))
    if host.startswith(".") or ".." in host:
        raise ValueError("%s %r: the host has an empty label" % (what, text))
    for label in host.rstrip(".").split("."):
        if len(label) > 63:
            raise ValueError("%s %r: the label %r is longer than 63 characters" % (what, text, label))
    return ServerName(host, port, None, text)


def server_name_warnings(name):
    warnings = []
    if not name.is_ip and name.host != name.host.lower():
        warnings.append("server names are case-sensitive and should be lower case; peers may write %r differently"
                        % name.text)
    if not name.is_ip and name.host.endswith("."):
        warnings.append("a trailing dot makes %r a different server name from %r" % (name.text, name.host.rstrip(".")))
    return warnings


def parse_address(text, default_port=None, what="address"):
    """Parse ``ip[:port]`` (IPv6 as ``[ip]:port`` or bare ``ip``) into ``(ip, port)``; port may be None."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("%s is empty" % what)
    text = text.strip()
    try:
        return str(ipaddress.ip_address(text)), default_port
    except ValueError:
        pass
    parsed = parse_server_name(text, what)
    if not parsed.is_ip:
        raise ValueError("%s %r: expected an IP address, optionally with ':port'" % (what, text))
    return parsed.host, parsed.port if parsed.port is not None else default_port


class AddressOverrides(object):
    """Fixed addresses for ``host[:port]``, applied before DNS, like ``curl --resolve``.

    ``{"matrix.example.org:443": "10.0.0.5:8443", "example.org": "10.0.0.4"}``: a key with a port matches only
    that port; a value without a port keeps the port the connection asked for.
    """

    def __init__(self, mapping=None):
        self._exact = {}
        self._any_port = {}
        for key, value in (mapping or {}).items():
            name = parse_server_name(str(key), "override key")
            ip, port = parse_address(str(value), None, "override for %r" % key)
            target = self._exact if name.port is not None else self._any_port
            target[(name.host.lower(), name.port)] = (ip, port)

    def __bool__(self):
        return bool(self._exact or self._any_port)

    def lookup(self, host, port):
        """``(ip, port)`` for a connection to ``host:port``, or None."""
        key = host.lower().rstrip(".")
        hit = self._exact.get((key, port)) or self._any_port.get((key, None))
        if hit is None:
            return None
        return hit[0], hit[1] if hit[1] is not None else port


# --------------------------------------------------------------------------------------------------------------
# DNS
# --------------------------------------------------------------------------------------------------------------

class SrvRecord(object):
    def __init__(self, priority, weight, port, target):
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target.rstrip(".")

    def as_dict(self):
        return {"priority": self.priority, "weight": self.weight, "port": self.port, "target": self.target}

    def __repr__(self):
        return "SrvRecord(%d %d %d %s)" % (self.priority, self.weight, self.port, self.target)


class DnsAnswer(object):
    """The outcome of one lookup.

    ``status`` is ``ok`` (records present), ``nodata`` (name exists, no records of that type), ``nxdomain`` or
    ``error`` (timeout, SERVFAIL, REFUSED ...; ``error`` holds the text). ``records`` holds strings for A/AAAA/
    CNAME, :class:`SrvRecord` for SRV, and lists of byte strings (the character-strings) for TXT, in the order
    the server sent them. ``canonical_name`` differs from ``name`` when a CNAME chain was followed.
    """

    def __init__(self, name, rdtype, status, records=None, canonical_name=None, error=None):
        self.name = name.rstrip(".")
        self.rdtype = rdtype
        self.status = status
        self.records = records or []
        self.canonical_name = (canonical_name or name).rstrip(".")
        self.error = error

    @property
    def ok(self):
        return self.status == "ok"

    @property
    def missing(self):
        return self.status in ("nodata", "nxdomain")

    @property
    def is_cname(self):
        return self.canonical_name.lower() != self.name.lower()

    def describe(self):
        if self.status == "ok":
            return "%s %s: %s" % (self.name, self.rdtype, ", ".join(_record_text(r) for r in self.records))
        if self.status == "error":
            return "%s %s: lookup failed (%s)" % (self.name, self.rdtype, self.error)
        return "%s %s: %s" % (self.name, self.rdtype, "no such name" if self.status == "nxdomain" else "no records")

    def as_dict(self):
        return {"name": self.name, "type": self.rdtype, "status": self.status,
                "records": [_record_json(r) for r in self.records],
                "canonical_name": self.canonical_name, "error": self.error}


def _record_text(record):
    if isinstance(record, SrvRecord):
        return "%d %d %d %s" % (record.priority, record.weight, record.port, record.target)
    if isinstance(record, list):
        return " ".join('"%s"' % s.decode("utf-8", "replace") for s in record)
    return str(record)


def _record_json(record):
    if isinstance(record, SrvRecord):
        return record.as_dict()
    if isinstance(record, list):
        return [s.decode("utf-8", "replace") for s in record]
    return record


def order_srv(records):
    """RFC 2782 order without randomness: lowest priority first, then heaviest weight, then target name."""
    return sorted(records, key=lambda r: (r.priority, -r.weight, r.target, r.port))


class DnsClient(object):
    """dnspython stub resolver with per-(name, type) memoisation, safe to share between threads.

    ``nameservers`` is a list of ``ip[:port]`` strings; None uses ``/etc/resolv.conf``. ``queries`` counts the
    lookups actually sent (one per name and type).
    """

    def __init__(self, nameservers=None, timeout=5.0, attempts=2):
        if not HAS_DNSPYTHON:
            raise RuntimeError("the Python library 'dnspython' is required for DNS lookups")
        if nameservers:
            resolver = dns.resolver.Resolver(configure=False)
            resolver.nameservers = [dns.nameserver.Do53Nameserver(ip, port)
                                    for ip, port in (parse_address(n, 53, "nameserver") for n in nameservers)]
        else:
            resolver = dns.resolver.Resolver()
        resolver.lifetime = timeout
        resolver.timeout = max(timeout / max(attempts, 1), 0.5)
        resolver.cache = None
        self._resolver = resolver
        self._lock = threading.Lock()
        self._cache = {}
        self.queries = 0

    def query(self, name, rdtype):
        key = (name.rstrip(".").lower(), rdtype)
        with self._lock:
            event = self._cache.get(key)
            owner = event is None
            if owner:
                event = self._cache[key] = [threading.Event(), None]
                self.queries += 1
        if owner:
            try:
                event[1] = self._query(name, rdtype)
            finally:
                event[0].set()
        else:
            event[0].wait()
        return event[1]

    def _query(self, name, rdtype):
        qname = name.rstrip(".") + "."
        try:
            answer = self._resolver.resolve(qname, rdtype, raise_on_no_answer=False, search=False)
        except dns.resolver.NXDOMAIN:
            return DnsAnswer(name, rdtype, "nxdomain")
        except dns.resolver.NoNameservers as exc:
            return DnsAnswer(name, rdtype, "error", error="no server answered: %s" % _short(exc))
        except dns.exception.Timeout:
            return DnsAnswer(name, rdtype, "error", error="timed out")
        except dns.exception.DNSException as exc:
            return DnsAnswer(name, rdtype, "error", error=_short(exc))
        canonical = answer.canonical_name.to_text()
        if answer.rrset is None:
            return DnsAnswer(name, rdtype, "nodata", canonical_name=canonical)
        records = []
        for rdata in answer.rrset:
            if rdtype == "SRV":
                records.append(SrvRecord(rdata.priority, rdata.weight, rdata.port, rdata.target.to_text()))
            elif rdtype == "TXT":
                records.append([bytes(s) for s in rdata.strings])
            elif rdtype == "CNAME":
                records.append(rdata.target.to_text().rstrip("."))
            else:
                records.append(rdata.to_text())
        return DnsAnswer(name, rdtype, "ok", records, canonical)


def _short(exc, limit=300):
    text = str(exc) or type(exc).__name__
    return text if len(text) <= limit else text[:limit] + "..."


# --------------------------------------------------------------------------------------------------------------
# HTTPS
# --------------------------------------------------------------------------------------------------------------

class HttpError(Exception):
    """A request that got no HTTP response. ``kind``: refused, timeout, tls_verify, tls, connect, dns, protocol."""

    def __init__(self, kind, message, verify_message=None):
        super(HttpError, self).__init__(message)
        self.kind = kind
        self.message = message
        self.verify_message = verify_message


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
        message = getattr(exc, "verify_message", None) or _short(exc)
        return HttpError("tls_verify", "certificate verification failed: %s" % message, message)
    if isinstance(exc, ssl.SSLError):
        return HttpError("tls", "TLS handshake failed: %s" % _short(exc))
    if isinstance(exc, ConnectionRefusedError):
        return HttpError("refused", "connection refused (nothing listens on that port)")
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return HttpError("timeout", "timed out")
    if isinstance(exc, (http.client.HTTPException, ConnectionResetError)):
        return HttpError("protocol", "bad HTTP exchange: %s" % _short(exc))
    if isinstance(exc, OSError):
        return HttpError("connect", "cannot connect: %s" % (exc.strerror or _short(exc)))
    return HttpError("protocol", _short(exc))


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

        A transient fault (connection reset, unreachable for a moment) is retried once after a short backoff;
        a refused connection, a timeout or a certificate problem is reported at once.
        """
        if self._conn is not None:
            return
        retry_call(self._open_once, policy=self.client.retry_policy, retry_on=(HttpError,),
                   should_retry=lambda exc: exc.kind in ("connect", "protocol"), sleep=self.client.sleep)

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

    def request(self, method, path, host_header, headers=None, body=None, max_body=1024 * 1024):
        reused = self._conn is not None and self._used
        try:
            return self._request(method, path, host_header, headers, body, max_body)
        except HttpError as exc:
            if not (reused and exc.kind == "protocol"):
                raise
        # The server closed the kept-alive connection between two requests: once more on a new one.
        return self._request(method, path, host_header, headers, body, max_body)

    def _request(self, method, path, host_header, headers, body, max_body):
        self.open()
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
        self.retry_policy = RetryPolicy(attempts=2, base_delay=0.25, max_delay=1.0)
        self.sleep = time.sleep

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
                    if exc.kind not in ("refused", "timeout", "connect"):
                        raise
        raise last

    def request_url(self, url, method="GET", headers=None, body=None, verify=True, max_body=1024 * 1024):
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http"):
            raise HttpError("protocol", "only https:// and http:// URLs are supported, got %r" % url)
        plain = parts.scheme == "http"
        try:
            port = parts.port or (80 if plain else 443)
        except ValueError:
            raise HttpError("protocol", "bad port in %r" % url) from None
        host = parts.hostname
        if not host:
            raise HttpError("protocol", "no host in %r" % url)
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
                return None, hops, HttpError("protocol", "redirect loop at %s" % current)
            seen.add(current)
            if not current.startswith("https://"):
                hops.append({"url": current, "status": None, "error": "not https"})
                return None, hops, HttpError("protocol", "redirected to %s, which is not https" % current)
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
        return None, hops, HttpError("protocol", "more than %d redirects" % MAX_REDIRECTS)


# --------------------------------------------------------------------------------------------------------------
# Well-known and resolution
# --------------------------------------------------------------------------------------------------------------

class WellKnownResult(object):
    """``state``: ``found`` (valid ``m.server``), ``absent`` (no usable answer: peers move on silently) or
    ``invalid`` (served but unusable or refused by peers: a configuration mistake)."""

    def __init__(self, url, state, m_server=None, delegated=None, error=None, hops=None, status=None,
                 redirect_308=False, tls=None, verify_error=None, error_kind=None):
        self.error_kind = error_kind
        self.url = url
        self.state = state
        self.m_server = m_server
        self.delegated = delegated
        self.error = error
        self.hops = hops or []
        self.status = status
        self.redirect_308 = redirect_308
        self.tls = tls
        self.verify_error = verify_error

    def as_dict(self):
        return {"url": self.url, "state": self.state, "m.server": self.m_server, "error": self.error,
                "hops": self.hops, "status": self.status, "redirect_308": self.redirect_308}


def fetch_server_wellknown(client, name):
    """Fetch and validate ``https://<host>/.well-known/matrix/server`` as Synapse does."""
    url = "https://%s/.well-known/matrix/server" % name.url_host
    response, hops, error = client.fetch(url, max_body=WELLKNOWN_MAX_BYTES)
    has_308 = any(h.get("status") == 308 for h in hops)
    if error is not None:
        state = "invalid" if error.kind in ("tls_verify", "tls") or has_308 else "absent"
        return WellKnownResult(url, state, error=error.message, hops=hops, redirect_308=has_308,
                               verify_error=error.verify_message, error_kind=error.kind)
    base = dict(hops=hops, status=response.status, redirect_308=has_308, tls=response.tls)
    if response.status != 200:
        state = "invalid" if has_308 else "absent"
        return WellKnownResult(url, state, error="HTTP %d %s" % (response.status, response.reason), **base)
    if response.truncated:
        return WellKnownResult(url, "invalid", error="body is larger than %d bytes" % WELLKNOWN_MAX_BYTES, **base)
    try:
        content = response.json()
    except ValueError as exc:
        return WellKnownResult(url, "invalid", error="body is not JSON: %s" % exc, **base)
    if not isinstance(content, dict) or not isinstance(content.get("m.server"), str) or not content["m.server"]:
        return WellKnownResult(url, "invalid", error='JSON has no "m.server" string', **base)
    m_server = content["m.server"]
    try:
        delegated = parse_server_name(m_server, '"m.server"')
    except ValueError as exc:
        return WellKnownResult(url, "invalid", m_server=m_server, error=str(exc), **base)
    if has_308:
        return WellKnownResult(url, "invalid", m_server=m_server, delegated=delegated,
                               error="reached through an HTTP 308 redirect, which Synapse does not follow", **base)
    return WellKnownResult(url, "found", m_server=m_server, delegated=delegated, **base)


class Target(object):
    """One host to connect to: ``host:port``, with the SNI/certificate name and Host header the spec prescribes."""

    def __init__(self, host, port, tls_name, host_header, source):
        self.host = host
        self.port = port
        self.tls_name = tls_name
        self.host_header = host_header
        self.source = source

    def as_dict(self):
        return {"host": self.host, "port": self.port, "tls_name": self.tls_name, "host_header": self.host_header,
                "source": self.source}


class Endpoint(object):
    """One resolved ``ip:port`` of a :class:`Target`."""

    def __init__(self, ip, port, target, note=None):
        self.ip = ip
        self.port = port
        self.target = target
        self.note = note

    @property
    def label(self):
        return format_host_port(self.ip, self.port)

    def as_dict(self):
        return dict(self.target.as_dict(), address=self.label, ip=self.ip, port=self.port, note=self.note)


class SrvLookup(object):
    def __init__(self, host, answers):
        self.host = host
        self.answers = answers          # [DnsAnswer for _matrix-fed, DnsAnswer for _matrix]
        self.used = None                # the DnsAnswer whose records are used, or None
        for answer in answers:
            if answer.ok:
                self.used = answer
                break

    @property
    def deprecated(self):
        return self.used is not None and self.used.name.startswith("_matrix._tcp.")

    @property
    def records(self):
        return order_srv(self.used.records) if self.used else []

    @property
    def errors(self):
        return [a for a in self.answers if a.status == "error"]

    def as_dict(self):
        return {"host": self.host, "used": self.used.name if self.used else None, "deprecated": self.deprecated,
                "records": [r.as_dict() for r in self.records], "lookups": [a.as_dict() for a in self.answers]}


class Resolution(object):
    def __init__(self, name):
        self.name = name
        self.steps = []
        self.wellknown = None
        self.delegated = None
        self.srv = None
        self.targets = []
        self.host_lookups = {}     # host -> {"A": DnsAnswer, "AAAA": DnsAnswer}
        self.overrides_used = []
        self.endpoints = []
        self.errors = []

    def as_dict(self):
        return {
            "server_name": self.name.text,
            "steps": self.steps,
            "wellknown": self.wellknown.as_dict() if self.wellknown else None,
            "delegated": self.delegated.text if self.delegated else None,
            "srv": self.srv.as_dict() if self.srv else None,
            "targets": [t.as_dict() for t in self.targets],
            "addresses": [e.label for e in self.endpoints],
            "endpoints": [e.as_dict() for e in self.endpoints],
            "host_lookups": dict((h, dict((t, a.as_dict()) for t, a in v.items()))
                                 for h, v in self.host_lookups.items()),
            "errors": self.errors,
        }


def _srv_lookup(dns_client, host, submit):
    names = ["_matrix-fed._tcp.%s" % host, "_matrix._tcp.%s" % host]
    futures = [submit(dns_client.query, n, "SRV") for n in names]
    return SrvLookup(host, [f.result() for f in futures])


def _targets_for_host(res, host, host_header, tls_name, dns_client, submit, source):
    """Steps 3.3-3.5 / 4-6: SRV ``_matrix-fed`` -> ``_matrix`` -> port 8448 for a host without a port."""
    srv = _srv_lookup(dns_client, host, submit)
    res.srv = srv
    if srv.used is not None:
        res.steps.append("SRV %s: %s" % (srv.used.name, ", ".join(_record_text(r) for r in srv.records)))
        return [Target(r.target, r.port, tls_name, host_header, "%s SRV" % srv.used.name) for r in srv.records]
    for answer in srv.errors:
        res.errors.append(answer.describe())
    res.steps.append("no SRV records for %s; using port %d" % (host, DEFAULT_FEDERATION_PORT))
    return [Target(host, DEFAULT_FEDERATION_PORT, tls_name, host_header, "%s (%s)" % (source, DEFAULT_FEDERATION_PORT))]


def resolve_server(name, dns_client, http_client, submit):
    """Resolve ``name`` (a :class:`ServerName`) to endpoints in the spec's order.

    ``submit(fn, *args)`` returns a future (a thread pool's ``submit``); lookups that may be needed are started
    together so the resolution costs about one round trip per step. Returns a :class:`Resolution`.
    """
    res = Resolution(name)
    if name.is_ip:
        port = name.port or DEFAULT_FEDERATION_PORT
        res.steps.append("server name is an IP literal: connect to %s, certificate for the IP"
                         % format_host_port(name.host, port))
        res.targets = [Target(name.host, port, name.host, name.text, "IP literal")]
    elif name.port is not None:
        res.steps.append("server name has an explicit port: connect to %s, no well-known, no SRV" % name.text)
        res.targets = [Target(name.host, name.port, name.host, name.text, "explicit port")]
    else:
        # Speculative: SRV and address lookups of the server name run while the well-known is fetched.
        srv_prefetch = [submit(dns_client.query, "_matrix-fed._tcp.%s" % name.host, "SRV"),
                        submit(dns_client.query, "_matrix._tcp.%s" % name.host, "SRV")]
        wellknown = fetch_server_wellknown(http_client, name)
        res.wellknown = wellknown
        if wellknown.state == "found":
            delegated = wellknown.delegated
            res.delegated = delegated
            res.steps.append("well-known %s: m.server %s" % (wellknown.url, wellknown.m_server))
            if delegated.is_ip:
                port = delegated.port or DEFAULT_FEDERATION_PORT
                res.targets = [Target(delegated.host, port, delegated.host, delegated.text, "well-known IP")]
            elif delegated.port is not None:
                res.targets = [Target(delegated.host, delegated.port, delegated.host, delegated.text,
                                      "well-known host:port")]
            else:
                res.targets = _targets_for_host(res, delegated.host, delegated.host, delegated.host, dns_client,
                                                submit, "well-known host")
        else:
            res.steps.append("well-known %s: %s (%s)" % (wellknown.url, wellknown.state, wellknown.error))
            for future in srv_prefetch:
                future.result()
            res.targets = _targets_for_host(res, name.host, name.host, name.host, dns_client, submit, "server name")
    _resolve_targets(res, dns_client, http_client, submit)
    return res


def _resolve_targets(res, dns_client, http_client, submit):
    overrides = http_client.overrides
    pending = []
    for target in res.targets:
        hit = overrides.lookup(target.host, target.port)
        if hit:
            res.overrides_used.append("%s -> %s" % (format_host_port(target.host, target.port), format_host_port(*hit)))
            pending.append((target, None, hit))
            continue
        try:
            ip = str(ipaddress.ip_address(target.host))
        except ValueError:
            futures = {}
            if target.host not in res.host_lookups:
                futures = dict((t, submit(dns_client.query, target.host, t)) for t in ("A", "AAAA"))
            pending.append((target, futures, None))
        else:
            pending.append((target, None, (ip, target.port)))
    seen = set()
    for target, futures, fixed in pending:
        if fixed is not None:
            endpoints = [Endpoint(fixed[0], fixed[1], target, "override" if fixed[0] != target.host else None)]
        else:
            if futures:
                res.host_lookups[target.host] = dict((t, f.result()) for t, f in futures.items())
            lookups = res.host_lookups[target.host]
            endpoints = [Endpoint(ip, target.port, target) for t in ("A", "AAAA") for ip in lookups[t].records]
        for endpoint in endpoints:
            key = (endpoint.ip, endpoint.port, target.tls_name, target.host_header)
            if key not in seen:
                seen.add(key)
                res.endpoints.append(endpoint)
