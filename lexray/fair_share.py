"""Which tenant's document runs next: fair sharing of a bounded pool of workers.

The upload scheduler (``actors.upload_processor``) calls these whenever a worker slot is free.
A tenant with many queued documents must not delay another tenant's one, so the next slot goes
to the tenant with the fewest documents running (then the one served longest ago), and no
tenant may hold every slot: one stays free for whoever uploads next.
"""

from __future__ import annotations

from collections.abc import Mapping


def slot_limits(max_concurrent: int, max_concurrent_per_tenant: int, cluster_cpus: float) -> tuple[int, int]:
    """(slots in all, slots one tenant may hold) from the settings and the cluster's CPUs.

    >>> slot_limits(0, 0, 2.0), slot_limits(0, 0, 16.0), slot_limits(1, 0, 8.0), slot_limits(4, 3, 8.0)
    ((2, 1), (16, 15), (1, 1), (4, 3))
    """
    slots = max_concurrent or max(2, int(cluster_cpus))
    per_tenant = max_concurrent_per_tenant or max(1, slots - 1)
    return slots, min(per_tenant, slots)


def next_tenant(
    queued: Mapping[str, int],
    running: Mapping[str, int],
    last_served: Mapping[str, float],
    per_tenant: int,
) -> str | None:
    """The tenant whose oldest queued document should take a free slot, or None.

    ``queued`` and ``running`` count documents per tenant; ``last_served`` holds when each
    tenant last got a slot (any increasing clock; missing = never).

    >>> next_tenant({"a": 500, "b": 1}, {"a": 1}, {"a": 10.0}, per_tenant=1)
    'b'
    >>> next_tenant({"a": 500, "b": 1}, {"a": 1, "b": 1}, {}, per_tenant=1) is None
    True
    >>> next_tenant({"a": 3, "b": 2}, {}, {"a": 5.0, "b": 9.0}, per_tenant=2)
    'a'
    """
    eligible = [tenant for tenant, count in queued.items() if count > 0 and running.get(tenant, 0) < per_tenant]
    if not eligible:
        return None
    return min(eligible, key=lambda tenant: (running.get(tenant, 0), last_served.get(tenant, float("-inf")), tenant))


def backoff_seconds(retry: int, first_s: float, max_s: float) -> float:
    """Wait before transient retry number ``retry`` (1-based): doubling from ``first_s``.

    >>> [backoff_seconds(n, 2.0, 10.0) for n in (1, 2, 3, 4)]
    [2.0, 4.0, 8.0, 10.0]
    """
    return min(max_s, first_s * 2 ** (retry - 1))
