# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Backend of the signing_key module: decide what happens to a Synapse signing key file, then do it safely.

``plan_signing_keys`` is pure (no I/O). ``run`` reads both files, plans, and writes the key file and the old keys
file together with ``_files.ensure_files``: both new contents go to temporary files first, the old keys file is
replaced before the key file, and a failure at any step puts back what was there (see ``_files.commit_files``).

A run interrupted by a crash between the two renames leaves the still-active key listed in the old keys file as
well. Such an entry (same version and public key as a key in the key file) is a leftover, not a retired key: it is
not reported in ``old_signing_keys`` and the next rotation retires the key normally.
"""

from __future__ import annotations

from ansible_collections.fedops.rocketchat.plugins.module_utils import _deps
from ansible_collections.fedops.rocketchat.plugins.module_utils import _files
from ansible_collections.fedops.rocketchat.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.fedops.rocketchat.plugins.module_utils._matrix import _keys, _signedjson

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
    ``key_factory(version_or_None, taken)`` makes new keys (default ``_keys.generate_signing_key``).
    """
    if regenerate not in REGENERATE_CHOICES:
        raise PlanError("regenerate must be one of %s" % ", ".join(REGENERATE_CHOICES))
    if version is not None:
        _keys.check_version(version)
    if import_key is not None and version is not None and import_key.version != version:
        raise PlanError("the imported key has version %s but version=%s was given" % (import_key.version, version))
    if import_key is not None:
        version = import_key.version
    if expired_ts is None:
        expired_ts = _keys.default_expired_ts()
    keys = _NewKeys(old_keys, version, import_key, key_factory or _keys.generate_signing_key, expired_ts)
    if current is None:
        return _plan_without_file(keys, file_error, salvaged, regenerate)
    return _plan_for_file(keys, current, rotate, regenerate)


class _NewKeys(object):
    """Makes the new key of a plan (generated, or the imported one) and the plan that replaces keys by it."""

    def __init__(self, old_keys, version, import_key, key_factory, expired_ts):
        self.old_keys = old_keys
        self.old_versions = dict((key.version, key) for key in old_keys)
        self.version = version
        self.import_key = import_key
        self.key_factory = key_factory
        self.expired_ts = expired_ts

    def new_key(self, in_use):
        taken = set(self.old_versions) | set(in_use)
        import_key = self.import_key
        if import_key is not None:
            old = self.old_versions.get(import_key.version)
            if old is not None and old.public_key != import_key.public_key:
                raise PlanError("key id %s was used by a retired key with another public key; Matrix servers cache "
                                "keys by id, so an id must never be reused for a different key. Import the key "
                                "with another version" % import_key.key_id)
            return import_key
        if self.version is not None and self.version in taken:
            raise PlanError("key id %s:%s is already in use or was used by a retired key; choose another version "
                            "(an id must never be reused for a different key) or leave version unset to generate "
                            "one" % (_keys.ALGORITHM, self.version))
        return self.key_factory(self.version, taken)

    def replace(self, existing, action, reason):
        fresh = self.new_key([key.version for key in existing])
        try:
            old = _keys.retire([key for key in existing if key.version != fresh.version], self.old_keys,
                               self.expired_ts)
        except ValueError as exc:
            raise PlanError(str(exc)) from None
        retired = [key for key in old if key not in self.old_keys]
        return KeyPlan(action, fresh, keys=[fresh], old_keys=old if retired else None, retired=retired,
                       reason=reason, generated=self.import_key is None)


def _plan_without_file(keys, file_error, salvaged, regenerate):
    """No usable file: missing (create) or malformed (regenerate when allowed)."""
    if file_error is None:
        fresh = keys.new_key([])
        return KeyPlan("create", fresh, keys=[fresh], reason="the key file does not exist",
                       generated=keys.import_key is None)
    if regenerate in ("full_idempotence", "always"):
        plan = keys.replace(salvaged or [], "regenerate", "the key file is malformed (%s)" % file_error)
        plan.warnings.append("replaced a malformed signing key file (%s)" % file_error)
        return plan
    raise PlanError("%s. The file was left untouched; fix it, restore it from a backup, or set "
                    "regenerate=full_idempotence to replace it with a new key" % file_error)


def _plan_for_file(keys, current, rotate, regenerate):
    """A valid file: keep its active key, or replace it (regenerate=always, rotate, a different wanted key)."""
    active = current[0]
    version, import_key = keys.version, keys.import_key
    if regenerate == "always":
        if version is not None and version == active.version and import_key is None:
            raise PlanError("regenerate=always with version=%s would reuse the key id of the current key for a new "
                            "key; leave version unset so each new key gets a new id" % version)
        if import_key is not None and import_key == active and len(current) == 1:
            return KeyPlan("keep", active, reason="the imported key is already the only key")
        return keys.replace(current, "regenerate", "regenerate=always")

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
        return keys.replace(current, "rotate", "rotate=true")
    if not mismatch:
        return KeyPlan("keep", active, reason="the key file holds a valid key")
    wanted = import_key.key_id if import_key is not None else "%s:%s" % (_keys.ALGORITHM, version)
    if regenerate == "never":
        return KeyPlan("keep", active, reason="regenerate=never",
                       warnings=["the active key is %s, not %s; kept because regenerate=never"
                                 % (active.key_id, wanted)])
    if regenerate == "fail":
        raise PlanError("the active key in the file is %s, not %s. Nothing was changed. Set rotate=true to make %s "
                        "the active key and retire %s to the old keys (it stays published in old_verify_keys), or "
                        "drop the version to keep the current key" % (active.key_id, wanted, wanted, active.key_id))
    return keys.replace(current, "regenerate", "the active key is %s, not %s" % (active.key_id, wanted))


def check_expected_public_key(expected, current, old_keys, file_error=None):
    """Guard against a lost or replaced key: ``expected`` (unpadded or padded base64) must be the public key of a
    key in the file or of a retired key. Raises ``PlanError`` saying what to do otherwise."""
    try:
        wanted = _signedjson.unpadded_b64decode(expected.strip())
    except (ValueError, AttributeError):
        raise PlanError("expect_public_key is not base64") from None
    if len(wanted) != _signedjson.ED25519_PUBLIC_KEY_LENGTH:
        raise PlanError("expect_public_key decodes to %d bytes; an ed25519 public key is %d bytes"
                        % (len(wanted), _signedjson.ED25519_PUBLIC_KEY_LENGTH))
    if current is None:
        state = "is malformed (%s)" % file_error if file_error is not None else "does not exist"
        raise PlanError("the key file %s, but expect_public_key says the server had a key (%s). Peers cache that key, "
                        "so restore the file from a backup rather than making a new key; to really start with a new "
                        "key, remove expect_public_key" % (state, _signedjson.unpadded_b64encode(wanted)))
    if any(key.public_key == wanted for key in current) or any(key.public_key == wanted for key in old_keys):
        return
    raise PlanError("the key file holds %s, not the key expect_public_key names (%s), and that key was not retired "
                    "either: the key was replaced outside this module. Peers cache the old key; restore it from a "
                    "backup, or update expect_public_key if the change is intended"
                    % (", ".join("%s (%s)" % (key.key_id, key.public_key_b64) for key in current),
                       _signedjson.unpadded_b64encode(wanted)))


# ---- The module run ----------------------------------------------------------------------------------------

def _key_view(key, hide_generated=False):
    if key is None or hide_generated:
        return {"key_id": None, "version": None, "algorithm": _keys.ALGORITHM, "public_key": None,
                "fingerprint": None}
    return key.info()


def _diff_side(keys, old_keys, attrs):
    side = {
        "keys": [("%s %s" % (key.key_id, key.public_key_b64)) if key is not None else "(new key)" for key in keys],
        "old_keys": [key.key_id for key in old_keys],
    }
    side.update(attrs)
    return side


def _read_old_keys(module, path):
    try:
        state = _files.read_file(path)
    except _files.FileAccessError as exc:
        module.fail_json(msg="old_keys_path: %s" % exc)
    if not state.exists:
        return state, []
    try:
        return state, _keys.parse_old_keys(state.content)
    except _keys.KeyFileError as exc:
        module.fail_json(msg="old keys file %s, %s. Nothing was changed; fix the file or restore it from a backup"
                         % (path, exc), line=exc.line, filename=path)


def still_active(old_keys, current):
    """Split ``old_keys`` into ``(retired, leftovers)``: a leftover is an entry for a key that is still in the key
    file with the same public key (left by a rotation interrupted between its two renames)."""
    active = dict((key.version, key.public_key) for key in current or [])
    retired = [old for old in old_keys if active.get(old.version) != old.public_key]
    leftovers = [old for old in old_keys if active.get(old.version) == old.public_key]
    return retired, leftovers


def _check_options(module):
    params = module.params
    import_key = None
    if params["rocketchat_key"] is not None:
        try:
            import_key = _keys.from_rocketchat(params["rocketchat_key"], params["version"])
        except ValueError as exc:
            module.fail_json(msg="rocketchat_key: %s" % exc)
    if params["version"] is not None:
        try:
            _keys.check_version(params["version"])
        except ValueError as exc:
            module.fail_json(msg="version: %s" % exc)
    if params["expired_ts"] is not None and params["expired_ts"] < 0:
        module.fail_json(msg="expired_ts must be milliseconds since 1970, not a negative number")
    return import_key


def _read_key_file(module, path, regenerate):
    try:
        state = _files.read_file(path)
    except _files.FileAccessError as exc:
        module.fail_json(msg="path: %s" % exc)
    current, file_error, salvaged = None, None, None
    if state.exists:
        try:
            current = _keys.parse_signing_keys(state.content)
        except _keys.KeyFileError as exc:
            file_error = exc
            salvaged = _keys.parse_signing_keys(state.content, lenient=True)[0]
            if regenerate not in ("full_idempotence", "always"):
                module.fail_json(
                    msg="%s, %s. The file was left untouched; fix it, restore it from a backup, or set "
                        "regenerate=full_idempotence to replace it with a new key" % (path, exc),
                    line=exc.line, filename=path)
    return state, current, file_error, salvaged


def signing_key_spec():
    return ArgumentSpec(
        argument_spec=dict(
            path=dict(type="path", required=True),
            version=dict(type="str"),
            rotate=dict(type="bool", default=False),
            regenerate=dict(type="str", default="fail", choices=list(REGENERATE_CHOICES)),
            expired_ts=dict(type="int"),
            old_keys_path=dict(type="path"),
            expect_public_key=dict(type="str"),
            rocketchat_key=dict(type="str", no_log=True),
            backup=dict(type="bool", default=False),
            return_content=dict(type="bool", default=False),
        ),
        required_by=dict(rocketchat_key=["version"]),
        non_empty=["path", "old_keys_path", "version", "expect_public_key", "rocketchat_key"],
        add_file_common_args=True,
    )


def run_signing_key(module):
    """Everything the signing_key module does; returns its result (fails through ``module.fail_json``)."""
    if not _signedjson.HAS_CRYPTOGRAPHY:
        module.fail_json(msg=_deps.CRYPTOGRAPHY.missing(), exception=_signedjson.CRYPTOGRAPHY_IMPORT_ERROR)
    params = module.params
    path = params["path"]
    old_keys_path = params["old_keys_path"] or path + ".old_keys"
    import_key = _check_options(module)

    current_state, current, file_error, salvaged = _read_key_file(module, path, params["regenerate"])
    old_state, old_keys = _read_old_keys(module, old_keys_path)
    old_keys, leftovers = still_active(old_keys, current if current is not None else salvaged)

    if params["expect_public_key"] is not None:
        try:
            check_expected_public_key(params["expect_public_key"], current, old_keys, file_error)
        except PlanError as exc:
            module.fail_json(msg="%s: %s" % (path, exc), filename=path)

    try:
        plan = plan_signing_keys(current, old_keys, version=params["version"], rotate=params["rotate"],
                                 regenerate=params["regenerate"], import_key=import_key,
                                 expired_ts=params["expired_ts"], file_error=file_error, salvaged=salvaged)
    except PlanError as exc:
        module.fail_json(msg="%s: %s" % (path, exc), filename=path)
    for warning in plan.warnings:
        module.warn(warning)

    file_args = _files.secret_file_args(module, path)
    hide = module.check_mode and plan.generated and params["version"] is None and plan.changes_keys
    new_old_keys = plan.old_keys if plan.old_keys is not None else old_keys
    if leftovers and plan.changes_keys and plan.old_keys is None:
        plan.old_keys = old_keys  # the new key file drops the key: drop its leftover entry too

    results = _write_key_files(module, plan, (path, current_state), (old_keys_path, old_state), file_args)
    key_result = results[-1]

    active = plan.active
    final_keys = plan.keys if plan.changes_keys else current
    result = {
        "changed": any(res["changed"] for res in results),
        "filename": path,
        "old_keys_path": old_keys_path,
        "action": plan.action,
        "verify_keys": {} if hide else dict((key.key_id, {"key": key.public_key_b64}) for key in final_keys),
        "old_signing_keys": _keys.old_signing_keys_config(new_old_keys),
        "retired_keys": _keys.old_signing_keys_config(plan.retired),
    }
    result.update(_key_view(active, hide_generated=hide))
    result["rocketchat_settings"] = {_keys.ROCKETCHAT_ALGORITHM_SETTING: _keys.ALGORITHM,
                                     _keys.ROCKETCHAT_VERSION_SETTING: None if hide else active.version}
    if params["return_content"] and not hide:
        result["rocketchat_settings"] = _keys.to_rocketchat(active)
        result["private_key"] = _keys.serialize_signing_keys(final_keys)
    if key_result["backup_file"]:
        result["backup_file"] = key_result["backup_file"]
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = _key_file_diff(path, key_result["attributes_diff"], (current, old_keys, file_error),
                                        ([None] if hide else final_keys, new_old_keys))
    return result


def _write_key_files(module, plan, key_file, old_keys_file, file_args):
    """Write what the plan changes; ``key_file``/``old_keys_file`` are (path, current state). Returns the results
    of :func:`_files.ensure_files`, the key file's last.

    The old keys file first: if the key file then cannot be replaced, the old keys file is put back; if the run
    is interrupted in between, the entry for the still-active key is recognised as a leftover (``still_active``).
    """
    path, current_state = key_file
    old_keys_path, old_state = old_keys_file
    files = []
    if plan.old_keys is not None or old_state.exists:
        files.append({"path": old_keys_path, "current": old_state, "file_args": dict(file_args, path=old_keys_path),
                      "content": _keys.serialize_old_keys(plan.old_keys).encode("ascii")
                      if plan.old_keys is not None else None})
    files.append({"path": path, "current": current_state, "file_args": file_args,
                  "backup": module.params["backup"],
                  "content": _keys.serialize_signing_keys(plan.keys).encode("ascii") if plan.changes_keys else None})
    results = None
    try:
        results = _files.ensure_files(module, files)
    except _files.FileAccessError as exc:
        module.fail_json(msg=str(exc), filename=path)
    return results


def _key_file_diff(path, attributes_diff, before, after):
    """``--diff`` of the key file: ``before`` is (keys or None, old keys, file error), ``after`` (keys, old keys);
    public keys only (``_diff_side``)."""
    current, old_keys, file_error = before
    diff = {
        "before_header": path,
        "after_header": path,
        "before": _diff_side(current if current is not None else [], old_keys, attributes_diff["before"]),
        "after": _diff_side(after[0], after[1], attributes_diff["after"]),
    }
    if file_error is not None:
        diff["before"]["error"] = str(file_error)
    return diff
