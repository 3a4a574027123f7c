# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Service secrets: derived from a master secret and a label, or random.

Derivation (stable: users rely on getting the same value on every run and every machine)::

    block_0 = HMAC-SHA256(key=master, msg=label)
    block_i = HMAC-SHA256(key=master, msg=label || 0x00 || uint32_be(i))      for i >= 1
    stream  = block_0 || block_1 || ...

``hex`` takes the lower-case hex of ``stream`` (so up to 64 characters it is exactly the hex HMAC-SHA256 of the
label, as ``openssl dgst -sha256 -hmac <master>`` prints it). The other alphabets map each byte ``b`` of
``stream`` to ``alphabet[b % n]``, skipping bytes ``b >= 256 - 256 % n`` so that every character is equally likely.
Master and label are UTF-8 encoded; labels must not contain NUL.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import string
import struct

ALPHABETS = {
    "alphanumeric": string.ascii_letters + string.digits,
    "base64url": string.ascii_letters + string.digits + "-_",
    "hex": "0123456789abcdef",
    "letters": string.ascii_letters,
    "digits": string.digits,
}
MIN_LENGTH = 8
MAX_LENGTH = 4096
RECOMMENDED_BITS = 128


def _alphabet(name):
    try:
        return ALPHABETS[name]
    except KeyError:
        raise ValueError("alphabet must be one of %s" % ", ".join(sorted(ALPHABETS))) from None


def check_length(length):
    if isinstance(length, bool) or not isinstance(length, int) or not MIN_LENGTH <= length <= MAX_LENGTH:
        raise ValueError("length must be an integer from %d to %d" % (MIN_LENGTH, MAX_LENGTH))


def entropy_bits(length, alphabet):
    return length * math.log2(len(_alphabet(alphabet)))


def _to_bytes(value, what):
    if isinstance(value, bytes):
        return value
    if not isinstance(value, str):
        raise ValueError("%s must be a string" % what)
    return value.encode("utf-8")


def _stream(master, label):
    counter = 0
    while True:
        message = label if counter == 0 else label + b"\x00" + struct.pack(">I", counter)
        yield hmac.new(master, message, hashlib.sha256).digest()
        counter += 1


def derive(master, label, length, alphabet="alphanumeric"):
    """Deterministic secret of ``length`` characters from ``master`` and ``label`` (see the module docstring)."""
    check_length(length)
    chars = _alphabet(alphabet)
    master = _to_bytes(master, "master secret")
    label = _to_bytes(label, "label")
    if not master:
        raise ValueError("the master secret is empty")
    if not label:
        raise ValueError("the label is empty")
    if b"\x00" in label:
        raise ValueError("the label must not contain NUL characters")
    out = []
    if alphabet == "hex":
        for block in _stream(master, label):
            out.append(block.hex())
            if sum(len(part) for part in out) >= length:
                return "".join(out)[:length]
    n = len(chars)
    limit = 256 - 256 % n
    for block in _stream(master, label):
        for byte in bytearray(block):
            if byte < limit:
                out.append(chars[byte % n])
                if len(out) == length:
                    return "".join(out)
    raise AssertionError("unreachable")  # pragma: no cover


def generate(length, alphabet="alphanumeric"):
    """Random secret from the operating system's CSPRNG."""
    check_length(length)
    chars = _alphabet(alphabet)
    return "".join(secrets.choice(chars) for dummy in range(length))


def conforms(value, length, alphabet):
    chars = set(_alphabet(alphabet))
    return len(value) == length and all(c in chars for c in value)


def encode_file(value):
    """File content for a secret: the value and a newline (Synapse's ``*_path`` options strip it)."""
    return (value + "\n").encode("utf-8")


def decode_file(content):
    """The secret in a file: UTF-8, surrounding whitespace removed. ``None`` for an empty file."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("the secret file is not UTF-8 text") from None
    value = text.strip()
    if "\n" in value or "\r" in value:
        raise ValueError("the secret file holds more than one line")
    return value or None
