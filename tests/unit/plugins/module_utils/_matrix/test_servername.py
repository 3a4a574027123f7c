# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Server-name grammar, ip[:port] addresses and address overrides."""

from __future__ import annotations

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _servername as sn


# ---- grammar -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, host, port, ip", [
    ("example.org", "example.org", None, None),
    ("example.org:8448", "example.org", 8448, None),
    ("matrix-1.example.org:1", "matrix-1.example.org", 1, None),
    ("192.0.2.10", "192.0.2.10", None, 4),
    ("192.0.2.10:65535", "192.0.2.10", 65535, 4),
    ("[2001:db8::1]", "2001:db8::1", None, 6),
    ("[::1]:8448", "::1", 8448, 6),
    ("localhost", "localhost", None, None),
])
def test_parse_server_name_valid(text, host, port, ip):
    name = sn.parse_server_name(text)
    assert (name.host, name.port, name.ip, name.text) == (host, port, ip, text)
    assert name.is_ip == (ip is not None)


@pytest.mark.parametrize("text, fragment", [
    ("", "empty"),
    ("exa mple.org", "only letters"),
    (" example.org", "white space"),
    ("example.org:0", "between 1 and 65535"),
    ("example.org:65536", "between 1 and 65535"),
    ("example.org:http", "not a number"),
    ("example.org:", "not a number"),
    ("2001:db8::1", "in brackets"),
    ("[2001:db8::1", "closing"),
    ("[example.org]:80", "not an IPv6"),
    ("[::1]x", "unexpected"),
    ("192.0.2.300", "neither a valid IPv4"),
    ("a..b", "empty label"),
    (".example.org", "empty label"),
    ("a" * 64 + ".org", "longer than 63"),
    ("a" * 256, "maximum is 255"),
    ("exämple.org", "only letters"),
])
def test_parse_server_name_invalid(text, fragment):
    with pytest.raises(ValueError, match=fragment):
        sn.parse_server_name(text)


def test_server_name_warnings():
    assert sn.server_name_warnings(sn.parse_server_name("example.org")) == []
    assert "lower case" in sn.server_name_warnings(sn.parse_server_name("Example.org"))[0]
    assert "trailing dot" in sn.server_name_warnings(sn.parse_server_name("example.org."))[0]
    assert sn.server_name_warnings(sn.parse_server_name("[::1]")) == []


def test_url_host_and_format():
    assert sn.parse_server_name("[::1]:80").url_host == "[::1]"
    assert sn.format_host_port("::1", 53) == "[::1]:53"
    assert sn.format_host_port("10.0.0.1", None) == "10.0.0.1"


@pytest.mark.parametrize("text, expected", [
    ("10.0.0.1", ("10.0.0.1", 53)),
    ("10.0.0.1:5353", ("10.0.0.1", 5353)),
    ("::1", ("::1", 53)),
    ("[::1]:5353", ("::1", 5353)),
])
def test_parse_address(text, expected):
    assert sn.parse_address(text, 53) == expected


@pytest.mark.parametrize("text", ["ns.example.org", "ns.example.org:53", "", "10.0.0.1:99999"])
def test_parse_address_invalid(text):
    with pytest.raises(ValueError):
        sn.parse_address(text, 53)


def test_address_overrides():
    overrides = sn.AddressOverrides({"matrix.example.org:8448": "10.0.0.5:9448", "Example.org": "10.0.0.4",
                                    "[::1]:443": "[::2]"})
    assert overrides
    assert overrides.lookup("matrix.example.org", 8448) == ("10.0.0.5", 9448)
    assert overrides.lookup("matrix.example.org", 443) is None
    assert overrides.lookup("example.org", 443) == ("10.0.0.4", 443)
    assert overrides.lookup("EXAMPLE.org.", 8448) == ("10.0.0.4", 8448)
    assert overrides.lookup("::1", 443) == ("::2", 443)
    assert not sn.AddressOverrides({})
    with pytest.raises(ValueError, match="expected an IP"):
        sn.AddressOverrides({"a.example.org": "b.example.org"})
