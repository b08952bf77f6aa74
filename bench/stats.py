"""The figures the benches compute from what they timed: percentiles and rates.

Standard library only, and the same numbers as numpy: ``percentile`` interpolates linearly
between the closest ranks exactly as ``numpy.percentile``'s default does (its formula too, so the
last digit agrees), so a bench that rounds the figure gets the digits it got from numpy.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence


def percentile(values: Iterable[float], q: float) -> float | None:
    """The ``q``-th percentile (0..100) of ``values``, linear between closest ranks; ``None`` for none.

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50), percentile([5.0], 99), percentile([], 50)
    (2.5, 5.0, None)
    >>> round(percentile(range(1, 101), 99), 2)
    99.01
    """
    ordered = sorted(values)
    if not ordered:
        return None
    rank = q / 100 * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    weight = rank - low
    difference = ordered[high] - ordered[low]
    # numpy's lerp: from the nearer end, so a weight of 1 gives the upper value exactly.
    if weight >= 0.5:
        return ordered[high] - difference * (1 - weight)
    return ordered[low] + difference * weight


def percentiles_ms(seconds: Iterable[float], quantiles: Sequence[float] = (50, 99),
                   digits: int | None = None) -> dict[str, float | None]:
    """``{"p50_ms": ..., "p99_ms": ...}``: percentiles of durations in seconds, in milliseconds,
    rounded to ``digits`` when given; ``None`` each when there is no duration.

    >>> percentiles_ms([0.010, 0.020, 0.030])
    {'p50_ms': 20.0, 'p99_ms': 29.8}
    >>> percentiles_ms([0.1, 0.2, 0.3, 0.4], (50, 95), digits=1), percentiles_ms([], (50, 95))
    ({'p50_ms': 250.0, 'p95_ms': 385.0}, {'p50_ms': None, 'p95_ms': None})
    """
    milliseconds = [value * 1000.0 for value in seconds]
    figures = {}
    for q in quantiles:
        value = percentile(milliseconds, q)
        figures[f"p{q:g}_ms"] = value if value is None or digits is None else round(value, digits)
    return figures


def rate(count: float, seconds: float) -> float:
    """``count`` per second; 0.0 when no time passed.

    >>> rate(120, 7.5), rate(3, 0.0)
    (16.0, 0.0)
    """
    return count / seconds if seconds > 0 else 0.0
