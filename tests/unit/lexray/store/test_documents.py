"""How values and queries look in MongoDB: dates as datetimes, vectors as float32 bytes, a tenant's scope."""

from datetime import date, datetime, timezone

import numpy as np

from lexray.store.documents import tenant_scope, to_bson, vector_from_bytes, vector_to_bytes


def test_dates_become_utc_midnights_at_any_depth_and_datetimes_stay():
    decided = datetime(2021, 3, 4, 5, 6, tzinfo=timezone.utc)
    value = {"metadata": {"date_filed": date(2020, 1, 2), "dates": [date(2019, 5, 6)]}, "decided": decided, "n": 3}
    assert to_bson(value) == {
        "metadata": {"date_filed": datetime(2020, 1, 2, tzinfo=timezone.utc),
                     "dates": [datetime(2019, 5, 6, tzinfo=timezone.utc)]},
        "decided": decided, "n": 3}


def test_vectors_round_trip_as_float32_bytes():
    vector = np.array([0.25, -1.5, 3.0], dtype=np.float64)
    raw = vector_to_bytes(vector)
    assert len(raw) == 3 * 4
    assert vector_from_bytes(raw).dtype == np.float32
    np.testing.assert_array_equal(vector_from_bytes(raw), vector.astype(np.float32))


def test_tenant_scope_adds_the_tenant_and_leaves_the_query_alone():
    query = {"case_id": "c1"}
    assert tenant_scope(query, "t1") == {"case_id": "c1", "tenant_id": "t1"}
    assert query == {"case_id": "c1"}
    assert tenant_scope(query, None) is query
