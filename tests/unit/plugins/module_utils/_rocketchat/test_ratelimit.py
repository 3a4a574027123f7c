"""The rate-limit budget shared by a task's readers: waits for the reset instead of meeting 429, counts concurrent
waits once, and never waits for a caller the server does not limit. No sleeping: clock and sleep are injected."""
import threading

from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._errors import RocketChatRateLimitError
from ansible_collections.fedops.rocketchat.plugins.module_utils._rocketchat._ratelimit import RateLimitBudget

from tests.unit.plugins.module_utils._rocketchat.test_client import Clock, SteppingClock


def test_budget_waits_for_reset_instead_of_running_into_429():
    clock = Clock()
    budget = RateLimitBudget(clock=clock.time, sleep=clock.sleep, max_wait=100)
    bucket = ("GET", "/api/v1/settings/:_id")
    budget.acquire(bucket)                   # unknown bucket: go
    budget.update(bucket, {"X-RateLimit-Limit": "3", "X-RateLimit-Remaining": "1", "X-RateLimit-Reset": "1020000"})
    budget.acquire(bucket)                   # uses the last one
    assert clock.slept == []
    budget.acquire(bucket)                   # none left: wait for the reset at 1020 s
    assert clock.slept == [20.01] and round(budget.waited, 3) == 20.01
    budget.acquire(bucket)
    budget.acquire(bucket)                   # fresh window of 3: two more, no wait
    assert len(clock.slept) == 1


def test_budget_without_headers_means_exempt():
    clock = Clock()
    budget = RateLimitBudget(clock=clock.time, sleep=clock.sleep)
    bucket = ("GET", "x")
    budget.update(bucket, {})
    for _dummy in range(50):
        budget.acquire(bucket)
    assert clock.slept == []


def test_concurrent_waits_for_one_reset_count_once():
    """Issue 13.1: eight readers waiting for the same reset (50 s away) have waited 50 s, not 400 s; with
    rate_limit_max_wait=60 none of them fails."""
    clock = SteppingClock(1050.0, 8)
    budget = RateLimitBudget(clock=clock.time, sleep=clock.sleep, max_wait=60)
    bucket = ("GET", "/api/v1/settings/:_id")
    budget.update(bucket, {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1050000"})
    barrier = threading.Barrier(8)
    errors = []

    def reader():
        barrier.wait()
        try:
            budget.acquire(bucket)
        except RocketChatRateLimitError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _dummy in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == []
    assert 50.0 <= budget.waited <= 50.1
    assert 50.0 <= budget.longest_wait <= 50.1
