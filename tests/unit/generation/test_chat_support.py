"""Chat's support check rejects invented facts: a sentence stating a number, date, amount,
provision or name that no source holds is left out, however many of its other words the sources
share (the check summaries get, ``generation.summary_checks``)."""

from generation.chat import invented_facts, without_invented_facts
from generation.citations import ground_answer
from generation.summary_checks import sources_facts

SOURCES = [
    "The State recommended a 22-year aggregate sentence.",
    "Dearborn sent St. Pierre a $2,000 check, the minimum amount of dependent life insurance.",
    "N.C.G.S. § 14-306.4 makes it illegal to conduct a sweepstakes through an entertaining display.",
]


def invented(sentence: str, sources=SOURCES) -> list[str]:
    return [fact.text for fact, _ in invented_facts(sentence, sources_facts(sources))]


def test_invented_numbers_are_rejected_even_when_the_words_overlap():
    draft = "The State recommended a 30-year aggregate sentence [1]."
    # Word overlap alone supports it: numbers are not content words.
    assert ground_answer(draft, SOURCES, min_overlap=0.5).text
    assert invented(draft) == ["30"]
    assert without_invented_facts(draft, SOURCES) == ("", 1)
    assert invented("Dearborn sent St. Pierre a $20,000 check [2].") == ["$20,000"]
    assert invented("Section 14-306.5 bans sweepstakes [3].") == ["306.5"]
    assert invented("The State recommended a 22-year sentence in 1999 [1].") == ["1999"]
    # Provisions and dates are looked up as such, not as bare numbers.
    assert invented("Article 14 bans sweepstakes [3].") == ["Article 14"]
    assert invented("The State recommended it on 14 March 2022 [1].") == ["14 March 2022"]


def test_invented_names_are_rejected():
    for sentence in ("Dearborn sent Jones a $2,000 check [2].", "The State recommended a 22-year sentence for Smith [1].",
                     "Dearborn sent St. Pierre a $2,000 check, said Judge Alito [2]."):
        assert without_invented_facts(sentence, SOURCES) == ("", 1), sentence
    # A sentence's lone first word is not taken for a name ("However", "Yes"): that one goes unchecked.
    assert without_invented_facts("However, Dearborn sent a $2,000 check [2].", SOURCES)[1] == 0


def test_restated_specifics_pass_in_any_typography():
    draft = ("Dearborn sent St. Pierre a check for $2000 [2]. The State recommended 22 years [1]. "
             "Under § 14-306.4, Sweepstakes through an entertaining display are illegal [3].")
    assert without_invented_facts(draft, SOURCES) == (draft, 0)
    # Names may come from other text the model was shown (case titles): the caller passes it.
    [(party, reason)] = invented_facts("In Jagels v. State, the State recommended 22 years.", sources_facts(SOURCES))
    assert party.kind == "party" and "'jagels' is not a word of the source" in reason
    assert invented("In Jagels v. State, the State recommended 22 years.", [*SOURCES, "Jagels v. State"]) == []


def test_markers_are_not_numbers():
    assert invented("The State recommended a 22-year sentence [7][1, 3].") == []


def test_the_model_is_shown_the_part_of_a_long_chunk_that_matches_the_question():
    from generation.chat import best_window, source_texts

    filler = " ".join(f"The hearing on day {day} dealt with scheduling." for day in range(1, 30))
    chunk = f"{filler} The State recommended a 22-year aggregate sentence. {filler}"
    window = best_window(chunk, "What aggregate sentence did the State recommend?", 300)
    assert len(window) <= 300 and "The State recommended a 22-year aggregate sentence." in window
    assert window.startswith("... ") and window.endswith(" ...")
    [(label, text)] = source_texts([{"title": "Jagels v. State", "case_id": "c", "page_numbers": [2],
                                     "text": chunk}], 300, "What aggregate sentence did the State recommend?")
    assert label == "Jagels v. State, page 2" and text == window


def test_sentences_assembled_from_words_spread_over_a_chunk_are_left_out():
    from generation.chat import without_scattered_sentences

    chunk = ("St. Pierre first sued Dearborn and the City, but voluntarily dismissed her claims against the City. "
             "In her suit against Dearborn, St. Pierre argued that it violated the Texas Insurance Code. The "
             "district court dismissed St. Pierre's suit without prejudice on grounds that the City could not act "
             "as Dearborn's agent under the Texas Insurance Code.")
    # What the model wrote (bench.chat, ca5-10): its words are in the chunk, not in one place of it.
    draft = ("The district court disposed of St. Pierre's first suit against Dearborn with discretion after "
             "reviewing the case carefully [1]. The district court dismissed St. Pierre's suit without prejudice [1].")
    kept, dropped = without_scattered_sentences(draft, [chunk], 0.7)
    assert (kept, dropped) == ("The district court dismissed St. Pierre's suit without prejudice [1].", 1)
    assert ground_answer(draft, [chunk], min_overlap=0.5).dropped_sentences == 0  # overlap alone keeps both
