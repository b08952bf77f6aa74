"""A text's case citations checked against the tenant's cases: what ``POST /citator/verify``
answers, and what chat answers and generated summaries carry as ``case_citations`` (a model
that writes "(2013) 4 SCC 1" may name a case the tenant does not hold, or none at all).
Runs eyecite, so callers run it off the event loop (``asyncio.to_thread``)."""

from __future__ import annotations

from lexray.models import CitationStatus
from lexray.settings import CitatorSettings
from lexray.store import CaseStore
from pipelines.enrich.citator import text_citations
from serve_app.schemas.citator import VerifiedCitation

VERIFY_STATUS = {CitationStatus.RESOLVED: "found", CitationStatus.DANGLING: "not_found",
                 CitationStatus.AMBIGUOUS: "ambiguous"}


def verified_citations(store: CaseStore, text: str, *, tenant_id: str,
                       settings: CitatorSettings) -> list[VerifiedCitation]:
    """Each case citation of ``text`` (parallel citations and later short forms are one), found
    among ``tenant_id``'s cases or not, in text order; shapes of a citation no reporter list
    knows are ``unknown_reporter``."""
    found = text_citations(text, settings)
    resolutions = store.resolve_authorities(found.cited, tenant_id=tenant_id) if found.cited else []
    citations = [VerifiedCitation(
        citation=cited.citation, normalized=cited.normalized, status=VERIFY_STATUS[resolution.status],
        case_id=resolution.case_id, candidates=resolution.candidates,
        char_start=cited.spans[0][0], char_end=cited.spans[0][1])
        for cited, resolution in zip(found.cited, resolutions, strict=True)]
    citations += [VerifiedCitation(citation=written, status="unknown_reporter", char_start=start, char_end=end)
                  for written, start, end in found.unknown_reporter]
    return sorted(citations, key=lambda citation: citation.char_start)
