# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Settings: JSON-typed comparison, validation and the plan of what to write (pure functions), and
``converge_settings`` which reads, plans and writes through a client.

Rocket.Chat stores settings as JSON values and does not coerce them on 6.x/7.x per-id writes (a string
"100" is stored as a string), so values are compared with their JSON types: ``True`` differs from ``1``
and from ``"true"``. A value of the wrong type for a known setting is refused before anything is sent.
"""

from __future__ import annotations

from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat import _catalog as catalog
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._errors import (
    RocketChatError,
    RocketChatValidationError,
)
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._module import connection_spec, run_action, with_diff

MASK = "********"
WRITE_BULK = "bulk"               # POST /api/v1/settings (8.6+)
WRITE_METHOD = "method.call"      # method.call/saveSettings (before 8.6)
WRITE_PER_SETTING = "per_setting"  # POST /api/v1/settings/<id> each


json_type = catalog.json_type


def values_equal(left, right):
    """Equality with JSON types: booleans never equal numbers, 5 equals 5.0, containers recursively."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left == right
    if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
        return len(left) == len(right) and all(values_equal(a, b) for a, b in zip(left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return set(left) == set(right) and all(values_equal(left[k], right[k]) for k in left)
    return type(left) is type(right) and left == right


expected_json_type = catalog.expected_json_type


def check_value(setting_id, value, spec=None):
    """An error message when ``value`` cannot be sent (not finite, or not the known type of ``setting_id``)."""
    return catalog.value_problem(setting_id, value, spec)


def check_against_current(setting_id, value, current):
    """For settings the catalog does not know: an error when the value contradicts the type of the stored one."""
    return catalog.unknown_setting_problem(setting_id, value, current)[0]


def plan_changes(desired, current):
    """Ids whose desired value differs from the current one, in the order given."""
    return [k for k, v in desired.items() if not values_equal(v, current.get(k))]


def mask_value(value):
    return value if value in (None, "") else MASK


def masked(values, secret_ids):
    return dict((k, mask_value(v) if k in secret_ids else v) for k, v in values.items())


def build_diff(before, after, secret_ids):
    """Ansible diff dict over the managed ids, secrets masked."""
    return {"before": masked(before, secret_ids), "after": masked(after, secret_ids)}


def choose_write_path(version):
    if version.at_least(8, 6):
        return WRITE_BULK
    return WRITE_METHOD


def validate_known(desired, version):
    """Errors for ids the catalog knows: type, action, existence in this release, hidden in this release."""
    errors = []
    known = catalog.catalog_for(version)
    for setting_id, value in desired.items():
        spec = known.get(setting_id)
        if spec is None:
            problem = catalog.non_finite_problem(setting_id, value)
            if problem:
                errors.append(problem)
            other = catalog.lookup(setting_id)
            if other is not None:
                errors.append("setting %s does not exist on Rocket.Chat %s (it exists in %s)."
                              % (setting_id, version, catalog.describe_range(setting_id)))
            continue
        if spec.hidden_in(version):
            errors.append("setting %s does not exist or is hidden on Rocket.Chat %s." % (setting_id, version))
            continue
        problem = check_value(setting_id, value, spec)
        if problem:
            errors.append(problem)
    return errors


def readonly_warnings(ids, version):
    warnings = []
    known = catalog.catalog_for(version)
    for setting_id in ids:
        spec = known.get(setting_id)
        if spec is not None and spec.readonly_in(version):
            warnings.append("%s is read-only in Rocket.Chat's admin UI on %s; the REST API does not enforce that, "
                            "so it is written anyway. To pin it against edits use OVERWRITE_SETTING_%s or "
                            "SETTINGS_BLOCKED in the server environment." % (setting_id, version, setting_id))
    return warnings


def write_changes(client, changes, version):
    """Write ``changes`` ({id: value}) with as few calls as the release allows; returns the path used."""
    path = choose_write_path(version)
    if path == WRITE_BULK:
        client.save_settings_bulk(changes)
        return WRITE_BULK
    try:
        client.save_settings_method(changes)
        return WRITE_METHOD
    except RocketChatError as exc:
        if "saveSettings is not available" not in str(exc):
            raise
    for setting_id, value in changes.items():
        client.save_setting(setting_id, value)
    return WRITE_PER_SETTING


def converge_settings(client, desired, check_mode=False, secret_ids=(), extra_read=(), validate=None):
    """Bring ``desired`` ({id: JSON value}) into place.

    Reads every managed id (plus ``extra_read``) concurrently, refuses wrong types before any write,
    calls ``validate(current)`` (returns a list of error messages) for caller-specific checks, and writes
    the differences once. Returns a result dict: changed, changed_settings, before, after (masked),
    write_method, warnings, current (unmasked, for the caller).
    """
    version = client.version()
    secrets = set(secret_ids) | catalog.secret_ids(version)
    errors = validate_known(desired, version)
    if errors:
        raise RocketChatValidationError(" ".join(errors))
    wanted = list(desired) + [i for i in extra_read if i not in desired]
    current = client.get_settings(wanted)
    known = catalog.catalog_for(version)
    errors = [e for e in (check_against_current(k, v, current.get(k)) for k, v in desired.items()
                          if k not in known) if e]
    unchecked = [catalog.unknown_setting_problem(k, v, current.get(k))[1] for k, v in desired.items() if k not in known]
    if validate is not None:
        errors.extend(validate(current))
    if errors:
        raise RocketChatValidationError(" ".join(errors))
    changed_ids = plan_changes(desired, current)
    changes = dict((k, desired[k]) for k in changed_ids)
    before = dict((k, current.get(k)) for k in desired)
    after = dict(before)
    after.update(changes)
    result = {
        "changed": bool(changes),
        "changed_settings": changed_ids,
        "diff": build_diff(before, after, secrets),
        "before": masked(before, secrets),
        "after": masked(after, secrets),
        "version": str(version),
        "write_method": None,
        "warnings": readonly_warnings(changed_ids, version) + [w for w in unchecked if w],
        "current": current,
    }
    if changes and not check_mode:
        result["write_method"] = write_changes(client, changes, version)
    return result


# --- fedops.rocketchat.settings ------------------------------------------------------------------------------------
def settings_spec():
    return connection_spec(dict(settings=dict(type="dict", default={}),
                                secret_settings=dict(type="dict", default={}, no_log=True)))


def run_settings(module):
    settings = module.params["settings"] or {}
    secrets = module.params["secret_settings"] or {}
    if not settings and not secrets:
        module.fail_json(msg="give the settings to set in settings (or secret_settings for secret values).")
    overlap = sorted(set(settings) & set(secrets))
    if overlap:
        module.fail_json(msg="settings and secret_settings both set %s; give each id once." % ", ".join(overlap))
    exposed = sorted(set(settings) & catalog.secret_ids())
    if exposed:
        module.warn("%s hold%s secrets; put %s in secret_settings to keep the value out of logs." % (
            ", ".join(exposed), "s" if len(exposed) == 1 else "", "it" if len(exposed) == 1 else "them"))
    desired = dict(settings)
    desired.update(secrets)

    def action(client):
        result = converge_settings(client, desired, check_mode=module.check_mode, secret_ids=set(secrets))
        result.pop("current")
        return with_diff(module, result)

    return run_action(module, action)
