# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Bounded retries for the DNS providers, on top of the collection's generic `_retry` helper.

Adds what the providers need around it: a `retries` count as users give it (extra attempts), a
server's `Retry-After` honoured (within bounds), and the number of attempts recorded on the final
exception so error messages can say how often the request was tried.
"""

from __future__ import annotations

import time

from ansible_collections.fedops.rocketchat.plugins.module_utils import _retry


class RetryPolicy(object):
    """`retries` extra attempts; waits 0.25 s doubling up to 4 s, with jitter."""

    def __init__(self, retries=3, base_delay=0.25, max_delay=4.0, sleep=None):
        if retries < 0:
            raise ValueError("retries must be >= 0")
        self.retries = retries
        self.max_delay = max_delay
        self.sleep = sleep or time.sleep
        self.policy = _retry.RetryPolicy(attempts=retries + 1, base_delay=base_delay, max_delay=max_delay, jitter=0.3)

    def call(self, func, is_retryable, on_retry=None):
        """Call `func()`, retrying while `is_retryable(exc)` is true and attempts remain.

        `is_retryable` may return a number instead of True: the server asked for that many seconds
        (Retry-After); the wait is then at least that, capped at four times `max_delay`.
        The final exception propagates unchanged, with `attempts` set on it.
        """
        state = {"attempts": 0, "asked": None}

        def attempt():
            state["attempts"] += 1
            try:
                return func()
            except Exception as exc:  # pylint: disable=broad-except
                try:
                    exc.attempts = state["attempts"]
                except AttributeError:  # pragma: no cover - exceptions with __slots__
                    pass
                raise

        def should_retry(exc):
            verdict = is_retryable(exc)
            state["asked"] = None
            if not isinstance(verdict, bool) and isinstance(verdict, (int, float)):
                state["asked"] = float(verdict)
                return True
            return bool(verdict)

        def notify(number, exc, delay):
            if on_retry is not None:
                on_retry(exc, number, delay)

        def sleep(delay):
            if state["asked"] is not None:
                delay = min(max(delay, state["asked"]), self.max_delay * 4)
            self.sleep(delay)

        return _retry.retry_call(attempt, policy=self.policy, retry_on=(Exception,), should_retry=should_retry,
                                 sleep=sleep, on_retry=notify)
