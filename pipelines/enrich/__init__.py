"""Legal metadata of a case from its cleaned text: caption fields, judges, counsel, authorities.

One module per field, each a set of pure functions beside the patterns they use:
``caption`` (the head of the text, name casing), ``case_numbers``, ``courts`` (and
jurisdiction), ``dates``, ``parties`` (and the title), ``judges``, ``attorneys``,
``citations`` (eyecite, plausibility rules), ``statutes``, ``issues``, ``case_type``,
``language``; ``metadata.extract_metadata`` puts them together. Beside them, the citator's
record of a case (``citator.case_citations``: its own citations, the cases it cites with every
reference to them; the Indian and English forms in ``citation_forms``). Callers import from here.

>>> extract_metadata("JUSTICE SOTOMAYOR delivered the opinion of the Court.").judges
['Sotomayor']
"""

from pipelines.enrich.attorneys import find_attorneys
from pipelines.enrich.case_numbers import find_case_number
from pipelines.enrich.case_type import find_case_type
from pipelines.enrich.citations import find_case_citations, is_plausible_case_citation
from pipelines.enrich.citator import case_citations
from pipelines.enrich.courts import find_court, jurisdiction_of
from pipelines.enrich.dates import CaseDates, find_dates, parse_date
from pipelines.enrich.issues import find_legal_issues
from pipelines.enrich.judges import find_judges
from pipelines.enrich.language import detect_language
from pipelines.enrich.metadata import extract_metadata
from pipelines.enrich.parties import ROLE_LABEL, ROLE_SUFFIX, case_title, find_parties, split_parties
from pipelines.enrich.statutes import find_statutes, normalize_statute

__all__ = [
    "ROLE_LABEL",
    "ROLE_SUFFIX",
    "CaseDates",
    "case_citations",
    "case_title",
    "detect_language",
    "extract_metadata",
    "find_attorneys",
    "find_case_citations",
    "find_case_number",
    "find_case_type",
    "find_court",
    "find_dates",
    "find_judges",
    "find_legal_issues",
    "find_parties",
    "find_statutes",
    "is_plausible_case_citation",
    "jurisdiction_of",
    "normalize_statute",
    "parse_date",
    "split_parties",
]
