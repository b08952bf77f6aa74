"""The facts of a generated summary looked up in its source: invented ones removed and listed,
supported ones kept however they are written, and NumPrec / NEPrec."""

from generation.summary_checks import (
    FactPrecision,
    check_summary,
    extract_facts,
    fact_precision,
    source_facts,
    total_precision,
)

JUDGEMENT = """Criminal Appeal No. 8 of 1951.
Appeal from an Order of the High Court of Bombay dated 20th February, 1950, in Criminal Appeal No. 106 of 1950.
Iswarlal C. Dalal, for the appellant. 1952. February 1.
The appellant, W.H. King, was the tenant of a flat in a building which belongs to Durgeshwari Devi.
The tenancy was a monthly one, the rent being Rs. 215. The accused demanded a sum of Rs. 30,000.
He was convicted under sec. 19 (2) of the Bombay Rents, Hotel and Lodging House Rates Control Act, 1947
and under section 420 of the Indian Penal Code, and sentenced to rigorous imprisonment for two years.
Article 21 was not argued. Reliance was placed on Lakshmi Narain v. State of Punjab, (1980) 2 SCC 684.
"""


def removed_texts(summary: str) -> list[tuple[str, str]]:
    return [(fact.kind, fact.text) for fact in check_summary(summary, JUDGEMENT).removed]


def test_an_invented_year_drops_its_sentence_and_is_listed():
    checked = check_summary("The appellant was the tenant of a flat. The appeal was filed in 2018.", JUDGEMENT)
    assert checked.text == "The appellant was the tenant of a flat."
    (removed,) = checked.removed
    assert (removed.kind, removed.text, removed.sentence) == ("number", "2018", "The appeal was filed in 2018.")
    assert "no number 2018" in removed.reason and "sentence dropped" in removed.reason


def test_invented_amounts_dates_sections_and_parties_are_removed():
    assert removed_texts("The accused demanded Rs. 45,000 from the tenant.") == [("money", "Rs. 45,000")]
    assert removed_texts("The order was dated 21st February, 1950.") == [("date", "21st February, 1950")]
    assert removed_texts("He was convicted under section 302 IPC.") == [("reference", "section 302")]
    assert removed_texts("Article 14 was argued.") == [("reference", "Article 14")]
    assert removed_texts("The appeal of Ramesh Sharma was heard.") == [("name", "Ramesh Sharma")]
    assert removed_texts("Reliance was placed on Mohan Lal v. State of Punjab.") == [("party", "Mohan Lal")]
    assert removed_texts("Reliance was placed on (1985) 3 SCC 684.") == [("citation", "(1985) 3 SCC 684")]


def test_supported_facts_are_kept_whatever_their_spelling():
    summary = ("The rent was Rs 215/- a month and the sum demanded was 30000 rupees. "
               "On February 20, 1950 the High Court of Bombay upheld the conviction under Section 19(2) and s. 420 I.P.C. "
               "The appellant W. H. King had a flat belonging to Durgeshwari Devi. "
               "The judgement was given on 1st February 1952 and the sentence was 2 years. "
               "Lakshmi Narain v. State of Punjab, (1980) 2 S.C.C. 684, was relied on. Art. 21 was not argued.")
    checked = check_summary(summary, JUDGEMENT)
    assert checked.removed == ()
    assert checked.text == summary


def test_an_unsupported_fact_in_a_short_parenthesis_removes_only_the_parenthesis():
    checked = check_summary("The appellant was convicted (under section 302 IPC) and sentenced.", JUDGEMENT)
    assert checked.text == "The appellant was convicted and sentenced."
    assert [(fact.kind, fact.text) for fact in checked.removed] == [("reference", "section 302")]
    assert "parenthesis removed" in checked.removed[0].reason
    # a provision's own sub-section in brackets is no aside: the sentence goes
    assert check_summary("He was convicted under sec. 21 (2) of the Act.", JUDGEMENT).text == ""
    assert check_summary("He was convicted (under section 302).", JUDGEMENT, max_parenthesis_chars=5).text == ""


def test_facts_are_read_with_their_kinds_and_normalised_keys():
    facts = extract_facts("On 3rd May, 2018 Ram v. Shyam paid Rs. 1,00,000 under Order 21 Rule 90; 5 days.")
    assert [(fact.kind, fact.text, fact.key) for fact in facts] == [
        ("date", "3rd May, 2018", ((2018, 5, 3),)),
        ("party", "Ram", ("ram",)),
        ("party", "Shyam", ("shyam",)),
        ("money", "Rs. 1,00,000", ("100000", "")),
        ("reference", "Order 21", (("order", "21"),)),
        ("reference", "Rule 90", (("rule", "90"),)),
        ("number", "5", ("5",)),
    ]
    # a sentence's first word alone is no name ("Thereafter"); a year after "Rules" is no rule number
    assert [(fact.kind, fact.text) for fact in extract_facts("Thereafter the Rules 1950 applied.")] == [
        ("name", "Rules"), ("number", "1950")]


def test_numeric_dates_and_a_caption_date_split_across_lines_are_found_in_the_source():
    assert check_summary("It was decided on 1.2.1952 and appealed on 20/02/1950.", JUDGEMENT).removed == ()
    assert removed_texts("It was decided on 2.3.1952.") == [("date", "2.3.1952")]


def test_fact_precision_counts_numbers_and_entities_as_documented():
    counts = fact_precision("In 2019 King paid Rs. 215 under section 19 to Mohan Lal.", JUDGEMENT)
    # numbers: 2019, 215, 19; entities: King, section 19, Mohan Lal
    assert counts == FactPrecision(numbers=3, supported_numbers=2, entities=3, supported_entities=2)
    assert (counts.num_prec, counts.ne_prec) == (2 / 3, 2 / 3)
    assert FactPrecision().num_prec is None and FactPrecision().ne_prec is None
    total = total_precision([counts, fact_precision("Rs. 30,000 was demanded.", JUDGEMENT)])
    assert total == FactPrecision(numbers=4, supported_numbers=3, entities=3, supported_entities=2)
    # the checked summary is at 1.0 on both
    checked = check_summary("King paid Rs. 215 in 2019. The rent was Rs. 215 to King. Mohan Lal sued.", JUDGEMENT)
    assert checked.text == "The rent was Rs. 215 to King."
    assert fact_precision(checked.text, JUDGEMENT) == FactPrecision(1, 1, 1, 1)


def test_the_source_index_is_reusable_and_hostile_text_is_read_in_one_pass():
    source = source_facts(JUDGEMENT)
    assert check_summary("King paid Rs. 215.", source).removed == ()
    hostile = ("1,1,1,1 " * 5000 + "A. B. C. D. " * 5000 + "section 1, 2, 3 and " * 3000
               + "(" * 5000 + "Rs. " * 5000 + "20th " * 5000 + "v. " * 5000)
    checked = check_summary(hostile, hostile)
    # the text checked against itself: only runs of initials are read differently sentence by sentence
    assert {fact.kind for fact in checked.removed} <= {"name"} and checked.text
    assert fact_precision(hostile[:20_000], JUDGEMENT).numbers > 0


def test_a_codes_acronym_needs_the_code_in_the_source():
    assert check_summary("He was tried under the IPC and the I. P. C.", JUDGEMENT).removed == ()
    assert removed_texts("He was tried under the CrPC.") == [("name", "CrPC")]
    assert removed_texts("He was tried under the Cr.P.C.") == [("name", "Cr.P.C.")]
    with_code = JUDGEMENT + "The Code of Criminal Procedure applied."
    assert check_summary("He was tried under the CrPC and the Cr.P.C.", with_code).removed == ()


def test_initials_are_one_word_with_or_without_their_last_dot():
    source = "Under the Cr.P.C. and s. 5 of the I.P.C., W. H. King was tried in C. A. No. 5."
    assert check_summary("W.H. King was tried under the Cr.P.C. and the IPC in C.A. No. 5.", source).removed == ()
    assert [fact.text for fact in extract_facts("under the Cr.P.C applied")] == ["Cr.P.C"]
    assert [fact.text for fact in extract_facts("C. A. No. 5")] == ["C. A.", "5"]
