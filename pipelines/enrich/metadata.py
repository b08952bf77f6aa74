"""All the legal metadata of a case, from its cleaned text: each field from its own module.

Caption fields (number, court, parties, dates, judges, counsel) are read from the head of the
text, where opinions print them; citations, statutes and issues from the whole text.

>>> meta = extract_metadata("IN THE SUPREME COURT OF NORTH CAROLINA\\n\\nNo. 363A14-4\\n\\n"
...                         "Filed 11 February 2022\\n\\nGIFT SURPLUS, LLC,\\n\\nPlaintiffs,\\n\\nv.\\n\\n"
...                         "STATE OF NORTH CAROLINA.")
>>> meta.case_number, meta.court, meta.jurisdiction, str(meta.date_filed)
('No. 363A14-4', 'Supreme Court of North Carolina', 'North Carolina', '2022-02-11')
>>> meta.title
'Gift Surplus, LLC v. State of North Carolina'
"""

from __future__ import annotations

from lexray.models import CaseMetadata
from lexray.settings import EnrichSettings
from pipelines.enrich.attorneys import find_attorneys
from pipelines.enrich.case_numbers import find_case_number
from pipelines.enrich.case_type import find_case_type
from pipelines.enrich.citations import find_case_citations
from pipelines.enrich.courts import find_court, jurisdiction_of
from pipelines.enrich.dates import find_dates
from pipelines.enrich.issues import find_legal_issues
from pipelines.enrich.judges import find_judges
from pipelines.enrich.language import detect_language
from pipelines.enrich.headline import read_headline
from pipelines.enrich.parties import case_title, find_parties, split_parties
from pipelines.enrich.statutes import find_statutes


def extract_metadata(
    text: str, *, page_count: int = 0, ocr_confidence: float | None = None,
    settings: EnrichSettings = EnrichSettings(),
) -> CaseMetadata:
    """All metadata LexRay keeps about a case, from its cleaned text; how much of it is read
    for the caption and counsel, and how many issues are kept, as ``settings`` (the ``enrich``
    group) say.

    >>> extract_metadata("Decided June 13, 2013. See 42 U.S.C. § 1983.", page_count=2).statutes
    ['42 U.S.C. § 1983']
    """
    head_chars = settings.head_chars
    plaintiffs, defendants = find_parties(text, head_chars=head_chars)
    court = find_court(text, head_chars=head_chars)
    dates = find_dates(text, head_chars=head_chars)
    if not (plaintiffs and defendants and dates.decided) and (headline := read_headline(
            text, lines_to_read=settings.headline_lines, max_chars=settings.headline_max_chars)) is not None:
        # A judgement named on its first line (Indian reports): what the caption readers missed.
        if not (plaintiffs and defendants):
            plaintiffs, defendants = split_parties(headline.plaintiff), split_parties(headline.defendant)
        if dates.decided is None and headline.decided is not None:
            dates = dates._replace(decided=headline.decided)
    citations, precedents = find_case_citations(text)
    return CaseMetadata(
        case_number=find_case_number(text, head_chars=head_chars),
        title=case_title(plaintiffs, defendants),
        court=court,
        jurisdiction=jurisdiction_of(court),
        case_type=find_case_type(text, plaintiffs, defendants, head_chars=head_chars),
        date_filed=dates.filed,
        date_decided=dates.decided,
        plaintiffs=plaintiffs,
        defendants=defendants,
        judges=find_judges(text, head_chars=head_chars),
        attorneys=find_attorneys(text, head_chars=settings.counsel_head_chars),
        legal_issues=find_legal_issues(text, max_issues=settings.max_issues, max_chars=settings.max_issue_chars),
        citations=citations,
        precedents=precedents,
        statutes=find_statutes(text),
        page_count=page_count,
        word_count=len(text.split()),
        language=detect_language(text),
        ocr_confidence=ocr_confidence,
    )
