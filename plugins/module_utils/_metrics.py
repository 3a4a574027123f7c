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
* from the workspace's Rocket.Chat (a ``federation_info`` result): ``fedops_rocketchat_up`` 1 when it was read, 0
  with an ``error`` label saying why not (the HTTP kinds of ``_http_contract``: ``auth``, ``tls``, ``unreachable``,
  ``timeout``, ...; ``config`` when the module refused its options before any request, such as an empty or missing
  token file); ``fedops_license_days_left``: days until the licence is invalidated (when the licence says so);
  ``fedops_license_federation_module`` 1/0; ``fedops_federation_mode{mode}`` 1 for the active generation;
  ``fedops_native_federation_enabled`` 1/0 (releases with native federation);
* ``fedops_monitor_last_run_timestamp_seconds``: when these values were taken.
"""

from __future__ import annotations

import datetime
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
    "fedops_rocketchat_up": ("gauge", "1 when the workspace's Rocket.Chat API could be read; 0 with the error kind."),
    "fedops_license_days_left": ("gauge", "Days until the Rocket.Chat Enterprise licence is invalidated."),
    "fedops_license_federation_module": ("gauge", "1 when the Rocket.Chat licence holds the federation module."),
    "fedops_federation_mode": ("gauge", "1 for the federation generation Rocket.Chat has switched on."),
    "fedops_native_federation_enabled": ("gauge", "1 when Rocket.Chat's native federation is switched on."),
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


def _timestamp(text):
    """Epoch seconds of federation_info's ``2027-01-31T00:00:00Z``, or None."""
    if not isinstance(text, str):
        return None
    try:
        parsed = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return None
    return parsed.replace(tzinfo=datetime.timezone.utc).timestamp()


def rocketchat_samples(info, now):
    """Samples from a federation_info result (registered with the failure kept); empty when it did not run."""
    if not isinstance(info, dict) or info.get("skipped") or not info:
        return []
    # A read kept with failed_when=false has failed=false: its error_kind (or the missing version) tells.
    if info.get("failed") or info.get("error_kind") or "version" not in info:
        return [("fedops_rocketchat_up", {"error": info.get("error_kind") or "config"}, 0)]
    out = [("fedops_rocketchat_up", {}, 1)]
    licence = info.get("license") if isinstance(info.get("license"), dict) else {}
    expires = _timestamp(licence.get("expires_at"))
    if expires is not None:
        out.append(("fedops_license_days_left", {}, round((expires - now) / DAY, 2)))
    if isinstance(licence.get("federation_module"), bool):
        out.append(("fedops_license_federation_module", {}, 1 if licence["federation_module"] else 0))
    if isinstance(info.get("active_mode"), str):
        out.append(("fedops_federation_mode", {"mode": info["active_mode"]}, 1))
    native = info.get("native")
    if isinstance(native, dict) and isinstance(native.get("enabled"), bool):
        out.append(("fedops_native_federation_enabled", {}, 1 if native["enabled"] else 0))
    return out


def samples(workspace, now, check=None, probe=None, signing_key_mtime=None, rocketchat=None):
    """Every sample of one workspace at ``now`` (epoch seconds)."""
    out = []
    for name, labels, value in check_samples(check) + probe_samples(probe):
        if name == "fedops_tls_certificate_days_left":
            value = round((value - now) / DAY, 2)
        out.append((name, labels, value))
    if _number(signing_key_mtime):
        out.append(("fedops_signing_key_age_days", {}, round((now - signing_key_mtime) / DAY, 2)))
    out += rocketchat_samples(rocketchat, now)
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
