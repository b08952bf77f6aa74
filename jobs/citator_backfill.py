"""The citator's records for cases stored before it existed: ``python -m jobs.citator_backfill``.

Ingestion records what each case cites as it stores the case; cases ingested by an earlier
LexRay have no such record, so the citator routes, ``filters.cites`` and ranking's citation
smoothing do not know them. This job reads each indexed case's stored text (no PDF, no OCR,
no embedding), finds its citations as ingestion does (``pipelines.enrich.case_citations``) and
records them (``CaseStore.record_citations``: resolved among the tenant's cases, and other
cases' dangling citations that match it resolved again), so the order cases are visited in
does not matter. Runs against MongoDB alone; also as
``ray job submit --working-dir . -- python -m jobs.citator_backfill``.

Safe to rerun: by default only cases without a record are visited (``--all`` records every
case again, e.g. after the citation rules changed); a case erased meanwhile is skipped.
The last stdout line is one JSON object ``{"visited", "recorded", "erased", "cited",
"resolved", "seconds"}``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass

from lexray.citator import case_year
from lexray.models import PageSpan
from lexray.settings import Settings, get_settings
from lexray.store import CaseErasedError, CaseStore
from pipelines.enrich import case_citations


@dataclass
class BackfillCounts:
    visited: int = 0   # indexed cases looked at
    recorded: int = 0  # cases whose citations were recorded
    erased: int = 0    # erased between listing and recording
    cited: int = 0     # citations recorded
    resolved: int = 0  # of them, resolved to one of the tenant's cases when recorded


def record_case(store: CaseStore, case: dict, settings: Settings) -> dict[str, int]:
    """Find and record one stored case's citations, as ingestion does."""
    metadata = case.get("metadata") or {}
    spans = [PageSpan.model_validate(span) for span in case.get("page_spans") or []]
    citations = case_citations(case.get("cleaned_content") or "", spans, title=case.get("title"),
                               case_number=metadata.get("case_number"), settings=settings.citator)
    year = case_year(metadata.get("date_decided") or metadata.get("date_filed"), citations.own)
    return store.record_citations(case["case_id"], tenant_id=case["tenant_id"], citations=citations,
                                  title=case.get("title"), year=year)


def backfill(store: CaseStore, settings: Settings, *, tenant_id: str | None = None, everything: bool = False,
             batch_size: int = 100) -> BackfillCounts:
    """Record the citations of ``tenant_id``'s indexed cases (every tenant's when None) that
    have none (``everything``: of all of them), ``batch_size`` cases read at a time."""
    counts = BackfillCounts()
    case_ids = sorted(store.case_ids_matching(None, tenant_id=tenant_id))
    for start in range(0, len(case_ids), batch_size):
        batch = case_ids[start:start + batch_size]
        counts.visited += len(batch)
        for case_id in batch if everything else store.without_citator_record(batch):
            case = store.get_case(case_id, tenant_id=tenant_id, with_content=True)
            if case is None:
                counts.erased += 1
                continue
            try:
                recorded = record_case(store, case, settings)
            except CaseErasedError:
                counts.erased += 1
                continue
            counts.recorded += 1
            counts.cited += recorded["cited"]
            counts.resolved += recorded["resolved"]
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jobs.citator_backfill", description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenant", help="only this tenant's cases (default: every tenant's)")
    parser.add_argument("--all", action="store_true", dest="everything",
                        help="record every indexed case again, not only those without a record")
    parser.add_argument("--batch-size", type=int, default=100, help="cases read at a time (default 100)")
    args = parser.parse_args(argv)
    if args.batch_size < 1:
        parser.error("--batch-size must be at least 1")
    settings = get_settings()
    store = CaseStore(settings.mongodb).ensure_indexes_once()
    started = time.perf_counter()
    try:
        counts = backfill(store, settings, tenant_id=args.tenant, everything=args.everything,
                          batch_size=args.batch_size)
    finally:
        store.close()
    print(json.dumps({**asdict(counts), "seconds": round(time.perf_counter() - started, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
