"""The one app this package's modules share: its settings and the API keys of the tenants
the modules act as.

Each module names its own tenants (``chat-a``, ``chat-b``, ...) at import time, so every key is
known before the first module deploys the app; a module then sees only its own tenants' cases,
sessions and audit entries, the isolation the app promises any two customers.
"""

from __future__ import annotations

import uuid

REGISTERED: dict[str, str] = {}
# The union of what the modules asked for when each deployed its own app.
MAX_UPLOAD_BYTES = 1_500_000
LLM = {"max_tokens": 48, "request_timeout_s": 120}
# Batch jobs: one per tenant, two in all (test_tenant_isolation checks the limits).
INGEST = {"max_jobs_per_tenant": 1, "max_jobs_total": 2, "jobs_retry_after_s": 7}


def tenant_keys(*tenants: str) -> dict[str, str]:
    """``tenant -> API key`` for ``tenants``, registered for the shared app."""
    keys = {tenant: f"key-{tenant}-{uuid.uuid4().hex}" for tenant in tenants}
    REGISTERED.update(keys)
    return keys
