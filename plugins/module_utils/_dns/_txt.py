# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""TXT values: splitting into character-strings and the zone-file text form (RFC 1035 section 5.1).

A TXT record is a sequence of character-strings of at most 255 bytes each. Resolvers and Rocket.Chat
join them with no separator, so the value that matters is the joined byte string. Everything here
is pure and works on bytes:

* `split_txt` cuts a value into chunks of at most `size` bytes, never inside a UTF-8 character;
* `encode_txt` renders chunks as quoted strings, escaping per chunk, so an escape sequence can
  never straddle two strings;
* `decode_txt` parses the text form back into chunks (quoted or unquoted strings, `\\X` and
  `\\DDD` escapes, decimal as RFC 1035 says, or octal as Route 53 writes them).
"""

from __future__ import annotations

MAX_STRING = 255


class TXTError(ValueError):
    """A TXT text form that cannot be parsed, or a chunk size out of range."""


def _is_continuation(byte):
    return 0x80 <= byte <= 0xBF


def split_txt(data, size=MAX_STRING):
    """Split `data` (bytes) into chunks of at most `size` bytes, never cutting a UTF-8 sequence.

    A chunk ends early when the cut would fall between a UTF-8 lead byte and its continuation
    bytes. Bytes that are not UTF-8 (a run of continuation bytes longer than 3) are cut at `size`.
    An empty value is one empty character-string.
    """
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("split_txt expects bytes")
    if not 1 <= size <= MAX_STRING:
        raise TXTError("a TXT character-string holds 1 to 255 bytes, not %r" % (size,))
    data = bytes(data)
    if not data:
        return [b""]
    chunks = []
    start = 0
    length = len(data)
    while start < length:
        end = min(start + size, length)
        if end < length:
            cut = end
            # Back off over continuation bytes to the lead byte of the character being cut.
            steps = 0
            while cut > start and _is_continuation(data[cut]) and steps < 3:
                cut -= 1
                steps += 1
            if cut > start and not _is_continuation(data[cut]) and steps:
                end = cut
        chunks.append(data[start:end])
        start = end
    return chunks


def join_txt(chunks):
    """The joined value of a TXT record, as resolvers and Rocket.Chat see it."""
    return b"".join(chunks)


def _escape_byte(byte, octal):
    return "\\%03o" % byte if octal else "\\%03d" % byte


def encode_chunk(chunk, escape_non_ascii=True, octal=False):
    """One character-string in quotes. `"` and backslash get a backslash; control bytes (and
    non-ASCII bytes when `escape_non_ascii`) become `\\DDD` (decimal) or `\\OOO` (octal)."""
    out = ['"']
    if not escape_non_ascii:
        text = chunk.decode("utf-8", "surrogateescape")
        for char in text:
            code = ord(char)
            if char in ('"', "\\"):
                out.append("\\" + char)
            elif code < 0x20 or code == 0x7F:
                out.append(_escape_byte(code, octal))
            elif 0xDC80 <= code <= 0xDCFF:  # a byte that was not valid UTF-8
                out.append(_escape_byte(code - 0xDC00, octal))
            else:
                out.append(char)
    else:
        for byte in bytearray(chunk):
            if byte in (0x22, 0x5C):
                out.append("\\" + chr(byte))
            elif byte < 0x20 or byte >= 0x7F:
                out.append(_escape_byte(byte, octal))
            else:
                out.append(chr(byte))
    out.append('"')
    return "".join(out)


def encode_txt(chunks, escape_non_ascii=True, octal=False):
    """The text form of one TXT record: every chunk quoted, separated by one space."""
    return " ".join(encode_chunk(chunk, escape_non_ascii=escape_non_ascii, octal=octal) for chunk in chunks)


def decode_txt(text, octal=False, lenient=False):
    """Parse the text form of one TXT record into its character-strings (list of bytes).

    Quoted strings may hold spaces; unquoted strings end at whitespace. `\\X` is X and `\\DDD` is
    a byte (decimal, or octal with `octal=True`). With `lenient`, a value that does not start with a
    quote is taken verbatim as one string (APIs that store TXT unquoted), and a missing closing quote
    is tolerated.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", "surrogateescape")
    if lenient and not text.lstrip().startswith('"'):
        return split_txt(text.encode("utf-8", "surrogateescape")) if text else [b""]
    chunks = []
    current = None
    quoted = False
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if current is None:
            if char.isspace():
                index += 1
                continue
            current = bytearray()
            if char == '"':
                quoted = True
                index += 1
                continue
            quoted = False
        if char == "\\":
            value, index = _unescape(text, index, octal)
            current.extend(value)
            continue
        if quoted and char == '"':
            chunks.append(bytes(current))
            current = None
            index += 1
            continue
        if not quoted and char.isspace():
            chunks.append(bytes(current))
            current = None
            index += 1
            continue
        if not quoted and char == '"':
            raise TXTError("unexpected quote inside an unquoted TXT string: %r" % text)
        current.extend(char.encode("utf-8", "surrogateescape"))
        index += 1
    if current is not None:
        if quoted and not lenient:
            raise TXTError("missing closing quote in TXT value %r" % text)
        chunks.append(bytes(current))
    if not chunks:
        chunks = [b""]
    for chunk in chunks:
        if len(chunk) > MAX_STRING and not lenient:
            raise TXTError("a TXT character-string is longer than 255 bytes in %r" % text)
    return chunks


def _unescape(text, index, octal):
    """The bytes of the escape starting at ``text[index]`` (a backslash) and the index after it: ``\\X`` is X,
    ``\\DDD`` a byte (decimal, or octal with ``octal``)."""
    base, digits = (8, "01234567") if octal else (10, "0123456789")
    if index + 1 >= len(text):
        raise TXTError("TXT value ends with a lone backslash: %r" % text)
    nxt = text[index + 1]
    if nxt not in digits:
        return nxt.encode("utf-8", "surrogateescape"), index + 2
    code = text[index + 1:index + 4]
    if len(code) != 3 or any(c not in digits for c in code):
        raise TXTError("bad escape \\%s in TXT value %r" % (code, text))
    value = int(code, base)
    if value > 255:
        raise TXTError("escape \\%s is not a byte in TXT value %r" % (code, text))
    return bytes((value,)), index + 4


def text_of(data):
    """Bytes of a joined TXT value as a str (UTF-8; undecodable bytes kept via surrogateescape)."""
    return data.decode("utf-8", "surrogateescape")


def bytes_of(text):
    """Inverse of `text_of`."""
    return text.encode("utf-8", "surrogateescape")


def display(text):
    """A str safe to return to Ansible (undecodable bytes shown as \\xNN)."""
    return bytes_of(text).decode("utf-8", "backslashreplace")


class TXTFormat:
    """How one DNS provider hands TXT values over, in the spirit of community.dns's provider information.

    ``handling`` is V(strings) when the provider gives the character-strings themselves (DNS messages through
    dnspython) and V(encoded) when it gives the zone-file text form (HTTP APIs). For the text form,
    ``character_encoding`` says how ``\\DDD`` escapes are read and written (V(decimal) per RFC 1035, V(octal) as
    Route 53 does), ``lenient`` accepts values stored without quotes, and ``escape_non_ascii`` says whether
    non-ASCII bytes are written as escapes (or as UTF-8 text). ``provider`` names the source in error messages.
    """

    def __init__(self, provider, handling="encoded", character_encoding="decimal", lenient=False,
                 escape_non_ascii=True):
        if handling not in ("strings", "encoded"):
            raise ValueError("handling must be 'strings' or 'encoded'")
        if character_encoding not in ("decimal", "octal"):
            raise ValueError("character_encoding must be 'decimal' or 'octal'")
        self.provider = provider
        self.handling = handling
        self.octal = character_encoding == "octal"
        self.lenient = lenient
        self.escape_non_ascii = escape_non_ascii

    def decode(self, raw):
        """The character-strings (tuple of bytes) of one TXT record as the provider returned it."""
        if self.handling == "strings":
            return tuple(bytes(string) for string in raw)
        return tuple(decode_txt(raw, octal=self.octal, lenient=self.lenient))

    def encode(self, chunks):
        """One TXT record's character-strings in the form the provider takes."""
        if self.handling == "strings":
            return list(chunks)
        return encode_txt(chunks, escape_non_ascii=self.escape_non_ascii, octal=self.octal)

    def decode_values(self, raws, where):
        """``(values, chunks)`` for an RRSet from the raw TXT records of one name: ``values`` are the joined texts,
        ``chunks`` maps each to its character-strings. Raises ``TXTError`` naming ``where`` and the provider."""
        values, chunks = [], {}
        for raw in raws:
            try:
                strings = self.decode(raw)
            except TXTError as exc:
                raise TXTError("%s returned a TXT value for %s that cannot be parsed: %s"
                               % (self.provider, where, exc)) from None
            value = text_of(join_txt(strings))
            values.append(value)
            chunks[value] = strings
        return values, chunks
