"""Erasing a case for good, from MongoDB and from every index shard."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path, Request

from actors.index_actor import find_index_actor
from serve_app import schemas
from serve_app.errors import ApiError
from serve_app.http import principal_of
from serve_app.logs import replica_logger
from serve_app.routes.context import Gateway, GatewayContext, Tenant
from serve_app.routes.openapi import ERRORS

logger = replica_logger(__name__)
router = APIRouter()
NOT_IN_INDEX = {"vectors": None, "lexical_chunks": None}


@router.delete("/api/v1/cases/{case_id}", response_model=schemas.CaseErasureResponse, responses=ERRORS)
async def erase_case(case_id: Annotated[str, Path(min_length=1, max_length=128)], request: Request,
                     tenant: Tenant, gateway: Gateway) -> dict:
    """Erase a case for good: the case, its chunks and vectors (every index shard, BM25 too,
    snapshotted at once), its uploaded PDF, its stored summaries and question sets; its
    citations in chat sessions become tombstones (`case_id` null, `erased` true). A receipt
    (who, when, case id, counts; no text) is kept. 404 when the tenant has no such case."""
    principal = principal_of(request)
    store = gateway.store
    removed = await asyncio.to_thread(
        lambda: store.ensure_indexes_once().erase_case(case_id, tenant_id=tenant, key_id=principal.key_id,
                                                       request_id=request.state.request_id))
    if removed is None:
        raise ApiError("not_found", f"no case {case_id!r}")
    removed = {**removed, **await _erase_from_index(gateway, case_id)}
    erased_at = await asyncio.to_thread(store.finish_erasure, case_id, removed)
    return {"case_id": case_id, "erased": True, "erased_at": erased_at, "removed": removed}


async def _erase_from_index(gateway: GatewayContext, case_id: str) -> dict:
    """What the index removed; unknown counts when the index is not there now (MongoDB is
    erased, and the index's reconcile with it finishes the job)."""
    try:
        index = find_index_actor(gateway.settings)
        if index is not None:
            return await index.erase_case.remote(case_id)
        reason = "no index actor"
    except Exception as exc:  # noqa: BLE001 - the reconcile finishes it, as above
        reason = type(exc).__name__
    logger.warning("case %s erased from MongoDB, not yet from the index: %s", case_id, reason)
    return dict(NOT_IN_INDEX)
