"""Cases (lexray.store.cases) in a real database: registration by hash per tenant, status changes
that never undo an indexed case, unique indexes, filters."""

from datetime import date

import numpy as np
import pytest

from lexray.models import CaseFilters, CaseMetadata, Chunk, ProcessingStatus
from tests.integration.lexray.store.records import register_case


def test_register_then_duplicate_by_hash(store):
    first = register_case(store)
    assert not first.duplicate
    store.set_status(first.case_id, ProcessingStatus.INDEXED, "done")
    again = register_case(store)
    assert again.duplicate and again.case_id == first.case_id
    assert store.count_cases() == 1


def test_interrupted_case_is_resumed_not_duplicated(store):
    first = register_case(store)
    store.set_status(first.case_id, ProcessingStatus.OCR_COMPLETE, "half way")
    again = register_case(store)
    assert not again.duplicate and again.case_id == first.case_id
    assert again.previous_status == "ocr_complete"


def test_failed_case_is_duplicate_unless_retry_requested(store):
    first = register_case(store)
    store.mark_failed(first.case_id, "corrupt_pdf", "broken xref")
    assert register_case(store).duplicate
    assert not register_case(store, retry_failed=True).duplicate
    case = store.get_case(first.case_id)
    assert case["processing_status"] == "failed"
    assert case["failure_reason"] == "corrupt_pdf"
    assert [entry["status"] for entry in case["processing_log"]] == ["uploaded", "failed"]


def test_a_late_stage_run_never_moves_an_indexed_case_back(store):
    # A Ray task retried after its node died may finish after the first run indexed the case.
    case_id = register_case(store).case_id
    chunk = Chunk(chunk_id=f"{case_id}:0", vector_id=7, case_id=case_id, chunk_index=0, text="t",
                  page_numbers=[1], char_start=0, char_end=1)
    store.replace_chunks([chunk], np.ones((1, 4), dtype=np.float32), case_id=case_id)
    assert store.set_status(case_id, ProcessingStatus.INDEXED, "1 chunks indexed")
    assert not store.set_status(case_id, ProcessingStatus.EMBEDDING_COMPLETE, "late embed")
    store.mark_failed(case_id, "internal_error", "late failure")
    case = store.get_case(case_id)
    assert case["processing_status"] == "indexed" and case.get("failure_reason") is None
    assert [entry["status"] for entry in case["processing_log"]] == ["uploaded", "indexed"]
    assert store.count_chunks() == 1
    # Indexed again (the same chunks stored again) is still recorded.
    assert store.set_status(case_id, ProcessingStatus.INDEXED, "1 chunks indexed")


def test_unique_indexes_are_real(store):
    from pymongo.errors import DuplicateKeyError

    register_case(store)
    with pytest.raises(DuplicateKeyError):
        store.cases.insert_one({"case_id": "other", "tenant_id": "default", "document_hash": "a" * 64})


def test_same_bytes_are_separate_cases_per_tenant(store):
    first = register_case(store, tenant_id="tenant-a")
    other = register_case(store, tenant_id="tenant-b")
    assert not other.duplicate and other.case_id != first.case_id
    assert store.get_case(first.case_id, tenant_id="tenant-b") is None
    assert store.get_case(first.case_id, tenant_id="tenant-a")["tenant_id"] == "tenant-a"
    assert store.count_cases(tenant_id="tenant-a") == 1
    assert store.status_counts(tenant_id="tenant-b") == {"uploaded": 1}


def _indexed_case(store, digest: str, tenant: str = "t1", **metadata):
    registration = register_case(store, digest=digest, tenant_id=tenant)
    store.save_case_content(registration.case_id, {"metadata": CaseMetadata(**metadata).model_dump()})
    store.set_status(registration.case_id, ProcessingStatus.INDEXED, "done")
    return registration.case_id


def test_case_ids_matching_each_filter(store):
    sc = _indexed_case(store, "1" * 64, court="Supreme Court of India", case_type="Criminal Appeal",
                       judges=["K. Ramaswamy", "B. L. Hansaria"], date_decided=date(1996, 3, 5))
    hc = _indexed_case(store, "2" * 64, court="High Court of Delhi", jurisdiction="Delhi",
                       date_filed=date(2004, 1, 9))
    _indexed_case(store, "3" * 64, tenant="t2", court="Supreme Court of India")
    pending = register_case(store, digest="4" * 64, tenant_id="t1").case_id

    def matching(**filters):
        return set(store.case_ids_matching(CaseFilters(**filters), tenant_id="t1"))

    assert matching() == {sc, hc}  # indexed cases of this tenant only
    assert pending not in matching()
    assert matching(court="supreme court of india") == {sc}
    assert matching(court="Supreme Court") == set()  # whole values, not prefixes
    assert matching(case_type="criminal appeal") == {sc}
    assert matching(jurisdiction="Delhi") == {hc}
    assert matching(judge="ramaswamy") == {sc}
    assert matching(date_from=date(1990, 1, 1), date_to=date(2000, 1, 1)) == {sc}
    assert matching(date_from=date(2004, 1, 9)) == {hc}  # no decision date: the filing date counts
    assert matching(court="Supreme Court of India", date_from=date(2000, 1, 1)) == set()
    assert matching(court="No Such Court") == set()
    assert matching(judge="(.*") == set()  # taken literally, not as a pattern


def test_decision_dates_fall_back_to_the_filing_date_and_stay_in_the_tenant(store):
    decided = _indexed_case(store, "5" * 64, date_decided=date(1996, 3, 5), date_filed=date(1995, 1, 2))
    filed = _indexed_case(store, "6" * 64, date_filed=date(2004, 1, 9))
    undated = _indexed_case(store, "7" * 64)
    other = _indexed_case(store, "8" * 64, tenant="t2", date_decided=date(2001, 1, 1))
    dates = store.decision_dates([decided, filed, undated, other, "missing"], tenant_id="t1")
    assert {case_id: value.year for case_id, value in dates.items()} == {decided: 1996, filed: 2004}
