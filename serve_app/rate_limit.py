"""Request limits shared by all Serve replicas: per key, per client address (failed logins,
health checks).

``SlidingWindowLimiter`` is the pure core; ``RateLimiterActor`` is the Ray shell that every
replica of the gateway calls, so a key's budget is the same whichever replica serves it.
``rate_limit_headers`` renders a decision as the usual ``X-RateLimit-*`` / ``Retry-After``.

>>> limiter = SlidingWindowLimiter()
>>> [limiter.hit("k1", limit=2, window_s=60, now=0).allowed for _ in range(3)]
[True, True, False]
>>> limiter.hit("k1", limit=2, window_s=60, now=60).allowed
True
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import ray

from lexray.errors import LexRayError


@dataclass(frozen=True)
class RateDecision:
    """The answer to one request: whether it may proceed, and the numbers for the headers.

    ``reset_s``: seconds until the oldest counted hit leaves the window (a slot frees).
    ``retry_after_s``: 0 when allowed, else seconds until one more request would be allowed.
    """

    allowed: bool
    limit: int
    remaining: int
    reset_s: float
    retry_after_s: float


class RateLimitedError(LexRayError):
    """The caller used up its budget (HTTP 429); ``headers`` says when to come back."""

    code = "rate_limited"
    http_status = 429

    def __init__(self, decision: RateDecision) -> None:
        self.decision = decision
        self.headers = rate_limit_headers(decision)
        retry_after = self.headers.get("Retry-After", "1")
        super().__init__(f"rate limit of {decision.limit} requests exceeded; retry in {retry_after} s")


@dataclass
class _HitLog:
    hit_times: deque[float] = field(default_factory=deque)
    window_s: float = 0.0


class SlidingWindowLimiter:
    """Sliding-log limiter: at most ``limit`` accepted hits in any ``window_s`` seconds.

    Why a sliding log rather than a sliding-window counter (two fixed windows weighted): the
    log is exact, so a client never gets more than ``limit`` in any window and never gets
    refused below it, and ``reset_s`` / ``retry_after_s`` are exact times rather than estimates
    from an assumed even spread. Its cost, one timestamp per accepted hit, is small at
    LexRay's limits (hundreds per key per minute); the counter would save memory only for
    limits far larger than these.

    Refused hits are not logged, so a client that keeps retrying still gets in as soon as
    its oldest accepted hit leaves the window, and a bucket never holds more than ``limit``
    timestamps. Memory stays bounded: every ``sweep_interval_s`` the next hit drops all
    buckets idle for longer than their window (one pass over the buckets, amortised over the
    hits that created them).

    Not thread-safe; the actor shell runs one call at a time.

    >>> limiter = SlidingWindowLimiter()
    >>> limiter.hit("k1", limit=1, window_s=10, now=100.0)
    RateDecision(allowed=True, limit=1, remaining=0, reset_s=10.0, retry_after_s=0.0)
    >>> limiter.hit("k1", limit=1, window_s=10, now=104.0)
    RateDecision(allowed=False, limit=1, remaining=0, reset_s=6.0, retry_after_s=6.0)
    """

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, sweep_interval_s: float = 60.0
    ) -> None:
        self._clock = clock
        self._sweep_interval_s = sweep_interval_s
        self._logs: dict[str, _HitLog] = {}
        self._last_sweep_at: float | None = None
        self._latest_now = -math.inf

    def __len__(self) -> int:
        """Number of buckets held (active ones plus idle ones not yet swept)."""
        return len(self._logs)

    def hit(self, bucket: str, limit: int, window_s: float, now: float | None = None) -> RateDecision:
        """Count one request against ``bucket`` if it fits under ``limit`` per ``window_s``."""
        return self._decide(bucket, limit, window_s, now, count=True)

    def peek(self, bucket: str, limit: int, window_s: float, now: float | None = None) -> RateDecision:
        """What ``hit`` would answer now, counting nothing (a bucket that is full blocks).

        >>> limiter = SlidingWindowLimiter()
        >>> limiter.peek("k1", limit=1, window_s=10, now=0).allowed, len(limiter)
        (True, 0)
        >>> _ = limiter.hit("k1", limit=1, window_s=10, now=0.0)
        >>> limiter.peek("k1", limit=1, window_s=10, now=5.0)
        RateDecision(allowed=False, limit=1, remaining=0, reset_s=5.0, retry_after_s=5.0)
        """
        return self._decide(bucket, limit, window_s, now, count=False)

    def _decide(self, bucket: str, limit: int, window_s: float, now: float | None, *, count: bool) -> RateDecision:
        if limit < 1 or window_s <= 0:
            raise ValueError("limit must be >= 1 and window_s > 0")
        # Time never runs backwards for the limiter, so each log stays sorted.
        now = max(self._clock() if now is None else now, self._latest_now)
        self._latest_now = now
        self._sweep_if_due(now)

        log = self._logs.setdefault(bucket, _HitLog()) if count else self._logs.get(bucket, _HitLog())
        log.window_s = window_s
        hit_times = log.hit_times
        while hit_times and hit_times[0] <= now - window_s:
            hit_times.popleft()
        allowed = len(hit_times) < limit
        if allowed and count:
            hit_times.append(now)
        counted = len(hit_times)
        # Denied means counted >= limit: one more fits once the (counted - limit + 1)th oldest leaves.
        retry_after_s = 0.0 if allowed else hit_times[counted - limit] + window_s - now
        return RateDecision(
            allowed=allowed,
            limit=limit,
            remaining=max(limit - counted, 0),
            reset_s=hit_times[0] + window_s - now if hit_times else window_s,
            retry_after_s=retry_after_s,
        )

    def _sweep_if_due(self, now: float) -> None:
        if self._last_sweep_at is None:
            self._last_sweep_at = now
            return
        if now - self._last_sweep_at < self._sweep_interval_s:
            return
        self._logs = {
            bucket: log
            for bucket, log in self._logs.items()
            if log.hit_times and log.hit_times[-1] > now - log.window_s
        }
        self._last_sweep_at = now


@ray.remote(num_cpus=0, max_restarts=-1)
class RateLimiterActor:
    """Ray shell over ``SlidingWindowLimiter``, one per cluster, shared by all replicas.

    State lives in memory only: after a restart every bucket starts empty, which at worst
    lets a key through twice its limit within one window; persisting hits would cost a
    store write per request.
    """

    def __init__(self) -> None:
        self._limiter = SlidingWindowLimiter()

    def hit(self, bucket: str, limit: int, window_s: float,
            unless_full: tuple[str, int, float] | None = None) -> RateDecision:
        """Count one request against ``bucket``; but when the bucket ``unless_full`` names
        (``(bucket, limit, window_s)``, e.g. an address's failed logins) is full, answer its
        refusal and count nothing. One actor call either way."""
        if unless_full is not None:
            blocked = self._limiter.peek(*unless_full)
            if not blocked.allowed:
                return blocked
        return self._limiter.hit(bucket, limit, window_s)

    def bucket_count(self) -> int:
        return len(self._limiter)


# Part of the actor's name, raised whenever its methods change: a detached actor outlives a
# redeploy, and the new gateway must not get an older one (2: ``hit`` takes ``unless_full``).
ACTOR_VERSION = 2


def get_rate_limiter(name: str, namespace: str):
    """The named detached limiter actor, created on first use (needs ``ray.init`` first)."""
    return RateLimiterActor.options(
        name=f"{name}-v{ACTOR_VERSION}", namespace=namespace, lifetime="detached", get_if_exists=True
    ).remote()


def rate_limit_headers(decision: RateDecision) -> dict[str, str]:
    """Response headers for a decision; seconds are rounded up to whole numbers.

    >>> rate_limit_headers(RateDecision(False, 30, 0, reset_s=12.2, retry_after_s=0.3))
    {'X-RateLimit-Limit': '30', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '13', 'Retry-After': '1'}
    """
    headers = {
        "X-RateLimit-Limit": str(decision.limit),
        "X-RateLimit-Remaining": str(max(decision.remaining, 0)),
        "X-RateLimit-Reset": str(_whole_seconds(decision.reset_s)),
    }
    if not decision.allowed:
        # Retry-After 0 would invite an immediate retry that is refused again.
        headers["Retry-After"] = str(max(1, _whole_seconds(decision.retry_after_s)))
    return headers


def _whole_seconds(seconds: float) -> int:
    # Rounding first keeps float noise (60.000000001) from adding a whole second.
    return max(0, math.ceil(round(seconds, 6)))
