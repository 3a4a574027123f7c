# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Prometheus text-format metrics of a workspace's federation health, for node_exporter's textfile collector.
Pure functions: results in, exposition text out.

Metrics (every one labelled ``workspace``):

* ``fedops_federation_ok`` 1/0: the peer-side check found no failure;
* ``fedops_federation_check_ok{check}`` 1/0 per check (a warning counts as ok; skipped checks are left out);
* ``fedops_tls_certificate_days_left{target}``: days until the certificate each address presented expires;
* ``fedops_federation_probe_ok`` 1/0 and ``fedops_federation_probe_round_trip_seconds`` (when the round trip was
  measured) from the end-to-end probe;
* ``fedops_signing_key_age_days``: days since the signing key file was last written;
* ``fedops_license_days_left`` (native federation): days until the Enterprise licence expires;
* ``fedops_monitor_last_run_timestamp_seconds``: when these values were taken.
"""

from __future__ import annotations

import math
import re

DAY = 86400.0

HELP = {
    "fedops_federation_ok": ("gauge", "1 when the peer-side check of the workspace found no failure."),
    "fedops_federation_check_ok": ("gauge", "1 when this check of the peer-side check passed (a warning passes)."),
    "fedops_tls_certificate_days_left": ("gauge", "Days until the TLS certificate an address presented expires."),
    "fedops_federation_probe_ok": ("gauge", "1 when every step of the end-to-end federation probe passed."),
    "fedops_federation_probe_round_trip_seconds": ("gauge", "Message round trip of the federation probe."),
    "fedops_signing_key_age_days": ("gauge", "Days since the federation signing key file was written."),
    "fedops_license_days_left": ("gauge", "Days until the Rocket.Chat Enterprise licence expires."),
    "fedops_monitor_last_run_timestamp_seconds": ("gauge", "When the federation monitor took these values."),
}


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_samples(check):
    """Samples (name, labels, value) from a federation_check result; empty when the check did not run."""
    if not isinstance(check, dict) or not isinstance(check.get("checks"), list):
        return []
    out = [("fedops_federation_ok", {}, 1 if check.get("federation_ok") else 0)]
    for record in check["checks"]:
        if not isinstance(record, dict) or record.get("status") == "skip":
            continue
        label = record.get("name") or "check"
        if record.get("target"):
            label = "%s %s" % (label, record["target"])
        out.append(("fedops_federation_check_ok", {"check": label}, 0 if record.get("status") == "fail" else 1))
        data = record.get("data") or {}
        if record.get("name") == "tls_certificate" and isinstance(data, dict) and _number(data.get("not_after_ts")):
            out.append(("fedops_tls_certificate_days_left", {"target": record.get("target") or ""},
                        data["not_after_ts"]))   # turned into days left by samples()
    return out


def probe_samples(probe):
    if not isinstance(probe, dict) or "ok" not in probe:
        return []
    out = [("fedops_federation_probe_ok", {}, 1 if probe.get("ok") else 0)]
    if _number(probe.get("round_trip_ms")):
        out.append(("fedops_federation_probe_round_trip_seconds", {}, probe["round_trip_ms"] / 1000.0))
    return out


def samples(workspace, now, check=None, probe=None, signing_key_mtime=None, license_expires=None):
    """Every sample of one workspace at ``now`` (epoch seconds)."""
    out = []
    for name, labels, value in check_samples(check) + probe_samples(probe):
        if name == "fedops_tls_certificate_days_left":
            value = round((value - now) / DAY, 2)
        out.append((name, labels, value))
    if _number(signing_key_mtime):
        out.append(("fedops_signing_key_age_days", {}, round((now - signing_key_mtime) / DAY, 2)))
    if _number(license_expires):
        out.append(("fedops_license_days_left", {}, round((license_expires - now) / DAY, 2)))
    out.append(("fedops_monitor_last_run_timestamp_seconds", {}, int(now)))
    return [(name, dict(labels, workspace=workspace), value) for name, labels, value in out]


def _escape(value):
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _value(value):
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int):
        return str(value)
    return repr(float(value))


def render(all_samples):
    """The text exposition format (version 0.0.4): HELP and TYPE once per metric, samples grouped by metric."""
    by_name = {}
    for name, labels, value in all_samples:
        if name not in HELP or not re.match(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$", name):
            raise ValueError("unknown metric %s" % name)
        by_name.setdefault(name, []).append((labels, value))
    lines = []
    for name in HELP:
        if name not in by_name:
            continue
        kind, text = HELP[name]
        lines += ["# HELP %s %s" % (name, text), "# TYPE %s %s" % (name, kind)]
        for labels, value in by_name[name]:
            rendered = ",".join('%s="%s"' % (key, _escape(str(labels[key]))) for key in sorted(labels))
            lines.append("%s{%s} %s" % (name, rendered, _value(value)))
    return "\n".join(lines) + "\n" if lines else ""
