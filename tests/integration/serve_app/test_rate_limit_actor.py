"""The rate limiter as a shared Ray actor: one bucket per key across handles of the same name."""

import uuid

import pytest
import ray

from serve_app.rate_limit import RateDecision, get_rate_limiter


@pytest.mark.integration
def test_a_full_bucket_blocks_hits_on_another(ray_address):
    limiter = get_rate_limiter(f"lexray-rate-limit-{uuid.uuid4().hex[:10]}", "lexray-tests")
    failures = ("auth-failures:ip:10.0.0.1", 2, 60.0)
    try:
        assert ray.get(limiter.hit.remote("api:key-1", 100, 60.0, failures)).allowed
        assert all(ray.get(limiter.hit.remote(*failures)).allowed for _ in range(2))
        blocked = ray.get(limiter.hit.remote("api:key-1", 100, 60.0, failures))
        assert not blocked.allowed and blocked.limit == 2
        # The refused request was not counted against the key.
        assert ray.get(limiter.hit.remote("api:key-1", 100, 60.0)).remaining == 98
    finally:
        ray.kill(limiter, no_restart=True)


@pytest.mark.integration
def test_actor_is_shared_by_handles_with_the_same_name(ray_address):
    name = f"lexray-rate-limit-{uuid.uuid4().hex[:10]}"
    first = get_rate_limiter(name, "lexray-tests")
    second = get_rate_limiter(name, "lexray-tests")
    try:
        decisions = [ray.get(handle.hit.remote("key-1", 3, 60.0)) for handle in (first, second, first)]
        assert [d.remaining for d in decisions] == [2, 1, 0]
        denied = ray.get(second.hit.remote("key-1", 3, 60.0))
        assert isinstance(denied, RateDecision)
        assert not denied.allowed and 0 < denied.retry_after_s <= 60
        assert ray.get(second.hit.remote("key-2", 3, 60.0)).allowed
        assert ray.get(first.bucket_count.remote()) == 2
    finally:
        ray.kill(first, no_restart=True)
