"""Citation links between the documents of a benchmark corpus, found and resolved as ingestion
finds and resolves them: ``pipelines.enrich.case_citations`` reads what each document cites,
``lexray.citator.CitableIndex`` (the rule the store applies to a tenant's cases) resolves it
among the corpus's documents. What ranking's citation smoothing reads in ``bench.retrieval``.
"""

from __future__ import annotations

from collections import defaultdict

from lexray.citator import CitableIndex, case_year, citable_case
from lexray.models import CaseCitations, CitationStatus, PageSpan
from lexray.settings import CitatorSettings
from pipelines.enrich import case_citations
from pipelines.enrich.dates import find_dates


def corpus_citation_links(bodies: dict[str, tuple[str | None, str]], settings: CitatorSettings) -> dict[str, set[str]]:
    """For each document (``doc_id -> (title, text)``), the documents it cites or is cited by.

    >>> links = corpus_citation_links({
    ...     "a": ("Roe v. Wade", "Roe v. Wade\\nDecided January 22, 1973\\n410 U.S. 113 (1973)\\nThe opinion."),
    ...     "b": ("Doe v. Bolton", "Doe v. Bolton\\nDecided January 22, 1973\\nAs held in Roe v. Wade, "
    ...           "410 U.S. 113 (1973), the right ..."),
    ... }, CitatorSettings())
    >>> links["a"], links["b"]
    ({'b'}, {'a'})
    """
    records: dict[str, CaseCitations] = {}
    citable = []
    for doc_id, (title, text) in bodies.items():
        record = case_citations(text, [PageSpan(page=1, char_start=0, char_end=len(text))], title=title,
                                settings=settings)
        records[doc_id] = record
        dates = find_dates(text)
        citable.append(citable_case(doc_id, record, title=title, year=case_year(dates.decided or dates.filed, record.own)))
    index = CitableIndex(citable)
    links: dict[str, set[str]] = defaultdict(set)
    for doc_id, record in records.items():
        for cited in record.cited:
            resolution = index.resolve(cited.keys, cited.name_words, cited.year, citing_case_id=doc_id)
            if resolution.status == CitationStatus.RESOLVED:
                links[doc_id].add(resolution.case_id)
                links[resolution.case_id].add(doc_id)
    return dict(links)

