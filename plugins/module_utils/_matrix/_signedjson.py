# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Matrix signed JSON (spec appendices "Signing JSON", "Canonical JSON", "Unpadded Base64").

Only the ``cryptography`` library is needed (no PyNaCl/signedjson). Callers that run inside a module
check ``HAS_CRYPTOGRAPHY`` and fail with ``missing_required_lib('cryptography')`` and
``CRYPTOGRAPHY_IMPORT_ERROR``.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import re

from ansible_collections.fedops.rocketchat.plugins.module_utils._cryptography import (  # noqa: F401  pylint: disable=unused-import
    HAS_CRYPTOGRAPHY, CRYPTOGRAPHY_IMPORT_ERROR, InvalidSignature, serialization, Ed25519PrivateKey, Ed25519PublicKey,
)


ED25519_SEED_LENGTH = 32
ED25519_PUBLIC_KEY_LENGTH = 32
ED25519_SIGNATURE_LENGTH = 64

# Largest integer canonical JSON allows (spec: [-(2**53)+1, (2**53)-1]).
_CANONICAL_INT_LIMIT = 2 ** 53 - 1

_B64_RE = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")


class SignatureError(Exception):
    """A signature is missing, malformed or does not verify."""


def _require_cryptography():
    if not HAS_CRYPTOGRAPHY:
        raise RuntimeError("the Python library 'cryptography' is required for Matrix signing")


def _check_canonical(value, path="$"):
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int):
        if abs(value) > _CANONICAL_INT_LIMIT:
            raise ValueError("%s: integer %d is outside the range canonical JSON allows" % (path, value))
        return
    if isinstance(value, float):
        raise ValueError("%s: floats are not allowed in canonical JSON" % path)
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError("%s: object keys must be strings, got %r" % (path, key))
            _check_canonical(item, "%s.%s" % (path, key))
        return
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check_canonical(item, "%s[%d]" % (path, index))
        return
    raise ValueError("%s: %s values cannot be encoded as JSON" % (path, type(value).__name__))


def encode_canonical_json(obj):
    """Return the Matrix canonical JSON encoding of ``obj`` as UTF-8 bytes.

    Sorted keys, no insignificant whitespace, non-ASCII characters as UTF-8 (not ``\\u`` escapes),
    integers only (floats raise ``ValueError``).
    """
    _check_canonical(obj)
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True,
                      allow_nan=False).encode("utf-8")


def unpadded_b64encode(data):
    """Standard-alphabet base64 without ``=`` padding."""
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("unpadded_b64encode() needs bytes, got %s" % type(data).__name__)
    return base64.b64encode(bytes(data)).decode("ascii").rstrip("=")


def unpadded_b64decode(text):
    """Decode standard base64 with or without padding; raise ``ValueError`` on anything else."""
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("ascii")
        except UnicodeDecodeError:
            raise ValueError("base64 text contains non-ASCII bytes") from None
    if not isinstance(text, str):
        raise ValueError("base64 text must be a string, got %s" % type(text).__name__)
    if not _B64_RE.match(text):
        raise ValueError("not base64: only A-Z, a-z, 0-9, '+', '/' and trailing '=' are allowed")
    stripped = text.rstrip("=")
    if len(stripped) % 4 == 1:
        raise ValueError("not base64: %d characters cannot encode whole bytes" % len(stripped))
    padded = stripped + "=" * (-len(stripped) % 4)
    if text != stripped and text != padded:
        raise ValueError("not base64: wrong amount of '=' padding")
    try:
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64: %s" % exc) from None


def _private_key(seed):
    _require_cryptography()
    if not isinstance(seed, (bytes, bytearray)) or len(seed) != ED25519_SEED_LENGTH:
        raise ValueError("an ed25519 seed must be %d bytes" % ED25519_SEED_LENGTH)
    return Ed25519PrivateKey.from_private_bytes(bytes(seed))


def public_key_from_seed(seed):
    """Return the raw 32-byte ed25519 public key for a 32-byte seed."""
    return _private_key(seed).public_key().public_bytes(
        encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw)


def signing_bytes(obj):
    """The bytes a Matrix signature covers: canonical JSON of ``obj`` without ``signatures``/``unsigned``."""
    if not isinstance(obj, dict):
        raise ValueError("only JSON objects can be signed")
    stripped = dict((k, v) for k, v in obj.items() if k not in ("signatures", "unsigned"))
    return encode_canonical_json(stripped)


def sign_json(obj, signing_name, key_id, seed):
    """Return a deep copy of ``obj`` with an ed25519 signature under ``signatures[signing_name][key_id]``.

    Existing signatures and ``unsigned`` are kept (and not covered by the signature).
    """
    if not isinstance(key_id, str) or not key_id.startswith("ed25519:"):
        raise ValueError("key_id must look like 'ed25519:<version>', got %r" % (key_id,))
    key = _private_key(seed)
    signature = key.sign(signing_bytes(obj))
    result = copy.deepcopy(obj)
    signatures = result.get("signatures")
    if not isinstance(signatures, dict):
        signatures = {}
    entity = signatures.get(signing_name)
    if not isinstance(entity, dict):
        entity = {}
    entity[key_id] = unpadded_b64encode(signature)
    signatures[signing_name] = entity
    result["signatures"] = signatures
    return result


def verify_signed_json(obj, signing_name, key_id, public_key):
    """Check the signature of ``signing_name`` with ``key_id`` on ``obj``.

    ``public_key`` is the raw 32-byte key (unpadded base64 text is accepted too). Returns ``None`` when the
    signature verifies and raises ``SignatureError`` otherwise, with a message saying why.
    """
    _require_cryptography()
    if isinstance(public_key, str):
        try:
            public_key = unpadded_b64decode(public_key)
        except ValueError as exc:
            raise SignatureError("public key for %s is not valid base64: %s" % (key_id, exc)) from None
    if not isinstance(public_key, (bytes, bytearray)) or len(public_key) != ED25519_PUBLIC_KEY_LENGTH:
        raise SignatureError("public key for %s must be %d bytes" % (key_id, ED25519_PUBLIC_KEY_LENGTH))
    if not isinstance(obj, dict):
        raise SignatureError("only JSON objects carry signatures")
    signatures = obj.get("signatures")
    if not isinstance(signatures, dict) or not isinstance(signatures.get(signing_name), dict):
        raise SignatureError("object has no signatures from %s" % signing_name)
    encoded = signatures[signing_name].get(key_id)
    if encoded is None:
        raise SignatureError("object has no signature from %s with key %s" % (signing_name, key_id))
    try:
        signature = unpadded_b64decode(encoded)
    except ValueError as exc:
        raise SignatureError("signature from %s with key %s is not valid base64: %s"
                             % (signing_name, key_id, exc)) from None
    if len(signature) != ED25519_SIGNATURE_LENGTH:
        raise SignatureError("signature from %s with key %s has %d bytes, expected %d"
                             % (signing_name, key_id, len(signature), ED25519_SIGNATURE_LENGTH))
    try:
        message = signing_bytes(obj)
    except ValueError as exc:
        raise SignatureError("object cannot be encoded as canonical JSON: %s" % exc) from None
    try:
        Ed25519PublicKey.from_public_bytes(bytes(public_key)).verify(signature, message)
    except InvalidSignature:
        raise SignatureError("signature from %s with key %s does not verify" % (signing_name, key_id)) from None
