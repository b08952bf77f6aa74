"""The caller's tenant's audit trail."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query

from serve_app import schemas
from serve_app.routes.context import Gateway, Tenant
from serve_app.routes.openapi import ERRORS

router = APIRouter()


@router.get("/api/v1/audit", response_model=schemas.AuditLogResponse, responses=ERRORS)
async def audit_log(params: Annotated[schemas.AuditQuery, Query()], tenant: Tenant, gateway: Gateway) -> dict:
    """The caller's tenant's audit entries (every data access), newest first; never another
    tenant's. Entries reach it shortly after their request (they are written in the background)."""
    limit = min(params.limit, gateway.settings.audit.page_max)
    entries, total = await asyncio.gather(
        asyncio.to_thread(gateway.store.audit_entries, tenant_id=tenant, skip=params.skip, limit=limit),
        asyncio.to_thread(gateway.store.count_audit_entries, tenant_id=tenant))
    return {"entries": entries, "skip": params.skip, "limit": limit, "total": total}
