"""jobs.citator_backfill over a real database: cases stored without a citator record (as an
earlier LexRay stored them) get one, resolved among the tenant's cases as ingestion resolves
them, whatever order they are visited in; a rerun visits nothing new; ``--all`` records again."""

import hashlib
import json
import os
import subprocess
import sys

from bench.citator_corpus import CORPUS, expected_cited
from jobs.citator_backfill import backfill
from lexray.settings import SETTINGS_JSON_ENV
from lexray.models import ProcessingStatus
from pipelines.clean import clean_pages, join_pages
from pipelines.document import CaseText, enrich_case
from tests.conftest import PROJECT_ROOT
from tests.integration.lexray.store.records import register_case


def stored_without_citator(store, settings, opinion, tenant_id="t1") -> str:
    """An indexed case with its text and metadata, as ingestion stores it, but no citator record."""
    case_id = register_case(store, hashlib.sha256(f"{tenant_id}{opinion.name}".encode()).hexdigest(),
                            tenant_id=tenant_id).case_id
    cleaned, page_spans = join_pages(clean_pages(opinion.page_texts()))
    text = CaseText(pages=[], content=cleaned, cleaned_content=cleaned, page_spans=page_spans)
    enriched = enrich_case(case_id, text, settings, tenant_id=tenant_id)
    store.save_case_content(case_id, enriched.case_fields())
    store.set_status(case_id, ProcessingStatus.INDEXED, "indexed before the citator existed")
    return case_id


def test_backfill_records_and_resolves_every_case_once_and_again_with_all(store, settings):
    ids = {opinion.name: stored_without_citator(store, settings, opinion) for opinion in CORPUS}
    other_tenant = stored_without_citator(store, settings, CORPUS[0], tenant_id="t2")
    assert store.without_citator_record(sorted(ids.values())) == sorted(ids.values())

    counts = backfill(store, settings, tenant_id="t1", batch_size=5)
    assert (counts.visited, counts.recorded, counts.erased) == (len(CORPUS), len(CORPUS), 0)
    assert counts.cited >= counts.resolved > 0
    for opinion in CORPUS:
        found = {row["normalized"]: row for row in store.cites_of(ids[opinion.name], tenant_id="t1")}
        for key, expected in expected_cited(opinion).items():
            # Every corpus case is stored, so each citation of one resolves, wherever it was visited;
            # citations of cases outside the corpus stay dangling.
            target = ids.get(expected.cites)
            assert (found[key]["status"], found[key]["cited_case_id"]) == (
                "resolved" if target else "dangling", target), key
    assert store.cited_by_counts([ids["marbury_v_madison"]], tenant_id="t1") == {ids["marbury_v_madison"]: 4}
    assert store.without_citator_record([other_tenant]) == [other_tenant]  # t2 was not visited

    again = backfill(store, settings, tenant_id="t1")
    assert (again.visited, again.recorded) == (len(CORPUS), 0)
    everything = backfill(store, settings, tenant_id="t1", everything=True)
    # Recorded again with every case present, each resolves when recorded (the first pass
    # resolved fewer at recording time; the rest resolved when their case was recorded later).
    resolvable = sum(expected.cites in ids for opinion in CORPUS for expected in expected_cited(opinion).values())
    assert (everything.recorded, everything.resolved) == (len(CORPUS), resolvable) and counts.resolved < resolvable
    assert backfill(store, settings).recorded == 1  # every tenant: only t2's case was left


def test_an_erased_case_is_skipped_and_the_command_line_reports_json(store, settings):
    kept = stored_without_citator(store, settings, CORPUS[0])
    erased = stored_without_citator(store, settings, CORPUS[1])
    store.erase_case(erased, tenant_id="t1", key_id="k", request_id="r")
    counts = backfill(store, settings)
    assert (counts.visited, counts.recorded, store.without_citator_record([kept])) == (1, 1, [])
    # As `ray job submit` runs it: the settings handed over as JSON.
    result = subprocess.run([sys.executable, "-m", "jobs.citator_backfill", "--all"], cwd=PROJECT_ROOT,
                            env={**os.environ, SETTINGS_JSON_ENV: settings.model_dump_json()},
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert (report["visited"], report["recorded"], report["erased"]) == (1, 1, 0)
    bad = subprocess.run([sys.executable, "-m", "jobs.citator_backfill", "--batch-size", "0"], cwd=PROJECT_ROOT,
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "--batch-size must be at least 1" in bad.stderr
