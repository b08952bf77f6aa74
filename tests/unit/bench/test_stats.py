"""bench/stats.py: percentiles agree with numpy to the last digit, in seconds or milliseconds."""

from __future__ import annotations

import random

import numpy as np
import pytest

from bench.stats import percentile, percentiles_ms, rate


@pytest.mark.parametrize("seed", range(5))
def test_percentile_is_numpys_default(seed):
    rng = random.Random(seed)
    for _ in range(200):
        values = [rng.random() * 10 ** rng.randint(-4, 4) for _ in range(rng.randint(1, 50))]
        q = rng.choice([0, 50, 95, 99, 99.9, 100, rng.random() * 100])
        assert percentile(values, q) == float(np.percentile(values, q))


def test_percentiles_ms_name_each_quantile_and_round_when_asked():
    seconds = [i / 100 for i in range(1, 101)]
    assert percentiles_ms(seconds, (50, 95), digits=1) == {"p50_ms": 505.0, "p95_ms": 950.5}
    assert percentiles_ms([0.005]) == {"p50_ms": 5.0, "p99_ms": 5.0}
    assert percentiles_ms([0.010, 0.020, 0.040, 0.030]) == pytest.approx({"p50_ms": 25.0, "p99_ms": 39.7})
    assert percentiles_ms([], (50, 95, 99)) == {"p50_ms": None, "p95_ms": None, "p99_ms": None}
    assert list(percentiles_ms([1.0], (99.9,))) == ["p99.9_ms"]


def test_rate_is_zero_without_time():
    assert rate(10, 4.0) == 2.5 and rate(10, 0.0) == 0.0 and rate(0, 1.0) == 0.0
