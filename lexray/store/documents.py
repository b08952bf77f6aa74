"""How values and queries look in MongoDB, for every collection's module: BSON-encodable values,
vectors as bytes, one tenant's scope of a query."""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import Any

import numpy as np
from bson import Binary


def tenant_scope(query: dict, tenant_id: str | None) -> dict:
    """``query`` restricted to one tenant's documents (unchanged when ``tenant_id`` is None).

    >>> tenant_scope({"case_id": "c1"}, "t1")
    {'case_id': 'c1', 'tenant_id': 't1'}
    """
    return query if tenant_id is None else {**query, "tenant_id": tenant_id}


def to_bson(value: Any) -> Any:
    """Convert pydantic-dumped values into BSON-encodable ones (date -> datetime).

    >>> to_bson({"decided": [date(2020, 5, 1)]})
    {'decided': [datetime.datetime(2020, 5, 1, 0, 0, tzinfo=datetime.timezone.utc)]}
    """
    if isinstance(value, dict):
        return {key: to_bson(item) for key, item in value.items()}
    if isinstance(value, list):
        return [to_bson(item) for item in value]
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time.min, tzinfo=timezone.utc)
    return value


def vector_to_bytes(vector: np.ndarray) -> Binary:
    return Binary(np.ascontiguousarray(vector, dtype=np.float32).tobytes())


def vector_from_bytes(raw: bytes) -> np.ndarray:
    return np.frombuffer(raw, dtype=np.float32)
