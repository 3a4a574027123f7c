import pytest

from ansible_collections.fedops.rocketchat.plugins.module_utils._retry import (
    RetryExhausted,
    RetryPolicy,
    retry_call,
    wait_until_deadline,
)


class Flaky:
    def __init__(self, failures, exc=OSError):
        self.failures = failures
        self.calls = 0
        self.exc = exc

    def __call__(self):
        self.calls += 1
        if self.calls <= self.failures:
            raise self.exc("boom %d" % self.calls)
        return "ok"


def test_delays_grow_exponentially_and_are_capped():
    policy = RetryPolicy(attempts=6, base_delay=0.5, factor=2, max_delay=3, jitter=0)
    assert policy.delays() == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_jitter_stays_within_the_band():
    policy = RetryPolicy(attempts=3, base_delay=1, factor=2, max_delay=10, jitter=0.5)
    assert policy.delay(1, rng=lambda: 0.0) == 2.0
    assert policy.delay(1, rng=lambda: 1.0) == 1.0


@pytest.mark.parametrize("kwargs", [dict(attempts=0), dict(base_delay=-1), dict(jitter=2)])
def test_policy_rejects_nonsense(kwargs):
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)


def test_retry_until_success_sleeps_between_attempts():
    slept, seen = [], []
    func = Flaky(2)
    result = retry_call(func, RetryPolicy(attempts=4, base_delay=1, jitter=0), retry_on=(OSError,),
                        sleep=slept.append, on_retry=lambda n, e, d: seen.append(n))
    assert result == "ok" and func.calls == 3 and slept == [1.0, 2.0] and seen == [1, 2]


def test_exhaustion_reraises_the_last_error_or_wraps_it():
    func = Flaky(10)
    with pytest.raises(OSError, match="boom 3"):
        retry_call(func, RetryPolicy(attempts=3, jitter=0), retry_on=(OSError,), sleep=lambda s: None)
    with pytest.raises(RetryExhausted) as info:
        retry_call(Flaky(10), RetryPolicy(attempts=2, jitter=0), retry_on=(OSError,), sleep=lambda s: None,
                   raise_exhausted=True)
    assert info.value.attempts == 2 and "boom 2" in str(info.value.last_error)


def test_errors_not_listed_or_refused_by_should_retry_are_raised_at_once():
    func = Flaky(5, exc=KeyError)
    with pytest.raises(KeyError):
        retry_call(func, RetryPolicy(attempts=5), retry_on=(OSError,), sleep=lambda s: None)
    assert func.calls == 1
    func = Flaky(5)
    with pytest.raises(OSError):
        retry_call(func, RetryPolicy(attempts=5), retry_on=(OSError,), should_retry=lambda e: False,
                   sleep=lambda s: None)
    assert func.calls == 1


def test_wait_until_deadline_sleeps_exactly_until_it_and_caps():
    now = [100.0]

    def sleep(seconds):
        now[0] += seconds

    assert wait_until_deadline(103.5, clock=lambda: now[0], sleep=sleep) == 3.5 and now[0] == 103.5
    assert wait_until_deadline(50, clock=lambda: now[0], sleep=sleep) == 0
    with pytest.raises(ValueError):
        wait_until_deadline(1000, clock=lambda: now[0], sleep=sleep, max_wait=10)
