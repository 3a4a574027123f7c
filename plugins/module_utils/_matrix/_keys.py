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


def _decode_seed(text, line):
    try:
        seed = unpadded_b64decode(text)
    except ValueError as exc:
        raise KeyFileError("the key is not valid base64 (%s)" % exc, line) from None
    if len(seed) != ED25519_SEED_LENGTH:
        raise KeyFileError("the key decodes to %d bytes; an ed25519 seed is %d bytes"
                           % (len(seed), ED25519_SEED_LENGTH), line)
    return seed


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
        try:
            public = unpadded_b64decode(key_text)
        except ValueError as exc:
            raise KeyFileError("the public key is not valid base64 (%s)" % exc, number) from None
        if len(public) != ED25519_PUBLIC_KEY_LENGTH:
            raise KeyFileError("the public key decodes to %d bytes, expected %d"
                               % (len(public), ED25519_PUBLIC_KEY_LENGTH), number)
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


# ---- Planning what the signing_key module does ----------------------------------------------------------

REGENERATE_CHOICES = ("never", "fail", "partial_idempotence", "full_idempotence", "always")


class PlanError(Exception):
    """The requested state cannot be reached safely; the message names the option that would allow it."""


class KeyPlan:
    """Outcome of ``plan_signing_keys``.

    ``action`` is ``keep``, ``create``, ``rotate`` or ``regenerate``. ``keys`` is the key file's new content as a
    list (``None`` when the file stays as it is); ``old_keys`` the old keys file's new content (``None`` when
    unchanged); ``retired`` the keys retired now; ``active`` the key that will sign (``None`` only in the check-mode
    prediction of a generated key whose version is not known yet); ``warnings`` for the user.
    """

    def __init__(self, action, active, keys=None, old_keys=None, retired=None, reason=None, warnings=None,
                 generated=False):
        self.action = action
        self.active = active
        self.keys = keys
        self.old_keys = old_keys
        self.retired = retired or []
        self.reason = reason
        self.warnings = warnings or []
        self.generated = generated

    @property
    def changes_keys(self):
        return self.keys is not None


def plan_signing_keys(current, old_keys, version=None, rotate=False, regenerate="fail", import_key=None,
                      expired_ts=None, file_error=None, salvaged=None, key_factory=None):
    """Decide what to do with a signing key file. Pure: no I/O, no clock unless ``expired_ts`` is ``None``.

    ``current``: list of ``SigningKey`` from the file, or ``None`` when the file is missing or malformed.
    ``file_error``: the ``KeyFileError`` when malformed; ``salvaged``: the keys that did parse in a malformed file.
    ``old_keys``: list of ``OldKey`` already retired. ``version``: wanted version of the active key (optional).
    ``import_key``: a ``SigningKey`` that must be the active key (for example from Rocket.Chat).
    ``key_factory(version_or_None, taken)`` makes new keys (default ``generate_signing_key``).
    """
    if regenerate not in REGENERATE_CHOICES:
        raise PlanError("regenerate must be one of %s" % ", ".join(REGENERATE_CHOICES))
    if version is not None:
        check_version(version)
    if import_key is not None and version is not None and import_key.version != version:
        raise PlanError("the imported key has version %s but version=%s was given" % (import_key.version, version))
    if import_key is not None:
        version = import_key.version
    key_factory = key_factory or generate_signing_key
    old_versions = dict((key.version, key) for key in old_keys)
    if expired_ts is None:
        expired_ts = default_expired_ts()

    def new_key(in_use):
        taken = set(old_versions) | set(in_use)
        if import_key is not None:
            old = old_versions.get(import_key.version)
            if old is not None and old.public_key != import_key.public_key:
                raise PlanError("key id %s was used by a retired key with another public key; Matrix servers cache "
                                "keys by id, so an id must never be reused for a different key. Import the key "
                                "with another version" % import_key.key_id)
            return import_key
        if version is not None and version in taken:
            raise PlanError("key id %s:%s is already in use or was used by a retired key; choose another version "
                            "(an id must never be reused for a different key) or leave version unset to generate "
                            "one" % (ALGORITHM, version))
        return key_factory(version, taken)

    def replace(existing, action, reason):
        fresh = new_key([key.version for key in existing])
        try:
            old = retire([key for key in existing if key.version != fresh.version], old_keys, expired_ts)
        except ValueError as exc:
            raise PlanError(str(exc)) from None
        retired = [key for key in old if key not in old_keys]
        return KeyPlan(action, fresh, keys=[fresh], old_keys=old if retired else None, retired=retired,
                       reason=reason, generated=import_key is None)

    # 1. No usable file.
    if current is None and file_error is None:
        fresh = new_key([])
        return KeyPlan("create", fresh, keys=[fresh], reason="the key file does not exist",
                       generated=import_key is None)
    if current is None:
        if regenerate in ("full_idempotence", "always"):
            plan = replace(salvaged or [], "regenerate", "the key file is malformed (%s)" % file_error)
            plan.warnings.append("replaced a malformed signing key file (%s)" % file_error)
            return plan
        raise PlanError("%s. The file was left untouched; fix it, restore it from a backup, or set "
                        "regenerate=full_idempotence to replace it with a new key" % file_error)

    active = current[0]
    if regenerate == "always":
        if version is not None and version == active.version and import_key is None:
            raise PlanError("regenerate=always with version=%s would reuse the key id of the current key for a new "
                            "key; leave version unset so each new key gets a new id" % version)
        if import_key is not None and import_key == active and len(current) == 1:
            return KeyPlan("keep", active, reason="the imported key is already the only key")
        return replace(current, "regenerate", "regenerate=always")

    if import_key is not None:
        mismatch = not (import_key == active)
        if mismatch and import_key.version in [key.version for key in current]:
            same = [key for key in current if key.version == import_key.version][0]
            if same != import_key:
                raise PlanError("the key file already has a different key with id %s; an id must never be reused for "
                                "a different key" % import_key.key_id)
    else:
        mismatch = version is not None and version != active.version

    if rotate:
        if version is not None and not mismatch:
            return KeyPlan("keep", active, reason="the active key already has version %s" % version)
        return replace(current, "rotate", "rotate=true")
    if not mismatch:
        return KeyPlan("keep", active, reason="the key file holds a valid key")
    wanted = import_key.key_id if import_key is not None else "%s:%s" % (ALGORITHM, version)
    if regenerate == "never":
        return KeyPlan("keep", active, reason="regenerate=never",
                       warnings=["the active key is %s, not %s; kept because regenerate=never"
                                 % (active.key_id, wanted)])
    if regenerate == "fail":
        raise PlanError("the active key in the file is %s, not %s. Nothing was changed. Set rotate=true to make %s "
                        "the active key and retire %s to the old keys (it stays published in old_verify_keys), or "
                        "drop the version to keep the current key" % (active.key_id, wanted, wanted, active.key_id))
    return replace(current, "regenerate", "the active key is %s, not %s" % (active.key_id, wanted))


def check_expected_public_key(expected, current, old_keys, file_error=None):
    """Guard against a lost or replaced key: ``expected`` (unpadded or padded base64) must be the public key of a
    key in the file or of a retired key. Raises ``PlanError`` saying what to do otherwise."""
    try:
        wanted = unpadded_b64decode(expected.strip())
    except (ValueError, AttributeError):
        raise PlanError("expect_public_key is not base64") from None
    if len(wanted) != ED25519_PUBLIC_KEY_LENGTH:
        raise PlanError("expect_public_key decodes to %d bytes; an ed25519 public key is %d bytes"
                        % (len(wanted), ED25519_PUBLIC_KEY_LENGTH))
    if current is None:
        state = "is malformed (%s)" % file_error if file_error is not None else "does not exist"
        raise PlanError("the key file %s, but expect_public_key says the server had a key (%s). Peers cache that key, "
                        "so restore the file from a backup rather than making a new key; to really start with a new "
                        "key, remove expect_public_key" % (state, unpadded_b64encode(wanted)))
    if any(key.public_key == wanted for key in current) or any(key.public_key == wanted for key in old_keys):
        return
    raise PlanError("the key file holds %s, not the key expect_public_key names (%s), and that key was not retired "
                    "either: the key was replaced outside this module. Peers cache the old key; restore it from a "
                    "backup, or update expect_public_key if the change is intended"
                    % (", ".join("%s (%s)" % (key.key_id, key.public_key_b64) for key in current),
                       unpadded_b64encode(wanted)))
