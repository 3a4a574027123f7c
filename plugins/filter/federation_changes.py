# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""fedops.rocketchat.federation_changes: one line per change of a federation role run."""

from __future__ import annotations


def _results(step):
    return step if isinstance(step, dict) else {}


def federation_changes(steps):
    """``steps``: the role's step results by name (settings, key, key_version, dns, registration, permissions), or
    with ``fleet``, the fleet path's report, whose ``results`` hold the settings, key_version and dns steps.

    Lines in the order the steps run: the settings of each generation, the signing key, its version, the
    registration file, the permissions, the DNS records.
    """
    steps = dict(steps) if isinstance(steps, dict) else {}
    fleet = _results(steps.pop("fleet", None)).get("results")
    if fleet:
        steps["settings"] = {"results": [r for r in fleet if r.get("step") == "settings"]}
        steps.update((r["step"], r) for r in fleet if r.get("step") in ("key_version", "dns"))
    lines = []
    for result in _results(steps.get("settings")).get("results") or []:
        if isinstance(result, dict) and result.get("changed"):
            lines.extend("setting %s" % name for name in result.get("changed_settings") or [])
    key = _results(steps.get("key"))
    if key.get("changed"):
        lines.append("signing key: %s" % key.get("action"))
    if _results(steps.get("key_version")).get("changed"):
        lines.append("setting Federation_Service_Matrix_Signing_Version")
    if _results(steps.get("registration")).get("changed"):
        lines.append("registration file %s" % steps.get("registration_path"))
    lines.extend("permission %s" % name for name in _results(steps.get("permissions")).get("changed_permissions") or [])
    for change in _results(steps.get("dns")).get("changes") or []:
        lines.append("dns %s %s %s" % (change.get("action"), change.get("type"), change.get("name")))
    return lines


class FilterModule(object):

    def filters(self):
        return {"federation_changes": federation_changes}
