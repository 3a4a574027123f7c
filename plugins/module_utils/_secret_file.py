# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Backend of the secret module: pick the value (derived, existing or generated) and keep it in its file.

The values themselves come from ``_secrets`` (pure functions); files are written by ``_files`` (atomic, 0600,
backups 0600 or 0640 with a group).
"""

from __future__ import annotations

from ansible_collections.fedops.rocketchat.plugins.module_utils import _files
from ansible_collections.fedops.rocketchat.plugins.module_utils._argspec import ArgumentSpec
from ansible_collections.fedops.rocketchat.plugins.module_utils import _secrets

ALPHABETS = _secrets.ALPHABETS


def _read_existing(module, path, force):
    try:
        state = _files.read_file(path)
    except _files.FileAccessError as exc:
        module.fail_json(msg="path: %s" % exc)
    value = None
    if state.exists:
        try:
            value = _secrets.decode_file(state.content)
        except ValueError as exc:
            if not force:
                module.fail_json(msg="path: %s: %s. Nothing was changed; fix or remove the file, or set force=true "
                                     "to replace it" % (path, exc))
    return state, value


def _choose_value(module, existing):
    params = module.params
    master, length, alphabet = params["master_secret"], params["length"], params["alphabet"]
    if master is not None:
        try:
            return _secrets.derive(master, params["label"], length, alphabet), "derived"
        except ValueError as exc:
            module.fail_json(msg="master_secret/label: %s" % exc)
    if existing is not None and not params["force"]:
        if not _secrets.conforms(existing, length, alphabet):
            module.warn("the secret in %s does not match length=%d and alphabet=%s; it was kept (set force=true to "
                        "replace it)" % (params["path"], length, alphabet))
        return existing, "existing"
    return _secrets.generate(length, alphabet), "generated"


def _store(module, value, state, existing):
    """Write ``value`` to the secret file (when it differs) and fix its attributes; returns the result fields."""
    path = module.params["path"]
    result = {"path": path}
    content = None if existing == value else _secrets.encode_file(value)
    try:
        res = _files.ensure_file(module, path, content, _files.secret_file_args(module, path),
                                 backup=module.params["backup"], current=state)
    except _files.FileAccessError as exc:
        module.fail_json(msg="path: %s" % exc)
    result["changed"] = res["changed"]
    if res["backup_file"]:
        result["backup_file"] = res["backup_file"]
    if module._diff:  # pylint: disable=protected-access
        before = {"path": path, "secret": "present" if state.exists else "absent"}
        after = {"path": path, "secret": "changed" if res["content_changed"] else before["secret"]}
        before.update(res["attributes_diff"]["before"])
        after.update(res["attributes_diff"]["after"])
        result["diff"] = {"before": before, "after": after}
    return result


def secret_spec():
    return ArgumentSpec(
        argument_spec=dict(
            master_secret=dict(type="str", no_log=True),
            label=dict(type="str"),
            path=dict(type="path"),
            length=dict(type="int", default=64),
            alphabet=dict(type="str", default="alphanumeric", choices=sorted(ALPHABETS)),
            force=dict(type="bool", default=False),
            backup=dict(type="bool", default=False),
        ),
        required_one_of=[("master_secret", "path")],
        required_by=dict(master_secret=["label"]),
        non_empty=["path"],
        add_file_common_args=True,
    )


def run_secret(module):
    """Everything the secret module does; returns its result, value included (fails through ``fail_json``)."""
    params = module.params
    path, length, alphabet = params["path"], params["length"], params["alphabet"]
    try:
        _secrets.check_length(length)
    except ValueError as exc:
        module.fail_json(msg="length: %s" % exc)
    bits = _secrets.entropy_bits(length, alphabet)
    if bits < _secrets.RECOMMENDED_BITS:
        module.warn("the secret has only %d bits of entropy (length=%d, alphabet=%s); use at least %d bits"
                    % (bits, length, alphabet, _secrets.RECOMMENDED_BITS))

    state, existing = _read_existing(module, path, params["force"]) if path is not None else (None, None)
    value, source = _choose_value(module, existing)
    # Masked in every message until the result is returned.
    module.no_log_values.add(value)
    result = {"changed": False, "source": source, "length": len(value)}
    if path is not None:
        result.update(_store(module, value, state, existing))
    # The value is returned on purpose (the action plugin hides the whole result); AnsibleModule would otherwise
    # mask it in the result as a no_log value.
    module.no_log_values.discard(value)
    result["value"] = value
    return result
