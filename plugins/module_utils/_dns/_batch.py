# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Many record sets at once (one per workspace of a fleet), with the result each would get on its own.

Every record set is read and planned concurrently (``_engine.prepare``). The writes of record sets that one RFC 2136
server holds in one zone go out as one UPDATE message carrying every workspace's prerequisites and changes, split so
that no message exceeds the 65,535 bytes a DNS message can hold (RFC 1035 section 4.2.2). When the server refuses such
a message because a prerequisite no longer holds (a concurrent edit), each workspace's own UPDATE is sent again on its
own, so the workspaces the edit did not touch are written and only the touched one reports the concurrent change, as
it would on its own. Other providers write each record set on its own, concurrently.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import partial

from ansible_collections.fedops.rocketchat.plugins.module_utils._dns import _dnsmsg, _engine
from ansible_collections.fedops.rocketchat.plugins.module_utils._dns._errors import (
    DNSConcurrentChangeError,
    DNSInputError,
)

MAX_MESSAGE_BYTES = 65535


def run_many(items, check_mode=False, want_diff=False, max_workers=16):
    """``items``: (provider, params) pairs. Per item, in order: its module result or the exception it ended with."""
    if not items:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(items)))) as pool:
        outcomes = _gather(pool, [partial(_engine.prepare, provider, params, check_mode) for provider, params in items])
        jobs = [(i, job) for i, job in enumerate(outcomes) if not isinstance(job, Exception)]
        written = {} if check_mode else write(pool, [(i, job) for i, job in jobs if job.changes])
        finishing = []
        for index, job in jobs:
            if isinstance(written.get(index), Exception):
                outcomes[index] = written[index]
            else:
                finishing.append((index, partial(_engine.finish, job, written.get(index), check_mode, want_diff)))
        for (index, _call), outcome in zip(finishing, _gather(pool, [call for _index, call in finishing])):
            outcomes[index] = outcome
    return outcomes


def _gather(pool, calls):
    """The results of ``calls`` run in ``pool``, in order; an exception stands for its call."""
    futures = [pool.submit(call) for call in calls]
    results = []
    for future in futures:
        try:
            results.append(future.result())
        except Exception as exc:  # pylint: disable=broad-except
            results.append(exc)
    return results


def write(pool, jobs):
    """Write planned jobs (``(index, Planned)`` with changes); ``{index: provider ids or exception}``."""
    groups, alone = {}, []
    for index, job in jobs:
        provider = job.provider
        if getattr(provider, "name", None) == "rfc2136":
            key = (provider.address, provider.port, str(provider.keyname), provider.protocol, job.zone)
            groups.setdefault(key, []).append((index, job))
        else:
            alone.append((index, job))
    written = _each_alone(pool, alone)
    for group in groups.values():
        for run in _disjoint_runs(group):
            written.update(_send_combined(pool, run))
    return written


def _each_alone(pool, jobs):
    """Each job's own write, concurrently."""
    calls = [partial(job.provider.apply, job.zone, job.changes, job.current, cname_guard=job.guard) for _index, job in jobs]
    return dict(zip([index for index, _job in jobs], _gather(pool, calls)))


def _disjoint_runs(group):
    """``group`` split into runs whose jobs change different RRsets (two workspaces asking for the same RRset go
    in different messages, in their order)."""
    runs = []
    for index, job in group:
        keys = set(job.keys)
        for taken, members in runs:
            if not keys & taken:
                taken.update(keys)
                members.append((index, job))
                break
        else:
            runs.append((keys, [(index, job)]))
    return [members for _taken, members in runs]


def _fits(message):
    """Whether ``message`` (signed, when it has a key) fits in one DNS message."""
    try:
        return len(message.to_wire()) <= MAX_MESSAGE_BYTES
    except _dnsmsg.dns.exception.TooBig:
        return False


def _send_combined(pool, run):
    """One UPDATE for ``run`` (halved while it is too large); each job alone when a prerequisite fails."""
    if len(run) == 1:
        return _each_alone(pool, run)
    first = run[0][1]
    changes = [change for _index, job in run for change in job.changes]
    guard = sorted(set(target for _index, job in run for target in job.guard))
    if not _fits(first.provider.build_update(first.zone, changes, guard)):
        half = len(run) // 2
        written = _send_combined(pool, run[:half])
        written.update(_send_combined(pool, run[half:]))
        return written
    current = {}
    for _index, job in run:
        current.update(job.current)
    try:
        ids = first.provider.apply(first.zone, changes, current, cname_guard=guard)
    except (DNSConcurrentChangeError, DNSInputError):
        # A prerequisite of some workspace no longer holds: each one's own message, so only that one fails.
        return _each_alone(pool, run)
    except Exception as exc:  # pylint: disable=broad-except
        return dict((index, exc) for index, _job in run)
    return dict((index, dict(ids, workspaces=len(run))) for index, _job in run)
