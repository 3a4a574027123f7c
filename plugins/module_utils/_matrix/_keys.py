# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Matrix ed25519 signing keys: Synapse's key file, old keys, key ids, Rocket.Chat native federation's encoding.

Synapse key file (signedjson ``read_signing_keys``/``write_signing_keys``, Synapse ``config/key.py``): one key
per non-blank line, ``<algorithm> <version> <unpadded base64 of the 32-byte ed25519 seed>``. All keys in the file
are published in ``verify_keys``; the first one signs events and requests. No comments are allowed.

Old keys file (signedjson ``read_old_signing_keys`` stream format): ``<algorithm> <version> <expired_ts>
<unpadded base64 public key>`` per line. The collection keeps every retired public key there so that Synapse's
``old_signing_keys`` option can always be rebuilt.

Rocket.Chat native federation (7.11+) keeps its key in three settings. Confirmed in the
``@rocket.chat/federation-sdk`` 0.8.0 npm package (its source map carries the sources):

- Rocket.Chat ``ee/packages/federation-matrix/src/setup.ts`` ``configureFederationMatrixSettings()`` passes
  ``signingKey: `${Federation_Service_Matrix_Signing_Algorithm} ${..._Signing_Version} ${..._Signing_Key}``` to
  the SDK's ``ConfigService.setConfig()`` (``federation-sdk/src/services/config.service.ts``).
- ``ConfigService.getSigningKey()`` calls ``generateKeyPairsFromString()`` (``@rocket.chat/federation-core``
  ``utils/keys.js``): ``content.trim().split(' ')`` into algorithm, version and seed, decodes the seed with
  ``atob()`` (WHATWG forgiving base64: padded or unpadded standard alphabet) and calls tweetnacl
  ``nacl.sign.keyPair.fromSeed()``, which throws ``bad seed size`` unless it gets exactly 32 bytes.
- The setting's default (Rocket.Chat ``apps/meteor/server/settings/federation-service.ts``) is
  ``generateEd25519RandomSecretKey().toString('base64')``, re-exported by the SDK from
  ``@rocket.chat/federation-crypto`` ``utils/keys.js``: ``@noble/ed25519`` 3 ``utils.randomSecretKey()``, a 32-byte
  seed. So the value Rocket.Chat makes itself is padded standard base64 of the 32-byte seed (44 characters).
- The key id Rocket.Chat publishes is ``<algorithm>:<version>`` (``ConfigService.getSigningKeyId()``); the
  version setting defaults to ``'0'`` and is read-only only in the admin UI.

So ``Federation_Service_Matrix_Signing_Key`` is the same 32-byte seed as in Synapse's file, in padded base64; the
version setting carries Synapse's version id, and the algorithm is ``ed25519``.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import string
import time

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._signedjson import (
    ED25519_SEED_LENGTH,
    ED25519_PUBLIC_KEY_LENGTH,
    public_key_from_seed,
    unpadded_b64decode,
    unpadded_b64encode,
)

ALGORITHM = "ed25519"
VERSION_RE = re.compile(r"^[A-Za-z0-9_]+$")
# Synapse: "a_" + random_string(4) with ascii letters (synapse/config/key.py, synapse/util/stringutils.py).
GENERATED_VERSION_PREFIX = "a_"
GENERATED_VERSION_LETTERS = 4
# Synapse's export_signing_key default for expired_ts: now + 6 hours.
DEFAULT_EXPIRY_GRACE_MS = 6 * 3600 * 1000

ROCKETCHAT_ALGORITHM_SETTING = "Federation_Service_Matrix_Signing_Algorithm"
ROCKETCHAT_VERSION_SETTING = "Federation_Service_Matrix_Signing_Version"
ROCKETCHAT_KEY_SETTING = "Federation_Service_Matrix_Signing_Key"
ROCKETCHAT_DEFAULT_VERSION = "0"


class KeyFileError(ValueError):
    """A key file line is malformed. ``line`` is 1-based (``None`` for whole-file problems)."""

    def __init__(self, message, line=None):
        self.line = line
        self.reason = message
        if line is not None:
            message = "line %d: %s" % (line, message)
        super().__init__(message)


class SigningKey:
    """One ed25519 signing key: algorithm, version and the 32-byte seed."""

    __slots__ = ("algorithm", "version", "seed", "_public")

    def __init__(self, version, seed, algorithm=ALGORITHM):
        if algorithm != ALGORITHM:
            raise ValueError("unsupported signing algorithm %r (only %r exists)" % (algorithm, ALGORITHM))
        check_version(version)
        if not isinstance(seed, (bytes, bytearray)) or len(seed) != ED25519_SEED_LENGTH:
            raise ValueError("an ed25519 seed is %d bytes" % ED25519_SEED_LENGTH)
        self.algorithm = algorithm
        self.version = version
        self.seed = bytes(seed)
        self._public = None

    def __eq__(self, other):
        return (isinstance(other, SigningKey) and other.algorithm == self.algorithm
                and other.version == self.version and secrets.compare_digest(other.seed, self.seed))

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = None

    def __repr__(self):
        # Never show the seed.
        return "SigningKey(%s, public_key=%s)" % (self.key_id, self.public_key_b64)

    @property
    def key_id(self):
        return "%s:%s" % (self.algorithm, self.version)

    @property
    def public_key(self):
        if self._public is None:
            self._public = public_key_from_seed(self.seed)
        return self._public

    @property
    def public_key_b64(self):
        return unpadded_b64encode(self.public_key)

    @property
    def fingerprint(self):
        return fingerprint(self.public_key)

    def to_line(self):
        return "%s %s %s\n" % (self.algorithm, self.version, unpadded_b64encode(self.seed))

    def info(self):
        """Public facts about the key (no secret material)."""
        return {
            "key_id": self.key_id,
            "version": self.version,
            "algorithm": self.algorithm,
            "public_key": self.public_key_b64,
            "fingerprint": self.fingerprint,
        }


class OldKey:
    """A retired public key as Synapse's ``old_signing_keys`` wants it."""

    __slots__ = ("algorithm", "version", "public_key", "expired_ts")

    def __init__(self, version, public_key, expired_ts, algorithm=ALGORITHM):
        if algorithm != ALGORITHM:
            raise ValueError("unsupported signing algorithm %r (only %r exists)" % (algorithm, ALGORITHM))
        check_version(version)
        if not isinstance(public_key, (bytes, bytearray)) or len(public_key) != ED25519_PUBLIC_KEY_LENGTH:
            raise ValueError("an ed25519 public key is %d bytes" % ED25519_PUBLIC_KEY_LENGTH)
        if isinstance(expired_ts, bool) or not isinstance(expired_ts, int) or expired_ts < 0:
            raise ValueError("expired_ts must be a non-negative integer (milliseconds since 1970)")
        self.algorithm = algorithm
        self.version = version
        self.public_key = bytes(public_key)
        self.expired_ts = expired_ts

    def __eq__(self, other):
        return (isinstance(other, OldKey) and (other.algorithm, other.version, other.public_key, other.expired_ts)
                == (self.algorithm, self.version, self.public_key, self.expired_ts))

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = None

    def __repr__(self):
        return "OldKey(%s, public_key=%s, expired_ts=%d)" % (self.key_id, self.public_key_b64, self.expired_ts)

    @property
    def key_id(self):
        return "%s:%s" % (self.algorithm, self.version)

    @property
    def public_key_b64(self):
        return unpadded_b64encode(self.public_key)

    def to_line(self):
        return "%s %s %d %s\n" % (self.algorithm, self.version, self.expired_ts, self.public_key_b64)

    def config_entry(self):
        """``{key_id: {key, expired_ts}}`` for Synapse's ``old_signing_keys``."""
        return {self.key_id: {"key": self.public_key_b64, "expired_ts": self.expired_ts}}


def check_version(version):
    if not isinstance(version, str) or not VERSION_RE.match(version):
        raise ValueError("key version %r must be non-empty and use only A-Z, a-z, 0-9 and _" % (version,))


def fingerprint(public_key):
    """SHA-256 of the raw public key, colon-separated hex (community.crypto's style), keyed by hash name."""
    digest = hashlib.sha256(public_key).hexdigest()
    return {"sha256": ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))}


def generate_version(taken=(), rng=None):
    """A new version id like Synapse's (``a_`` + 4 ASCII letters), not in ``taken``."""
    rng = rng or secrets.SystemRandom()
    taken = set(taken)
    for dummy in range(1000):
        version = GENERATED_VERSION_PREFIX + "".join(
            rng.choice(string.ascii_letters) for dummy2 in range(GENERATED_VERSION_LETTERS))
        if version not in taken:
            return version
    raise RuntimeError("could not find a free key version")  # pragma: no cover


def generate_signing_key(version=None, taken=()):
    if version is None:
        version = generate_version(taken)
    return SigningKey(version, secrets.token_bytes(ED25519_SEED_LENGTH))


def _decode_key_bytes(text, line, what, length, expected):
    """Unpadded base64 ``text`` of ``what`` on ``line``, which must decode to ``length`` bytes."""
    try:
        value = unpadded_b64decode(text)
    except ValueError as exc:
        raise KeyFileError("%s is not valid base64 (%s)" % (what, exc), line) from None
    if len(value) != length:
        raise KeyFileError("%s decodes to %d bytes%s %d bytes" % (what, len(value), expected, length), line)
    return value


def _decode_seed(text, line):
    return _decode_key_bytes(text, line, "the key", ED25519_SEED_LENGTH, "; an ed25519 seed is")


def _content_lines(text):
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise KeyFileError("the file is not UTF-8 text") from None
    return enumerate(text.splitlines(), start=1)


def parse_signing_keys(text, lenient=False):
    """Parse Synapse's signing key file. Returns a list of ``SigningKey`` (file order; the first is active).

    Raises ``KeyFileError`` naming the first bad line (1-based), or an empty/blank file. With ``lenient`` the bad
    lines are skipped and ``(keys, errors)`` is returned instead.
    """
    keys = []
    errors = []
    seen = set()
    for number, line in _content_lines(text):
        if not line.strip():
            continue
        try:
            fields = line.split()
            if len(fields) == 1:
                raise KeyFileError("only one field: this is the old one-field key format; Synapse converts it "
                                   "with --generate-keys, or expected '<algorithm> <version> <base64 seed>'", number)
            if len(fields) != 3:
                raise KeyFileError("expected 3 fields '<algorithm> <version> <base64 seed>', found %d"
                                   % len(fields), number)
            algorithm, version, key_text = fields
            if algorithm != ALGORITHM:
                raise KeyFileError("unsupported algorithm %r (only %r exists)" % (algorithm, ALGORITHM), number)
            if not VERSION_RE.match(version):
                raise KeyFileError("key version %r may only use A-Z, a-z, 0-9 and _" % version, number)
            if version in seen:
                raise KeyFileError("key version %r appears twice" % version, number)
            key = SigningKey(version, _decode_seed(key_text, number), algorithm)
        except KeyFileError as exc:
            if not lenient:
                raise
            errors.append(exc)
            continue
        seen.add(version)
        keys.append(key)
    if lenient:
        return keys, errors
    if not keys:
        raise KeyFileError("the file holds no signing key")
    return keys


def serialize_signing_keys(keys):
    return "".join(key.to_line() for key in keys)


def parse_old_keys(text):
    """Parse the old keys file (``<algorithm> <version> <expired_ts> <base64 public key>`` per line)."""
    keys = []
    seen = set()
    for number, line in _content_lines(text):
        if not line.strip():
            continue
        fields = line.split()
        if len(fields) != 4:
            raise KeyFileError("expected 4 fields '<algorithm> <version> <expired_ts> <base64 public key>', "
                               "found %d" % len(fields), number)
        algorithm, version, expired, key_text = fields
        if algorithm != ALGORITHM:
            raise KeyFileError("unsupported algorithm %r (only %r exists)" % (algorithm, ALGORITHM), number)
        if not VERSION_RE.match(version):
            raise KeyFileError("key version %r may only use A-Z, a-z, 0-9 and _" % version, number)
        if version in seen:
            raise KeyFileError("key version %r appears twice" % version, number)
        if not expired.isdigit():
            raise KeyFileError("expired_ts %r is not a non-negative integer" % expired, number)
        public = _decode_key_bytes(key_text, number, "the public key", ED25519_PUBLIC_KEY_LENGTH, ", expected")
        seen.add(version)
        keys.append(OldKey(version, public, int(expired), algorithm))
    return keys


def serialize_old_keys(keys):
    return "".join(key.to_line() for key in keys)


def old_signing_keys_config(old_keys):
    """Synapse's ``old_signing_keys`` mapping for a list of ``OldKey``."""
    config = {}
    for key in old_keys:
        config.update(key.config_entry())
    return config


def now_ms():
    return int(time.time() * 1000)


def default_expired_ts(now=None):
    return (now_ms() if now is None else now) + DEFAULT_EXPIRY_GRACE_MS


def retire(keys, old_keys, expired_ts):
    """Old keys after retiring ``keys``: existing entries are kept (never dropped), new ones appended."""
    result = list(old_keys)
    known = dict((key.version, key) for key in result)
    for key in keys:
        existing = known.get(key.version)
        if existing is not None:
            if existing.public_key != key.public_key:
                raise ValueError("key version %s is already retired with a different public key; a version id "
                                 "must never be reused for another key" % key.version)
            continue
        old = OldKey(key.version, key.public_key, expired_ts, key.algorithm)
        result.append(old)
        known[key.version] = old
    return result


# ---- Rocket.Chat native federation ----------------------------------------------------------------------

def to_rocketchat(key):
    """The three Rocket.Chat settings for ``key`` (the signing key value is secret)."""
    return {
        ROCKETCHAT_ALGORITHM_SETTING: key.algorithm,
        ROCKETCHAT_VERSION_SETTING: key.version,
        ROCKETCHAT_KEY_SETTING: base64.b64encode(key.seed).decode("ascii"),
    }


def from_rocketchat(key_value, version=ROCKETCHAT_DEFAULT_VERSION, algorithm=ALGORITHM):
    """A ``SigningKey`` from Rocket.Chat's ``Federation_Service_Matrix_Signing_Key`` (and version/algorithm).

    Accepts padded or unpadded standard base64 of a 32-byte seed, like the federation SDK's ``atob()``.
    Raises ``ValueError`` with what is wrong.
    """
    if algorithm != ALGORITHM:
        raise ValueError("Rocket.Chat signing algorithm %r is not supported (only %r exists)" % (algorithm, ALGORITHM))
    if not isinstance(key_value, str) or not key_value.strip():
        raise ValueError("the Rocket.Chat signing key is empty")
    text = key_value.strip()
    if " " in text:
        raise ValueError("the Rocket.Chat signing key must be the base64 seed alone, not '<algorithm> <version> <key>'")
    try:
        seed = unpadded_b64decode(text)
    except ValueError as exc:
        raise ValueError("the Rocket.Chat signing key is not valid base64 (%s)" % exc) from None
    if len(seed) == 2 * ED25519_SEED_LENGTH:
        raise ValueError("the Rocket.Chat signing key decodes to 64 bytes: that is tweetnacl's secret key (seed and "
                         "public key), which Rocket.Chat itself would refuse; the setting holds only the 32-byte seed, "
                         "the first half")
    if len(seed) != ED25519_SEED_LENGTH:
        raise ValueError("the Rocket.Chat signing key decodes to %d bytes; Rocket.Chat (tweetnacl fromSeed) needs "
                         "a %d-byte ed25519 seed" % (len(seed), ED25519_SEED_LENGTH))
    try:
        check_version(version)
    except ValueError as exc:
        raise ValueError("Rocket.Chat signing version: %s" % exc) from None
    return SigningKey(version, seed, algorithm)
