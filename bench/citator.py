"""Citator: how many of the citations a corpus of opinions makes are found, and how many of them
resolve to the right stored case.

    python -m bench.citator [--json PATH]

The corpus is ``bench.citator_corpus`` (opinions of the Supreme Courts of the United States and
India citing each other, each reference marked with the case it refers to). Every opinion is built
as a PDF with the test suite's PDF factory (``tests.pdf_factory``) and goes through ingestion's
own steps: ``pipelines.document.extract_case_text`` (text layer, cleaning) and ``enrich_case``
(metadata and the citator's record, ``pipelines.enrich.case_citations``). Then:

- extraction, per cited authority (one case, parallel citations together): recall of the
  expected authorities, precision of those found, recall of the references to them (full
  citations, short forms, id., supra: the depth), and recall of each opinion's own citations;
- resolution: the opinions not marked ``later`` are stored first, then the later ones;
  ``lexray.citator.CitableIndex`` (the rule ``CaseStore.record_citations`` applies to a
  tenant's cases) resolves every found authority among the stored ones; precision is the share
  of resolved citations that point to the right case, recall the share of citations of a
  stored corpus case that do.

Baseline, measured in the same run: ``metadata.citations`` (``find_case_citations``, what
enrichment kept before the citator: eyecite's full case citations that pass the plausibility
rules, no short forms, no Indian forms, own and cited together), matched to a case by exact
citation string.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

from bench.citator_corpus import CORPUS, Opinion, expected_cited
from bench.results import add_json_option, emit_figures
from bench.tables import Column, text_table
from lexray.citator import CitableIndex, citable_case
from lexray.models import CitationStatus
from lexray.settings import Settings
from pipelines.document import EnrichedCase, enrich_case, extract_case_text
from pipelines.enrich import find_case_citations
from pipelines.enrich.citations import eyecite_citations
from tests.pdf_factory import text_pdf


@dataclass
class Found:
    """What one method found in one opinion: authorities as (keys, depth), own keys."""

    authorities: list[tuple[list[str], int]]
    own: set[str]


def ingest(opinion: Opinion, settings: Settings) -> EnrichedCase:
    """The opinion as ingestion enriches it: PDF, text layer, cleaning, metadata, citator record."""
    case_text = extract_case_text(text_pdf(opinion.page_texts()), settings)
    return enrich_case(opinion.name, case_text, settings, tenant_id="bench")


def citator_found(enriched: EnrichedCase) -> Found:
    return Found([(cited.keys, cited.depth) for cited in enriched.citations.cited],
                 {own.normalized for own in enriched.citations.own if own.kind != "docket"})


def baseline_found(enriched: EnrichedCase) -> Found:
    return Found([([citation], 1) for citation in enriched.metadata.citations], set())


def extraction_figures(found: dict[str, Found]) -> dict[str, float | int]:
    expected_total = matched = found_total = true_found = references = expected_references = 0
    own_expected = own_found = 0
    for opinion in CORPUS:
        expected = expected_cited(opinion)
        authorities = found[opinion.name].authorities
        found_total += len(authorities)
        parallel = {key for authority in expected.values() for key in authority.parallel}
        true_found += sum(any(key in expected or key in parallel for key in keys) for keys, _ in authorities)
        for key, authority in expected.items():
            expected_total += 1
            expected_references += authority.depth
            depths = [depth for keys, depth in authorities if key in keys]
            matched += bool(depths)
            references += min(max(depths, default=0), authority.depth)
        own_expected += len(opinion.own)
        own_found += len(set(opinion.own) & found[opinion.name].own)
    return {"authorities_expected": expected_total, "authorities_found": found_total,
            "authority_recall": matched / expected_total, "authority_precision": true_found / max(found_total, 1),
            "reference_recall": references / expected_references, "own_recall": own_found / own_expected}


def resolution_figures(found: dict[str, Found], stored: list[str], resolve) -> dict[str, float | int]:
    """Resolving every found authority of the ``stored`` opinions among them: precision over the
    found authorities that resolved, recall over the expected authorities of a stored case."""
    owner = {opinion.name: opinion for opinion in CORPUS}
    resolvable = resolved = correct = recalled = 0
    for name in stored:
        expected = expected_cited(owner[name])
        by_key = {key: authority for authority in expected.values() for key in (authority.key, *authority.parallel)}
        hits: set[str] = set()
        for keys, _ in found[name].authorities:
            authority = next((by_key[key] for key in keys if key in by_key), None)
            target = authority.cites if authority is not None and authority.cites in stored else None
            resolution = resolve(name, keys)
            if resolution is not None:
                resolved += 1
                correct += resolution == target
                if resolution == target:
                    hits.add(authority.key)
        targets = [authority for authority in expected.values() if authority.cites in stored]
        resolvable += len(targets)
        recalled += sum(authority.key in hits for authority in targets)
    return {"resolvable": resolvable, "resolved": resolved, "correct": correct,
            "resolution_precision": correct / max(resolved, 1), "resolution_recall": recalled / resolvable}


def citator_resolver(enriched: dict[str, EnrichedCase], stored: list[str]):
    index = CitableIndex(citable_case(name, enriched[name].citations, title=enriched[name].title,
                                      year=enriched[name].decision_year()) for name in stored)
    by_keys = {(name, tuple(cited.keys)): cited for name in stored for cited in enriched[name].citations.cited}

    def resolve(name: str, keys: list[str]) -> str | None:
        cited = by_keys[(name, tuple(keys))]
        resolution = index.resolve(cited.keys, cited.name_words, cited.year, citing_case_id=name)
        return resolution.case_id if resolution.status is CitationStatus.RESOLVED else None

    return resolve


def baseline_resolver(stored: list[str]):
    owner = {key: opinion.name for opinion in CORPUS if opinion.name in stored for key in opinion.own}
    return lambda name, keys: next((owner[key] for key in keys if key in owner and owner[key] != name), None)


def timed_extraction(enriched: dict[str, EnrichedCase], settings: Settings) -> dict[str, float]:
    """ms per opinion of the citator's record and of the baseline, eyecite's cache cleared before each."""
    from pipelines.enrich import case_citations

    timings = {"citator_ms": 0.0, "baseline_ms": 0.0}
    for case in enriched.values():
        for label, work in (("citator_ms", lambda text=case.cleaned_content, spans=case.page_spans:
                             case_citations(text, spans, title=case.title, settings=settings.citator)),
                            ("baseline_ms", lambda text=case.cleaned_content: find_case_citations(text))):
            eyecite_citations.cache_clear()
            started = time.perf_counter()
            work()
            timings[label] += (time.perf_counter() - started) * 1000 / len(enriched)
    return {label: round(value, 1) for label, value in timings.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_json_option(parser)
    args = parser.parse_args(argv)
    settings = Settings()
    enriched = {opinion.name: ingest(opinion, settings) for opinion in CORPUS}
    citator = {name: citator_found(case) for name, case in enriched.items()}
    baseline = {name: baseline_found(case) for name, case in enriched.items()}
    first = [opinion.name for opinion in CORPUS if not opinion.later]
    every = [opinion.name for opinion in CORPUS]

    extraction = {"citator": extraction_figures(citator), "baseline": extraction_figures(baseline)}
    resolution = {
        "citator_first": resolution_figures(citator, first, citator_resolver(enriched, first)),
        "citator_all": resolution_figures(citator, every, citator_resolver(enriched, every)),
        "baseline_all": resolution_figures(baseline, every, baseline_resolver(every)),
    }
    timings = timed_extraction(enriched, settings)
    references = sum(len(opinion.references()) for opinion in CORPUS)
    print(f"{len(CORPUS)} opinions ({len(CORPUS) - len(first)} stored later), "
          f"{extraction['citator']['authorities_expected']} cited authorities, {references} references\n")
    columns = [Column("extraction", 30, "<"), Column("found", 6), Column("recall", 7, spec=".3f"),
               Column("precision", 10, spec=".3f"), Column("refs recall", 12, spec=".3f"),
               Column("own recall", 11, spec=".3f"), Column("ms/doc", 8, spec=".1f")]
    rows = [(label, figures["authorities_found"], figures["authority_recall"], figures["authority_precision"],
             figures["reference_recall"], figures["own_recall"], timings[f"{name}_ms"])
            for name, label, figures in (("citator", "citator (case_citations)", extraction["citator"]),
                                         ("baseline", "baseline (metadata.citations)", extraction["baseline"]))]
    print(text_table(columns, rows))
    print()
    columns = [Column("resolution", 38, "<"), Column("resolvable", 11), Column("resolved", 9),
               Column("correct", 8), Column("precision", 10, spec=".3f"), Column("recall", 7, spec=".3f")]
    labels = {"citator_first": "citator, before the later cases", "citator_all": "citator, all stored",
              "baseline_all": "baseline (exact string), all stored"}
    print(text_table(columns, [(labels[name], figures["resolvable"], figures["resolved"], figures["correct"],
                                figures["resolution_precision"], figures["resolution_recall"])
                               for name, figures in resolution.items()]))
    emit_figures({"extraction": extraction, "resolution": resolution, **timings}, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
