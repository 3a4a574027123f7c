# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Rocket.Chat's REST rate limiter as one task sees it: the ``X-RateLimit-*`` headers per bucket (client address,
route pattern and method), waits until ``X-RateLimit-Reset`` instead of meeting 429, bounded in total."""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time

from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._errors import RocketChatRateLimitError


class Cancelled(Exception):
    """Another request of the same task failed for good (auth, permission): stop this one."""


def rate_limit_headers(headers):
    """(limit, remaining, reset in epoch seconds) from X-RateLimit-* headers, or None without them."""
    try:
        return (int(headers.get("X-RateLimit-Limit")), int(headers.get("X-RateLimit-Remaining")),
                int(headers.get("X-RateLimit-Reset")) / 1000.0)
    except (TypeError, ValueError, AttributeError):
        return None


class RateLimitBudget(object):
    """What the server's rate limiter told us, shared by the worker threads of one task.

    Rocket.Chat limits per client address, route pattern and method, and only callers without the
    ``api-bypass-rate-limit`` permission; an exempt caller gets no ``X-RateLimit-*`` headers. So:

    * buckets are (method, route pattern) of one server; they are learnt from the answers' headers;
    * windows remembered from earlier tasks (:meth:`load`) apply only once this task's caller has been
      seen limited (an answer carried the headers); a caller the server does not limit never waits for them;
    * a window that has passed is forgotten;
    * waiting is counted as wall-clock time during which any request waited (the union of the waits), so
      concurrent requests waiting for the same reset count once; ``longest_wait`` is the longest single wait.
    """

    def __init__(self, clock=time.time, sleep=time.sleep, max_wait=120.0):
        self.clock = clock
        self.sleep = sleep
        self.max_wait = max_wait
        self.longest_wait = 0.0
        self.limited = False     # an answer to this task's caller carried X-RateLimit headers
        self._lock = threading.Lock()
        self._buckets = {}
        self._remembered = {}
        self._waits = []         # (start, end) of every wait

    @property
    def wait_count(self):
        with self._lock:
            return len(self._waits)

    @property
    def waited(self):
        """Seconds of wall-clock time during which at least one request waited for a window."""
        with self._lock:
            return _union_length(self._waits)

    def known(self, bucket):
        with self._lock:
            return bucket in self._buckets

    def export(self):
        """Windows still open, as JSON-able data (so the next task need not probe into a used-up window)."""
        now = self.clock()
        with self._lock:
            merged = dict(self._remembered)
            merged.update((b, s) for b, s in self._buckets.items() if s["limit"] is not None)
            return dict(("%s %s" % bucket, dict(state)) for bucket, state in merged.items()
                        if state["reset"] is not None and state["reset"] > now)

    def load(self, data):
        now = self.clock()
        with self._lock:
            for key, state in (data or {}).items():
                try:
                    method, route = key.split(" ", 1)
                    entry = {"limit": int(state["limit"]), "remaining": int(state["remaining"]),
                             "reset": float(state["reset"])}
                except (ValueError, KeyError, TypeError, AttributeError):
                    continue
                if entry["reset"] > now:
                    self._remembered[(method, route)] = entry

    def load_file(self, path):
        """Windows remembered by an earlier task (see :meth:`save_file`); a missing or broken file is no state."""
        try:
            with open(path, "r") as handle:
                self.load(json.load(handle))
        except (IOError, OSError, ValueError):
            pass

    def save_file(self, path):
        """Keep the open windows for the next task: bucket names, counts and reset times, no credentials; 0600,
        written atomically. A cache: losing it costs at most one 429 that is then waited out."""
        data = self.export()
        try:
            if not data:
                if os.path.exists(path):
                    os.remove(path)
                return
            directory = os.path.dirname(path)
            if not os.path.isdir(directory):
                os.makedirs(directory, 0o700)
            fd, tmp = tempfile.mkstemp(prefix=".ratelimit-", dir=directory)
            with os.fdopen(fd, "w") as handle:
                json.dump(data, handle)
            os.chmod(tmp, 0o600)
            os.rename(tmp, path)
        except (IOError, OSError):
            pass

    def _state(self, bucket):
        state = self._buckets.get(bucket)
        if state is None and self.limited and bucket in self._remembered:
            state = self._buckets[bucket] = self._remembered.pop(bucket)
        return state

    def acquire(self, bucket, cancel=None):
        """Reserve one call in ``bucket``; wait for the window's reset when it is used up."""
        for _dummy in range(10000):
            with self._lock:
                state = self._state(bucket)
                if state is None or state["limit"] is None:
                    return
                now = self.clock()
                if state["reset"] is not None and now >= state["reset"]:
                    state["remaining"] = state["limit"]
                    state["reset"] = None
                if state["remaining"] > 0:
                    state["remaining"] -= 1
                    return
                reset = state["reset"]
            if reset is None:  # window used up by calls still in flight: poll for their answers
                self._wait(0.02, bucket, None, cancel)
            else:
                self._wait(max(0.0, reset - self.clock()) + 0.01, bucket, reset, cancel)
        raise RocketChatRateLimitError("rate limit bookkeeping for %s did not settle" % (bucket,))

    def _wait(self, seconds, bucket, reset, cancel):
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        start = self.clock()
        with self._lock:
            total = _union_length(self._waits + [(start, start + seconds)])
            if total > self.max_wait:
                raise RocketChatRateLimitError(
                    "Rocket.Chat rate-limits %s %s for this caller (X-RateLimit headers, %s); waiting for the "
                    "window to reset would make this task wait %.1fs in all, beyond rate_limit_max_wait=%ss. Use "
                    "a token of a user holding the api-bypass-rate-limit permission (admin, bot), raise "
                    "rate_limit_max_wait, or run fewer tasks against this server per minute."
                    % (bucket[0], bucket[1], "window resets in %.1fs" % max(0.0, reset - start)
                       if reset is not None else "window used up", total, self.max_wait))
            self._waits.append((start, start + seconds))
            self.longest_wait = max(self.longest_wait, seconds)
        if cancel is not None and self.sleep is time.sleep:
            cancel.wait(seconds)
        else:
            self.sleep(seconds)
        if cancel is not None and cancel.is_set():
            raise Cancelled()

    def update(self, bucket, headers):
        """Learn from an answer's headers. No headers: this caller is exempt on this route."""
        learnt = rate_limit_headers(headers)
        with self._lock:
            if learnt is None:
                if bucket not in self._buckets:
                    self._buckets[bucket] = {"limit": None, "remaining": None, "reset": None}
                return
            self.limited = True
            limit, remaining, reset = learnt
            self._remembered.pop(bucket, None)
            state = self._buckets.get(bucket)
            if state is None or state["limit"] is None or state["reset"] is None or \
                    abs(state["reset"] - reset) > 0.5:
                self._buckets[bucket] = {"limit": limit, "remaining": remaining, "reset": reset}
            else:
                state["remaining"] = min(state["remaining"], remaining)

    def exhausted(self, bucket, headers):
        """A 429 arrived: nothing left until the reset it announces."""
        learnt = rate_limit_headers(headers)
        limit, reset = (learnt[0], learnt[2]) if learnt else (1, self.clock() + 1.0)
        with self._lock:
            self.limited = True
            self._remembered.pop(bucket, None)
            self._buckets[bucket] = {"limit": limit, "remaining": 0, "reset": reset}


def _union_length(intervals):
    total = 0.0
    end = None
    for start, stop in sorted(intervals):
        if end is None or start > end:
            total += stop - start
            end = stop
        elif stop > end:
            total += stop - end
            end = stop
    return total
