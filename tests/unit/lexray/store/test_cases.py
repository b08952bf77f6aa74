"""The query behind case filters: indexed cases of one tenant, whole-value and substring matches,
dates bounding the decision date or, without one, the filing date."""

from datetime import date, datetime, timezone

import pytest

from lexray.models import CaseFilters
from lexray.store.cases import filter_query


def test_no_filters_is_every_indexed_case_of_the_tenant():
    assert filter_query(None, "t1") == {"processing_status": "indexed", "tenant_id": "t1"}
    assert filter_query(CaseFilters(), None) == {"processing_status": "indexed"}


def test_text_filters_match_case_insensitively_and_literally():
    query = filter_query(CaseFilters(court=" U.S. (Supreme) ", case_type="civil", judge="Kagan"), "t1")
    assert query["metadata.court"] == {"$regex": r"^U\.S\.\ \(Supreme\)$", "$options": "i"}
    assert query["metadata.case_type"] == {"$regex": "^civil$", "$options": "i"}
    assert query["metadata.judges"] == {"$regex": "Kagan", "$options": "i"}
    assert "metadata.jurisdiction" not in query


def test_dates_bound_the_decision_date_else_the_filing_date():
    query = filter_query(CaseFilters(date_from=date(2020, 1, 1), date_to=date(2020, 12, 31)), "t1")
    bounds = {"$gte": datetime(2020, 1, 1, tzinfo=timezone.utc), "$lte": datetime(2020, 12, 31, tzinfo=timezone.utc)}
    assert query["$or"] == [{"metadata.date_decided": bounds},
                            {"metadata.date_decided": None, "metadata.date_filed": bounds}]
    only_from = filter_query(CaseFilters(date_from=date(2020, 1, 1)), None)
    assert only_from["$or"][0] == {"metadata.date_decided": {"$gte": datetime(2020, 1, 1, tzinfo=timezone.utc)}}


def test_case_filters_reject_unknown_keys_and_reversed_dates():
    with pytest.raises(ValueError):
        CaseFilters(courts="x")
    with pytest.raises(ValueError):
        CaseFilters(date_from=date(2020, 2, 1), date_to=date(2020, 1, 1))
