# -*- coding: utf-8 -*-
# Copyright (c) fedops.rocketchat contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# NOTE: THIS MODULE UTIL IS PRIVATE TO THE COLLECTION. IT MAY CHANGE AT ANY TIME.

"""Bounded retries with exponential backoff and jitter: the one retry helper of the collection.

The Rocket.Chat REST client, the DNS providers and the Matrix discovery code all retry through
:class:`RetryPolicy`. Nothing here knows about HTTP or DNS; callers say which exceptions are worth
another attempt, and may ask for a longer wait (a server's ``Retry-After``). ``sleep`` and ``rng``
are injectable so tests run without waiting.
"""

from __future__ import annotations

import random
import time


class RetryPolicy(object):
    """How often and how long to wait between attempts.

    ``attempts`` counts every try including the first, so ``attempts=1`` means no retry; ``retries``
    (extra attempts, as users give the option) may be given instead. The n-th wait (n from 0) is drawn
    from ``[base * factor**n * (1 - jitter), base * factor**n]``, capped at ``max_delay``. ``jitter=0``
    gives deterministic delays. ``sleep`` is what :meth:`call` waits with. A wait the server asks for
    (``Retry-After``) is honoured up to ``max_asked`` (default: ``max_delay``).
    """

    def __init__(self, attempts=None, base_delay=0.5, factor=2.0, max_delay=8.0, jitter=0.5, retries=None,
                 sleep=None, rng=None, max_asked=None):
        if retries is not None:
            if retries < 0:
                raise ValueError("retries must be >= 0")
            attempts = int(retries) + 1
        if attempts is None:
            attempts = 4
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        if base_delay < 0 or max_delay < 0:
            raise ValueError("delays must not be negative")
        if not 0 <= jitter <= 1:
            raise ValueError("jitter must be between 0 and 1")
        self.attempts = int(attempts)
        self.base_delay = float(base_delay)
        self.factor = float(factor)
        self.max_delay = float(max_delay)
        self.jitter = float(jitter)
        self.max_asked = float(max_asked) if max_asked is not None else self.max_delay
        self.sleep = sleep or time.sleep
        self.rng = rng or random.random

    @property
    def retries(self):
        return self.attempts - 1

    def delay(self, retry_number, rng=random.random):
        """The wait before retry ``retry_number`` (0 for the first retry)."""
        ceiling = min(self.max_delay, self.base_delay * (self.factor ** retry_number))
        return ceiling * (1.0 - self.jitter * rng())

    def wait(self, retry_number, asked=None, rng=None):
        """The wait before retry ``retry_number``: the backoff, or longer when the server asked for
        ``asked`` seconds, never more than ``max_asked``."""
        delay = self.delay(retry_number, rng or self.rng)
        if asked is not None:
            delay = min(max(delay, float(asked)), max(self.max_asked, delay))
        return delay

    def delays(self, rng=random.random):
        """All waits this policy may use, one fewer than the attempts."""
        return [self.delay(n, rng) for n in range(self.attempts - 1)]

    def call(self, func, is_retryable, on_retry=None):
        """Call ``func()``, retrying while ``is_retryable(exc)`` is true and attempts remain.

        ``is_retryable`` may return a number instead of True: the server asked for that many seconds
        (``Retry-After``); the wait is then at least that, capped at ``max_asked``. The final
        exception propagates unchanged, with ``attempts`` set on it. ``on_retry(exc, number, delay)`` is
        told about each retry before its wait.
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
                delay = min(max(delay, state["asked"]), max(self.max_asked, delay))
            self.sleep(delay)

        return retry_call(attempt, policy=self, retry_on=(Exception,), should_retry=should_retry, sleep=sleep,
                          rng=self.rng, on_retry=notify)


class RetryExhausted(Exception):
    """Raised by :func:`retry_call` with ``raise_exhausted=True``; carries the last error."""

    def __init__(self, attempts, last_error):
        super(RetryExhausted, self).__init__("gave up after %d attempts: %s" % (attempts, last_error))
        self.attempts = attempts
        self.last_error = last_error


def retry_call(func, policy=None, retry_on=(Exception,), should_retry=None, sleep=time.sleep, rng=random.random,
               on_retry=None, raise_exhausted=False):
    """Call ``func()`` until it succeeds or the policy runs out of attempts.

    ``retry_on`` is a tuple of exception classes that may be retried; ``should_retry(exc)`` can narrow it
    further (return False to raise at once). ``on_retry(attempt, exc, delay)`` is told about each retry.
    When every attempt failed the last exception is re-raised, or wrapped in :class:`RetryExhausted`
    when ``raise_exhausted`` is set.
    """
    policy = policy or RetryPolicy()
    attempt = 0
    while True:
        try:
            return func()
        except retry_on as exc:  # pylint: disable=catching-non-exception
            if should_retry is not None and not should_retry(exc):
                raise
            if attempt + 1 >= policy.attempts:
                if raise_exhausted:
                    raise RetryExhausted(attempt + 1, exc) from exc
                raise
            delay = policy.delay(attempt, rng)
            if on_retry is not None:
                on_retry(attempt + 1, exc, delay)
            sleep(delay)
            attempt += 1


def wait_until_deadline(deadline, clock=time.time, sleep=time.sleep, max_wait=None):
    """Sleep until the wall-clock ``deadline`` (seconds since the epoch) has passed.

    Returns the time slept. With ``max_wait`` set, a deadline further away raises ``ValueError``
    instead of sleeping (the caller reports it). Sleeps in one go, then re-checks the clock, so a
    short sleep (signals, coarse timers) never returns early.
    """
    slept = 0.0
    remaining = deadline - clock()
    if max_wait is not None and remaining > max_wait:
        raise ValueError("deadline is %.1fs away, more than the allowed %.1fs" % (remaining, max_wait))
    for _dummy in range(100):
        if remaining <= 0:
            break
        sleep(remaining)
        slept += remaining
        remaining = deadline - clock()
    return slept
