# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Key server responses (``/_matrix/key/v2/server``): gomatrixserverlib's rules, consistency, expected keys (pure)."""

from __future__ import annotations

import datetime

from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._signedjson import SignatureError, unpadded_b64decode, verify_signed_json
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix._check._report import FAIL, PASS, SKIP, WARN, record


HOUR_MS = 3600 * 1000
WEEK_MS = 7 * 24 * HOUR_MS


def check_key_response(doc, server_name, now_ms, target=None):
    """gomatrixserverlib's ``CheckKeys`` plus the spec's freshness rules, on a parsed ``/_matrix/key/v2/server``.

    Returns ``(records, verify_keys)`` where ``verify_keys`` maps key id to unpadded base64 public key for the
    ed25519 keys that decoded to 32 bytes.
    """
    out = []
    if not isinstance(doc, dict):
        out.append(record("key_response", FAIL, "the key response is not a JSON object",
                          "serve Synapse's /_matrix/key/v2/server unchanged through the proxy", target))
        return out, {}
    out.append(_server_name_record(doc.get("server_name"), server_name, target))
    out.append(_valid_until_record(doc.get("valid_until_ts"), now_ms, target))
    good, key_record = _verify_keys(doc.get("verify_keys"), target)
    out.append(key_record)
    out.append(_signatures_record(doc, server_name, good, target))
    return out, good


def _server_name_record(published, server_name, target):
    if published == server_name:
        return record("key_server_name", PASS, "server_name is %s" % published, target=target)
    if isinstance(published, str) and server_name.startswith(published + ":"):
        return record(
            "key_server_name", FAIL, "the server answers as %r, not %r" % (published, server_name),
            "a port is part of the server name only when the homeserver's server_name has it: check %r (the "
            "port belongs in the well-known m.server or the SRV record)" % published, target)
    return record(
        "key_server_name", FAIL, "the server answers as %r, not %r" % (published, server_name),
        "the delegation (well-known m.server / SRV) must reach the homeserver whose server_name is %s; if "
        "you meant %r, check that name instead (check the server_name, not the delegated host)"
        % (server_name, published), target)


def _valid_until_record(vut, now_ms, target):
    if isinstance(vut, bool) or not isinstance(vut, int):
        return record("key_valid_until", FAIL, "valid_until_ts is missing or not an integer",
                      "serve Synapse's key response unchanged", target)
    if vut <= now_ms:
        return record("key_valid_until", FAIL, "valid_until_ts %s is in the past" % _ms_text(vut),
                      "the server publishes expired keys: check its clock (NTP) and key_refresh_interval",
                      target, {"valid_until_ts": vut})
    effective = min(vut, now_ms + WEEK_MS)
    detail = "valid until %s (peers cache it until %s)" % (_ms_text(vut), _ms_text(effective))
    if vut < now_ms + HOUR_MS:
        return record("key_valid_until", WARN, detail + ", less than one hour ahead",
                      "the spec asks servers not to serve key responses expiring within an hour: check "
                      "key_refresh_interval and the clock", target, {"valid_until_ts": vut})
    return record("key_valid_until", PASS, detail, target=target, data={"valid_until_ts": vut})


def _verify_keys(verify_keys, target):
    """``({key id: key} of the ed25519 keys that decode to 32 bytes, the key_ed25519 record)``."""
    good = {}
    bad = []
    if isinstance(verify_keys, dict):
        for key_id, entry in sorted(verify_keys.items()):
            if not key_id.startswith("ed25519:"):
                continue
            raw = None
            if isinstance(entry, dict) and isinstance(entry.get("key"), str):
                try:
                    raw = unpadded_b64decode(entry["key"])
                except ValueError:
                    raw = None
            if raw is not None and len(raw) == 32:
                good[key_id] = entry["key"]
            else:
                bad.append(key_id)
    if bad:
        return good, record("key_ed25519", FAIL, "ed25519 keys that are not 32 bytes of base64: %s" % ", ".join(bad),
                            "serve Synapse's key response unchanged; a proxy or a broken signing key file alters it",
                            target)
    if not good:
        return good, record("key_ed25519", FAIL, "the response has no ed25519 verify key",
                            "check the signing key file (signing_key_path) and that /_matrix/key reaches Synapse",
                            target)
    return good, record("key_ed25519", PASS, "ed25519 keys: %s" % ", ".join(sorted(good)), target=target,
                        data={"verify_keys": good})


def _signatures_record(doc, server_name, good, target):
    if not good:
        return record("key_signatures", SKIP, "no usable ed25519 key to verify with", target=target)
    failures = []
    for key_id, key in sorted(good.items()):
        try:
            verify_signed_json(doc, server_name, key_id, key)
        except SignatureError as exc:
            failures.append(str(exc))
    if failures:
        return record("key_signatures", FAIL, "; ".join(failures),
                      "the response must be signed by %s with every key in verify_keys: a proxy rewriting "
                      "JSON or a server_name mismatch breaks it" % server_name, target)
    return record("key_signatures", PASS, "every ed25519 signature of %s verifies over canonical JSON"
                  % server_name, target=target)


def _ms_text(ms):
    try:
        return datetime.datetime.fromtimestamp(ms / 1000.0, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return str(ms)


def check_consistency(key_sets):
    """``key_sets``: ``{address: verify_keys}`` from every address that answered."""
    if len(key_sets) < 2:
        return record("keys_consistent", SKIP if not key_sets else PASS,
                      "only one address answered" if key_sets else "no address answered with keys")
    distinct = {}
    for address, keys in sorted(key_sets.items()):
        distinct.setdefault(tuple(sorted(keys.items())), []).append(address)
    if len(distinct) == 1:
        return record("keys_consistent", PASS, "all %d addresses publish the same keys" % len(key_sets))
    parts = ["%s: %s" % (", ".join(addrs), ", ".join("%s=%s" % kv for kv in keys) or "none")
             for keys, addrs in distinct.items()]
    return record("keys_consistent", FAIL, "addresses publish different keys: %s" % "; ".join(parts),
                  "every address must reach the same homeserver with the same signing key: remove stale "
                  "A/AAAA/SRV entries or fix the load balancer pool", data={"by_address": key_sets})


def normalise_expected(value):
    """Expected keys from a public key string, ``'ed25519:<v> <key>'``, a signing_key result dict or a list of them.

    Returns ``[(key_id or None, public_key_b64)]``; raises ``ValueError`` naming the problem.
    """
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, dict):
            if isinstance(item.get("verify_keys"), dict) and "public_key" not in item:
                for key_id, entry in item["verify_keys"].items():
                    key = entry.get("key") if isinstance(entry, dict) else entry
                    out.append((key_id, _check_public_key(key)))
                continue
            key = item.get("public_key") or item.get("key")
            out.append((item.get("key_id"), _check_public_key(key)))
        elif isinstance(item, str):
            fields = item.split()
            if len(fields) == 2 and fields[0].startswith("ed25519:"):
                out.append((fields[0], _check_public_key(fields[1])))
            elif len(fields) == 1:
                out.append((None, _check_public_key(fields[0])))
            else:
                raise ValueError("expected '<unpadded base64 public key>' or 'ed25519:<version> <public key>', got "
                                 "%d fields" % len(fields))
        else:
            raise ValueError("expected a string or the signing_key module's result, got %s" % type(item).__name__)
    if not out:
        raise ValueError("no key given")
    return out


def _check_public_key(key):
    if not isinstance(key, str):
        raise ValueError("the public key must be a string")
    try:
        raw = unpadded_b64decode(key.strip())
    except ValueError as exc:
        raise ValueError("public key %r is not base64: %s" % (key, exc)) from None
    if len(raw) != 32:
        raise ValueError("public key %r decodes to %d bytes; an ed25519 public key has 32 (is it the private "
                         "seed line of a key file? use signing_key_path for files)" % (key, len(raw)))
    return key.strip().rstrip("=")


def check_expected(expected, responses):
    """``responses``: ``{address: key response doc}``. Each expected key must be a current verify key everywhere."""
    if not responses:
        return record("expected_key", SKIP, "no address answered with keys")
    problems = []
    for key_id, key in expected:
        for address, doc in sorted(responses.items()):
            current = dict((k, (v or {}).get("key", "").rstrip("=")) for k, v in (doc.get("verify_keys") or {}).items()
                           if isinstance(v, dict))
            old = dict((k, (v or {}).get("key", "").rstrip("=")) for k, v in
                       (doc.get("old_verify_keys") or {}).items() if isinstance(v, dict))
            label = "%s %s" % (key_id or "key", key)
            if key_id is not None and current.get(key_id) == key:
                continue
            if key_id is None and key in current.values():
                continue
            if key in old.values() or (key_id and old.get(key_id) == key):
                problems.append("%s: %s is only an old (expired) key; current: %s"
                                % (address, label, _keys_text(current)))
            elif key_id is not None and key in current.values():
                problems.append("%s: the key is published under another id (%s)" % (address, _keys_text(current)))
            else:
                problems.append("%s: %s is not published; the server publishes %s"
                                % (address, label, _keys_text(current)))
    if problems:
        return record("expected_key", FAIL, "; ".join(problems),
                      "the homeserver signs with a different key than expected: it was regenerated (Synapse creates "
                      "a new key silently when the key file is missing). Restore the key file from the backup and "
                      "restart; if the rotation was intended, keep the old key in old_signing_keys and update the "
                      "expected key")
    return record("expected_key", PASS, "published: %s" % ", ".join("%s %s" % (k or "key", v) for k, v in expected))


def _keys_text(keys):
    return ", ".join("%s=%s" % kv for kv in sorted(keys.items())) or "no keys"
