# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Matrix server names (spec appendices "Server Name"), ``ip[:port]`` addresses and address overrides."""

from __future__ import annotations

import ipaddress
import re


SERVER_NAME_MAX_LENGTH = 255

_DNS_NAME_RE = re.compile(r"^[A-Za-z0-9.-]+$")
_PORT_RE = re.compile(r"^[0-9]{1,5}$")


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
