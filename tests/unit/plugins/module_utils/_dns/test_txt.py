# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""TXT splitting and text form: tables of boundaries, UTF-8 characters and escapes."""

from __future__ import annotations

import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._txt import (
    TXTError,
    decode_txt,
    encode_chunk,
    encode_txt,
    join_txt,
    split_txt,
)

E2 = "é".encode()      # 2 bytes
E3 = "€".encode()      # 3 bytes
E4 = "😀".encode()     # 4 bytes


@pytest.mark.parametrize("data, size, lengths", [
    (b"", 255, [0]),
    (b"a", 255, [1]),
    (b"a" * 255, 255, [255]),
    (b"a" * 256, 255, [255, 1]),
    (b"a" * 510, 255, [255, 255]),
    (b"a" * 800, 255, [255, 255, 255, 35]),
    (b"a" * 442, 255, [255, 187]),     # a 2048-bit Rocket.Chat key
    (b"a" * 442, 128, [128, 128, 128, 58]),
    # a 2-byte character whose first byte would be byte 255: it moves whole to the next string
    (b"a" * 254 + E2, 255, [254, 2]),
    (b"a" * 253 + E2, 255, [255]),
    (b"a" * 254 + E2 + b"b", 255, [254, 3]),
    # 3- and 4-byte characters straddling the boundary at every offset
    (b"a" * 253 + E3, 255, [253, 3]),
    (b"a" * 254 + E3, 255, [254, 3]),
    (b"a" * 252 + E3, 255, [255]),
    (b"a" * 252 + E4, 255, [252, 4]),
    (b"a" * 253 + E4, 255, [253, 4]),
    (b"a" * 254 + E4, 255, [254, 4]),
    (b"a" * 251 + E4, 255, [255]),
    (E2 * 200, 255, [254, 146]),
    (E3 * 100, 255, [255, 45]),
    (E4 * 100, 255, [252, 148]),
    (E4 * 3, 5, [4, 4, 4]),
])
def test_split_lengths(data, size, lengths):
    chunks = split_txt(data, size)
    assert [len(c) for c in chunks] == lengths
    assert join_txt(chunks) == data
    for chunk in chunks:
        chunk.decode("utf-8")  # never a cut character


def test_split_every_offset_keeps_utf8_whole():
    for prefix in range(0, 260):
        data = b"x" * prefix + E4 + E3 + E2 + b"tail"
        chunks = split_txt(data)
        assert join_txt(chunks) == data
        assert all(len(c) <= 255 for c in chunks)
        for chunk in chunks:
            chunk.decode("utf-8")


def test_split_invalid_utf8_still_bounded():
    data = b"\x80" * 600
    chunks = split_txt(data)
    assert join_txt(chunks) == data and all(len(c) <= 255 for c in chunks)


@pytest.mark.parametrize("size", [0, 256, -1])
def test_split_bad_size(size):
    with pytest.raises(TXTError):
        split_txt(b"abc", size)


def test_split_needs_bytes():
    with pytest.raises(TypeError):
        split_txt("abc")


@pytest.mark.parametrize("chunk, escaped, raw_utf8", [
    (b"plain", '"plain"', '"plain"'),
    (b"with space", '"with space"', '"with space"'),
    (b'quote"inside', '"quote\\"inside"', '"quote\\"inside"'),
    (b"back\\slash", '"back\\\\slash"', '"back\\\\slash"'),
    (b"", '""', '""'),
    (b"tab\there", '"tab\\009here"', '"tab\\009here"'),
    (b"del\x7f", '"del\\127"', '"del\\127"'),
    (E2, '"\\195\\169"', '"é"'),
])
def test_encode_chunk(chunk, escaped, raw_utf8):
    assert encode_chunk(chunk) == escaped
    assert encode_chunk(chunk, escape_non_ascii=False) == raw_utf8
    assert decode_txt(escaped) == [chunk]
    assert decode_txt(raw_utf8) == [chunk]


def test_encode_octal_for_route53():
    assert encode_chunk(E2, octal=True) == '"\\303\\251"'
    assert decode_txt('"\\303\\251"', octal=True) == [E2]


@pytest.mark.parametrize("value", [
    b'"' * 300,
    b"\\" * 300,
    (b'a\\"' * 120),
    b"a" * 254 + b'"' + b"b" * 10,
    b"a" * 254 + b"\\" + b"b" * 10,
    b"a" * 254 + b"\x01" + b"b",
    E2 * 127 + b"\\" + E2 * 10,
])
def test_escapes_never_straddle_strings(value):
    """The 255-byte limit is on wire bytes; escaping happens per string, so every quoted string
    decodes on its own and the escapes sit inside one string."""
    chunks = split_txt(value)
    text = encode_txt(chunks)
    assert decode_txt(text) == chunks
    for chunk in chunks:
        single = encode_chunk(chunk)
        assert decode_txt(single) == [chunk]
        assert single in text
    assert join_txt(decode_txt(text)) == value


@pytest.mark.parametrize("text, chunks", [
    ('"a" "b"', [b"a", b"b"]),
    ('"a"  "b c"', [b"a", b"b c"]),
    ("abc def", [b"abc", b"def"]),
    ('abc "d e"', [b"abc", b"d e"]),
    ('"a\\"b"', [b'a"b']),
    ('"\\065\\066"', [b"AB"]),
    ('\\065x', [b"Ax"]),
    ('""', [b""]),
    ("", [b""]),
])
def test_decode(text, chunks):
    assert decode_txt(text) == chunks


@pytest.mark.parametrize("text", [
    '"unterminated',
    '"bad \\25"',
    '"\\999"',
    'ab"c',
    '"x\\',
    '"' + "a" * 256 + '"',
])
def test_decode_errors(text):
    with pytest.raises(TXTError):
        decode_txt(text)


def test_decode_lenient():
    # APIs that store TXT unquoted: taken verbatim (and split if long)
    assert decode_txt("v=spf1 -all", lenient=True) == [b"v=spf1 -all"]
    assert join_txt(decode_txt("x" * 600, lenient=True)) == b"x" * 600
    assert decode_txt('"open', lenient=True) == [b"open"]


# ---- one TXT codec, driven by each provider's txt_format ----

def _providers():
    from ansible_collections.fedops.rocketchat.plugins.module_utils._dns import (  # pylint: disable=import-outside-toplevel
        _cloudflare, _powerdns, _rfc2136)
    classes = [_rfc2136.RFC2136Provider, _powerdns.PowerDNSProvider, _cloudflare.CloudflareProvider]
    try:
        from ansible_collections.fedops.rocketchat.plugins.module_utils._dns import _route53  # pylint: disable=import-outside-toplevel
        classes.append(_route53.Route53Provider)
    except ImportError:  # pragma: no cover - boto3 missing
        pass
    return classes


def test_every_provider_declares_its_txt_format():
    from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._txt import TXTFormat  # pylint: disable=import-outside-toplevel
    formats = dict((cls.name, cls.txt_format) for cls in _providers())
    assert all(isinstance(fmt, TXTFormat) for fmt in formats.values()), formats
    assert formats["rfc2136"].handling == "strings"
    assert formats["powerdns"].lenient and not formats["powerdns"].octal
    assert formats["cloudflare"].lenient and not formats["cloudflare"].escape_non_ascii
    if "route53" in formats:
        assert formats["route53"].octal and not formats["route53"].lenient


@pytest.mark.parametrize("chunks", [(b"v=1",), (b"a" * 255, b"b"), (b"caf\xc3\xa9 \"q\" \\ \x01",), (b"",)])
def test_every_provider_format_round_trips(chunks):
    for cls in _providers():
        fmt = cls.txt_format
        values, layout = fmt.decode_values([fmt.encode(list(chunks))], "x.example.")
        assert values == [b"".join(chunks).decode("utf-8", "surrogateescape")], cls.name
        assert layout == {values[0]: tuple(chunks)}, cls.name


def test_txt_format_reads_each_provider_dialect():
    from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._txt import TXTFormat  # pylint: disable=import-outside-toplevel
    decimal = TXTFormat("D", lenient=True)
    octal = TXTFormat("O", character_encoding="octal")
    strings = TXTFormat("S", handling="strings")
    assert decimal.decode('"a\\010b"') == (b"a\nb",) and octal.decode('"a\\012b"') == (b"a\nb",)
    assert decimal.decode("unquoted value") == (b"unquoted value",)  # stored without quotes by another tool
    assert strings.decode([b"a", b"b"]) == (b"a", b"b") and strings.encode((b"a", b"b")) == [b"a", b"b"]
    assert octal.encode((b"\xc3\xa9",)) == '"\\303\\251"'
    assert TXTFormat("U", escape_non_ascii=False).encode((b"\xc3\xa9",)) == '"\xe9"'
    with pytest.raises(TXTError, match="^O returned a TXT value for x.example. that cannot be parsed: missing"):
        octal.decode_values(['"open'], "x.example.")
    with pytest.raises(ValueError):
        TXTFormat("bad", handling="raw")
    with pytest.raises(ValueError):
        TXTFormat("bad", character_encoding="hex")


def test_providers_have_no_txt_codec_of_their_own():
    import os  # pylint: disable=import-outside-toplevel
    import re  # pylint: disable=import-outside-toplevel
    from ansible_collections.fedops.rocketchat.plugins.module_utils._dns import _txt  # pylint: disable=import-outside-toplevel
    directory = os.path.dirname(_txt.__file__)
    for name in ("_rfc2136.py", "_powerdns.py", "_cloudflare.py", "_route53.py", "_dnsmsg.py"):
        with open(os.path.join(directory, name), encoding="utf-8") as handle:
            source = handle.read()
        assert not re.search(r"\b(decode_txt|encode_txt|text_of)\b", source), name
