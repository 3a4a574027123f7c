# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Plan, apply and diff a record set against one provider (pure planning, I/O through the provider)."""

from __future__ import annotations

import time

from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._errors import DNSInputError
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._records import (
    compute_record_set,
    is_subdomain,
    normalize_name,
    srv_targets,
)


class Change(object):
    """One RRset change: create (before None), delete (after None) or update."""

    __slots__ = ("action", "before", "after")

    def __init__(self, action, before, after):
        self.action = action
        self.before = before
        self.after = after

    @property
    def name(self):
        return (self.after or self.before).name

    @property
    def rtype(self):
        return (self.after or self.before).rtype

    @property
    def key(self):
        return (self.name, self.rtype)

    def to_dict(self):
        return {
            "action": self.action,
            "name": self.name,
            "type": self.rtype,
            "before": self.before.to_dict() if self.before is not None else None,
            "after": self.after.to_dict() if self.after is not None else None,
        }

    def __repr__(self):
        return "Change(%r, %r, %r)" % (self.action, self.before, self.after)


def plan(desired, current, state="present", compare_layout=False):
    """Changes that make `current` ({key: RRSet or None}) match `desired` (list of RRSet).

    present: every desired RRset exists exactly (values and TTL; TXT compared on the joined value,
    and on the chunk layout too with `compare_layout`).
    absent: exactly the desired values are removed; other values of the same RRset stay.
    """
    changes = []
    for rrset in desired:
        existing = current.get(rrset.key)
        if state == "present":
            if existing is None:
                changes.append(Change("create", None, rrset))
            elif not rrset.same_as(existing, compare_layout=compare_layout):
                changes.append(Change("update", existing, rrset))
        else:
            if existing is None:
                continue
            remaining = [v for v in existing.values if v not in rrset.values]
            if len(remaining) == len(existing.values):
                continue
            if remaining:
                changes.append(Change("update", existing, existing.with_values(remaining)))
            else:
                changes.append(Change("delete", existing, None))
    return changes


def final_state(current, changes):
    after = dict(current)
    for change in changes:
        after[change.key] = change.after
    return after


def render(state_map):
    lines = []
    for key in sorted(state_map):
        rrset = state_map[key]
        if rrset is not None:
            lines.extend(rrset.zone_lines())
    return "\n".join(lines) + ("\n" if lines else "")


def build_diff(current, changes, zone):
    return {
        "before": render(current),
        "after": render(final_state(current, changes)),
        "before_header": "zone %s (managed records)" % zone,
        "after_header": "zone %s (managed records)" % zone,
    }


class Planned(object):
    """One task's record set read and planned against its provider, not yet written."""

    __slots__ = ("provider", "params", "desired", "state", "zone", "current", "changes", "guard", "started")

    def __init__(self, provider, params, started):
        self.provider = provider
        self.params = params
        self.started = started
        self.desired = self.state = self.zone = self.current = self.changes = self.guard = None

    @property
    def keys(self):
        return [c.key for c in self.changes]


def prepare(provider, params, check_mode=False, now=time.monotonic):
    """Read what `params` manages and plan the changes (no write); a `Planned`."""
    job = Planned(provider, params, now())
    job.desired = compute_record_set(params)
    job.state = params.get("state") or "present"
    job.zone = _zone_for(provider, params, job.desired)
    job.current = provider.read(job.zone, [r.key for r in job.desired])
    if job.state == "present":
        conflicts = dict((r.name, provider.cname_conflicts[r.name]) for r in job.desired
                         if r.rtype != "CNAME" and r.name in provider.cname_conflicts)
        if conflicts:
            raise DNSInputError(
                "%s already hold a CNAME in zone %s; a name with a CNAME can hold no other data (RFC 1034); "
                "remove the CNAME first" % (", ".join(sorted(conflicts)), job.zone))
    job.changes = plan(job.desired, job.current, job.state, compare_layout=bool(params.get("txt_enforce_chunks")))
    job.guard = _srv_target_guard(provider, job.zone, job.desired, job.changes, job.state, check_mode)
    return job


def finish(job, provider_ids, check_mode=False, want_diff=False, now=time.monotonic):
    """The module result of a planned job whose changes were written (`provider_ids`) or, in check mode, not."""
    result = {
        "changed": bool(job.changes),
        "zone": job.zone,
        "provider": job.provider.name,
        "records": [r.to_dict() for r in job.desired],
        "changes": [c.to_dict() for c in job.changes],
        "provider_ids": provider_ids or {},
    }
    if want_diff:
        result["diff"] = build_diff(job.current, job.changes, job.zone)
    if job.params.get("wait_for_propagation") and not check_mode:
        result["propagation"] = _wait_for_propagation(job.provider, job.params, job.zone,
                                                      final_state(job.current, job.changes))
    result["stats"] = dict(job.provider.stats, seconds=round(now() - job.started, 3))
    return result


def run(provider, params, check_mode=False, want_diff=False, now=time.monotonic):
    """Do the whole job for one task; returns the module result (without `msg`).

    `params` holds the module options; the provider is already built.
    """
    job = prepare(provider, params, check_mode=check_mode, now=now)
    provider_ids = None
    if job.changes and not check_mode:
        provider_ids = provider.apply(job.zone, job.changes, job.current, cname_guard=job.guard)
    return finish(job, provider_ids, check_mode=check_mode, want_diff=want_diff, now=now)


def _zone_for(provider, params, desired):
    """The zone holding every desired record, which the provider must be able to manage."""
    zone_opt = normalize_name(params["zone"], "zone") if params.get("zone") else None
    names = [r.name for r in desired]
    zone = provider.find_zone(names, zone_opt)
    outside = [n for n in names if not is_subdomain(n, zone)]
    if outside:
        raise DNSInputError(
            "zone: %s not inside zone %s; publish records of different zones in separate tasks"
            % (", ".join(sorted(set(outside))), zone))
    unsupported = sorted(set(r.rtype for r in desired) - set(provider.supported_types))
    if unsupported:
        raise DNSInputError("records: provider %s cannot manage %s records" % (provider.name, ", ".join(unsupported)))
    return zone


def _srv_target_guard(provider, zone, desired, changes, state, check_mode):
    """In-zone targets of the SRV RRsets about to be written, which must not be CNAMEs (checked here unless the
    provider asserts it atomically in apply()); returns them for the provider."""
    desired_cnames = set(r.name for r in desired if r.rtype == "CNAME")
    written = [c.after for c in changes if c.after is not None and c.action != "delete" and state == "present"]
    guard = [t for t in srv_targets(written) if is_subdomain(t, zone) and t not in desired_cnames]
    if guard and (check_mode or not provider.atomic_cname_check):
        found = provider.read(zone, [(t, "CNAME") for t in guard])
        bad = [t for t in guard if found.get((t, "CNAME")) is not None]
        if bad:
            raise DNSInputError(
                "the SRV target(s) %s are CNAMEs in zone %s; SRV targets must have A/AAAA records "
                "(RFC 2782, Matrix federation refuses it); point the SRV at the canonical host name. Nothing was changed."
                % (", ".join(bad), zone))
    return guard


def _wait_for_propagation(provider, params, zone, expected):
    from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._propagation import wait_for
    servers = params.get("propagation_servers")
    if servers:
        from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._propagation import parse_servers
        targets = parse_servers(servers)
    else:
        targets = provider.default_propagation_servers(zone)
    return wait_for(expected, targets, timeout=params.get("propagation_timeout") or 120,
                    query_timeout=min(provider.timeout, 5))
