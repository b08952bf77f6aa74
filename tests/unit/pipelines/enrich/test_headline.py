"""pipelines.enrich.headline and what extract_metadata takes from it: judgements named on their
first line, as Indian reports and databases print them."""

from __future__ import annotations

from datetime import date

import pytest

from lexray.settings import EnrichSettings
from pipelines.enrich.headline import Headline, read_headline
from pipelines.enrich.metadata import extract_metadata

KANOON = """Bachan Singh vs State Of Punjab on 9 May, 1980
Equivalent citations: 1980 AIR 898, 1980 SCR (1) 145
Author: R.S. Sarkaria
PETITIONER:
BACHAN SINGH
Vs.
RESPONDENT:
STATE OF PUNJAB
DATE OF JUDGMENT09/05/1980
The appellant was convicted of murder under section 302 of the Indian Penal Code."""
REPORT = """Indian Oil Corporation v NEPC India Limited and Others
Supreme Court of India

20 July 2006
Cr.A. No 834 of 2002
1. These appeals are filed against the common order dated 29.3.2001 passed by the Madras High Court."""


@pytest.mark.parametrize(("text", "expected"), [
    (KANOON, Headline("Bachan Singh", "State Of Punjab", date(1980, 5, 9))),
    (REPORT, Headline("Indian Oil Corporation", "NEPC India Limited", None)),
    ("Supreme Court of India\nUnion of India & Ors. versus Rajesh Kumar on 25 January, 1978\nText.",
     Headline("Union of India", "Rajesh Kumar", date(1978, 1, 25))),
])
def test_a_first_line_naming_the_judgement_gives_its_parties_and_date(text, expected):
    assert read_headline(text) == expected


@pytest.mark.parametrize("text", [
    # "v" in running text, no court on the next line and no "on <date>": not a headline.
    "The appellant v the respondent argued at length.\nThe court held that the appeal fails.",
    # A name further down than the lines read.
    "One.\nTwo.\nThree.\nA v B on 9 May, 1980",
    # A first line longer than a headline may be.
    "A " * 200 + "v B on 9 May, 1980",
    "",
])
def test_lines_that_do_not_name_a_judgement_are_not_read_as_one(text):
    assert read_headline(text) is None


def test_the_settings_bound_how_far_and_how_long_a_headline_is_read():
    text = "One.\nTwo.\nThree.\nRam Lal v Shyam Sunder on 9 May, 1980"
    assert read_headline(text) is None
    assert read_headline(text, lines_to_read=4) == Headline("Ram Lal", "Shyam Sunder", date(1980, 5, 9))
    assert read_headline(KANOON, max_chars=30) is None  # its first line has 46 characters
    assert extract_metadata(text).title is None
    assert extract_metadata(text, settings=EnrichSettings(headline_lines=4)).title == "Ram Lal v. Shyam Sunder"


def test_hostile_lines_stay_bounded():
    # Many " v " and spaces on a line at the cap: the lazy names try each split once per start.
    line = ("x v " * 75)[:300]
    assert read_headline(line + "\nSupreme Court of India").plaintiff == "x"
    assert read_headline((" v" * 5000) + "\nSupreme Court of India") is None


def test_extract_metadata_names_court_date_and_parties_of_indian_judgements():
    kanoon = extract_metadata(KANOON + "\nSupreme Court of India")
    assert (kanoon.title, kanoon.date_decided, kanoon.plaintiffs, kanoon.defendants) == (
        "Bachan Singh v. State Of Punjab", date(1980, 5, 9), ["Bachan Singh"], ["State Of Punjab"])
    report = extract_metadata(REPORT)
    assert (report.title, report.court, report.jurisdiction, report.date_decided) == (
        "Indian Oil Corporation v. NEPC India Limited", "Supreme Court of India", "India", date(2006, 7, 20))


def test_what_the_caption_gives_is_kept_and_only_gaps_are_filled():
    caption = "ACME CORP., Plaintiff,\n\nv.\n\nJOHN DOE, Defendant.\n\nDecided June 13, 2013"
    assert read_headline(caption) is None  # a US caption is parties.py's, not a headline
    # With a headline above a caption: the caption's parties and date stay.
    metadata = extract_metadata("Doe v Acme on 1 May, 1999\nSupreme Court of India\n\n" + caption)
    assert (metadata.title, metadata.date_decided) == ("Acme Corp. v. John Doe", date(2013, 6, 13))
