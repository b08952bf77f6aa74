"""The sliding-window limiter (pure, injected time) and its headers. The shared Ray actor:
tests/integration/serve_app/test_rate_limit_actor.py."""

import pytest

from serve_app.rate_limit import (
    RateDecision,
    RateLimitedError,
    SlidingWindowLimiter,
    rate_limit_headers,
)


def test_allows_exactly_limit_hits_then_denies():
    limiter = SlidingWindowLimiter()
    decisions = [limiter.hit("key", limit=3, window_s=60, now=100.0 + i) for i in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert [d.retry_after_s for d in decisions[:3]] == [0.0, 0.0, 0.0]
    denied = decisions[3]
    # The first hit (t=100) leaves the window at t=160; this one came at t=103.
    assert denied.retry_after_s == pytest.approx(57.0)
    assert denied.reset_s == pytest.approx(57.0)
    assert denied.limit == 3


def test_reset_counts_down_to_the_oldest_hit_leaving():
    limiter = SlidingWindowLimiter()
    assert limiter.hit("key", limit=5, window_s=10, now=0.0).reset_s == pytest.approx(10.0)
    assert limiter.hit("key", limit=5, window_s=10, now=4.0).reset_s == pytest.approx(6.0)


def test_frees_up_as_the_window_slides():
    limiter = SlidingWindowLimiter()
    for at in (0.0, 5.0):
        assert limiter.hit("key", limit=2, window_s=10, now=at).allowed
    denied = limiter.hit("key", limit=2, window_s=10, now=9.0)
    assert not denied.allowed and denied.retry_after_s == pytest.approx(1.0)
    # Refused hits are not counted: at t=10 the t=0 hit has left, one slot is free.
    freed = limiter.hit("key", limit=2, window_s=10, now=10.0)
    assert freed.allowed and freed.remaining == 0
    assert not limiter.hit("key", limit=2, window_s=10, now=14.9).allowed
    assert limiter.hit("key", limit=2, window_s=10, now=15.0).allowed


def test_retry_after_waits_for_enough_hits_to_leave_when_the_limit_drops():
    limiter = SlidingWindowLimiter()
    for at in (0.0, 1.0, 2.0, 3.0):
        limiter.hit("key", limit=4, window_s=10, now=at)
    denied = limiter.hit("key", limit=2, window_s=10, now=5.0)
    # Four hits held, limit now 2: the third oldest (t=2) must leave first.
    assert not denied.allowed and denied.retry_after_s == pytest.approx(7.0)
    assert denied.remaining == 0


def test_uses_the_injected_clock():
    now = [1000.0]
    limiter = SlidingWindowLimiter(clock=lambda: now[0])
    assert limiter.hit("key", limit=1, window_s=30).allowed
    now[0] += 29.5
    assert not limiter.hit("key", limit=1, window_s=30).allowed
    now[0] += 0.5
    assert limiter.hit("key", limit=1, window_s=30).allowed


def test_time_running_backwards_does_not_break_the_count():
    limiter = SlidingWindowLimiter()
    assert limiter.hit("key", limit=2, window_s=10, now=50.0).allowed
    assert limiter.hit("key", limit=2, window_s=10, now=40.0).allowed
    assert not limiter.hit("key", limit=2, window_s=10, now=45.0).allowed


def test_buckets_are_independent():
    limiter = SlidingWindowLimiter()
    assert limiter.hit("a", limit=1, window_s=60, now=0.0).allowed
    assert not limiter.hit("a", limit=1, window_s=60, now=1.0).allowed
    assert limiter.hit("b", limit=1, window_s=60, now=1.0).allowed
    assert limiter.hit("upload:a", limit=1, window_s=60, now=1.0).allowed


@pytest.mark.parametrize(("limit", "window_s"), [(0, 60), (-1, 60), (1, 0), (1, -5)])
def test_rejects_nonsense_limits(limit, window_s):
    with pytest.raises(ValueError):
        SlidingWindowLimiter().hit("key", limit=limit, window_s=window_s, now=0.0)


def test_idle_buckets_are_swept_so_memory_stays_bounded():
    limiter = SlidingWindowLimiter(sweep_interval_s=60)
    for n in range(10_000):
        limiter.hit(f"idle-{n}", limit=5, window_s=60, now=n * 0.001)
    for at in (0.0, 30.0, 59.0):
        limiter.hit("busy", limit=100, window_s=60, now=at)
    assert len(limiter) == 10_001
    # At t=70 a sweep is due, and every idle bucket's last hit (t < 10) has left its window.
    limiter.hit("fresh", limit=5, window_s=60, now=70.0)
    assert len(limiter) == 2
    # The busy bucket kept its log: its hits at t=30 and t=59 still count.
    assert limiter.hit("busy", limit=2, window_s=60, now=71.0).allowed is False


def test_a_bucket_never_holds_more_than_limit_timestamps():
    limiter = SlidingWindowLimiter()
    for n in range(1000):
        limiter.hit("hammer", limit=10, window_s=60, now=n * 0.01)
    assert len(limiter._logs["hammer"].hit_times) == 10


def test_headers_when_allowed():
    decision = RateDecision(allowed=True, limit=600, remaining=599, reset_s=59.2, retry_after_s=0.0)
    assert rate_limit_headers(decision) == {
        "X-RateLimit-Limit": "600",
        "X-RateLimit-Remaining": "599",
        "X-RateLimit-Reset": "60",
    }


def test_headers_when_denied_round_up_and_never_say_retry_now():
    denied = RateDecision(allowed=False, limit=30, remaining=0, reset_s=0.0000001, retry_after_s=0.0)
    assert rate_limit_headers(denied)["Retry-After"] == "1"
    assert rate_limit_headers(denied)["X-RateLimit-Reset"] == "0"
    later = RateDecision(allowed=False, limit=30, remaining=0, reset_s=12.01, retry_after_s=12.01)
    assert rate_limit_headers(later)["Retry-After"] == "13"
    exact = RateDecision(allowed=False, limit=30, remaining=0, reset_s=60.000000001, retry_after_s=5.0)
    assert rate_limit_headers(exact)["X-RateLimit-Reset"] == "60"
    assert rate_limit_headers(exact)["Retry-After"] == "5"


def test_headers_from_a_real_decision():
    limiter = SlidingWindowLimiter()
    limiter.hit("key", limit=1, window_s=60, now=0.0)
    headers = rate_limit_headers(limiter.hit("key", limit=1, window_s=60, now=0.5))
    assert headers == {
        "X-RateLimit-Limit": "1",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": "60",
        "Retry-After": "60",
    }


def test_rate_limited_error_carries_code_and_headers():
    error = RateLimitedError(RateDecision(False, 30, 0, reset_s=9.5, retry_after_s=9.5))
    assert error.code == "rate_limited"
    assert error.headers["Retry-After"] == "10"
    assert "retry in 10 s" in str(error)


def test_peek_counts_nothing_and_sees_a_full_bucket():
    limiter = SlidingWindowLimiter()
    assert limiter.peek("fails", limit=2, window_s=60, now=0.0).allowed and len(limiter) == 0
    for now in (1.0, 2.0):
        assert limiter.hit("fails", limit=2, window_s=60, now=now).allowed
    for _ in range(3):  # peeking again and again changes nothing
        blocked = limiter.peek("fails", limit=2, window_s=60, now=10.0)
        assert not blocked.allowed and blocked.retry_after_s == pytest.approx(51.0)
    assert limiter.peek("fails", limit=2, window_s=60, now=61.5).allowed
