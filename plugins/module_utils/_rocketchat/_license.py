# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""When the workspace's licence ends (pure functions).

Native federation runs only while the licence holds the ``federation`` module, and stops when the licence is
invalidated (``apps/meteor/ee/server/startup/federation.ts``). ``GET /api/v1/licenses.info`` returns the licence
itself to users with ``view-privileged-setting`` (``apps/meteor/ee/server/api/licenses.ts``,
``ee/packages/license/src/info.ts``); its ``validation.validPeriods`` are ``{validFrom?, validUntil?,
invalidBehavior}`` (``LicensePeriod`` in ``ee/packages/license/src/definition/ILicenseV3.ts``). A period whose
``invalidBehavior`` is ``invalidate_license`` ends the licence at its ``validUntil``; other behaviours
(``start_fair_policy``, ``prevent_installation``) do not switch modules off.
"""

from __future__ import annotations

import datetime

INVALIDATES = "invalidate_license"
DEFAULT_WARN_DAYS = 30


def _parse_timestamp(text):
    """An ISO 8601 timestamp (``2026-12-31T00:00:00.000Z``) as an aware datetime, or None."""
    if not isinstance(text, str) or not text.strip():
        return None
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        try:  # Python < 3.11 accepts only 0, 3 or 6 fraction digits
            head, _sep, tail = value.partition(".")
            digits = "".join(ch for ch in tail if ch.isdigit())
            zone = tail[len(digits):]
            parsed = datetime.datetime.fromisoformat("%s.%s%s" % (head, (digits + "000000")[:6], zone))
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed


def license_expiry(info, now=None):
    """The end of the licence from a ``licenses.info`` ``license`` object.

    Returns ``{"expires_at": ISO text or None, "days_left": float or None, "expiry_known": bool}``.
    ``expiry_known`` is False when the licence itself is not in the answer (a user without
    ``view-privileged-setting``, or no licence); ``expires_at`` None with ``expiry_known`` means no period ends it.
    """
    licence = (info or {}).get("license")
    if not isinstance(licence, dict):
        return {"expires_at": None, "days_left": None, "expiry_known": False}
    periods = ((licence.get("validation") or {}).get("validPeriods")) or []
    ends = [_parse_timestamp(p.get("validUntil")) for p in periods
            if isinstance(p, dict) and p.get("invalidBehavior") == INVALIDATES]
    ends = [end for end in ends if end is not None]
    if not ends:
        return {"expires_at": None, "days_left": None, "expiry_known": True}
    end = min(ends)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    days_left = round((end - now).total_seconds() / 86400.0, 2)
    return {"expires_at": end.strftime("%Y-%m-%dT%H:%M:%SZ"), "days_left": days_left, "expiry_known": True}


def expiry_warning(state, warn_days=DEFAULT_WARN_DAYS):
    """A warning when the licence that carries the ``federation`` module ends within ``warn_days``, else None."""
    days_left = state.get("days_left")
    if days_left is None or warn_days is None or days_left > warn_days:
        return None
    if days_left <= 0:
        return ("The Rocket.Chat licence ended on %s: native federation stops when the licence is invalidated "
                "(federated rooms turn read-only). Renew it (Administration > Subscription)." % state["expires_at"])
    return ("The Rocket.Chat licence ends on %s (in %.1f days): native federation stops then and federated rooms "
            "turn read-only. Renew it before (Administration > Subscription)." % (state["expires_at"], days_left))
