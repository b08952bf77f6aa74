"""Tests for generation.sentences."""

import re

import pytest

from generation.sentences import split_sentences


def sentence_texts(text):
    return [sentence.text for sentence in split_sentences(text)]


@pytest.mark.parametrize("sentence", [
    "The accused was convicted under s. 302 of the Indian Penal Code.",
    "The order offends Art. 14 of the Constitution.",
    "In State of Madras v. Champakam Dorairajan the Court struck down the order.",
    "Criminal Appeal No. 8 of 1951 arose out of a conviction.",
    "Per Mahajan J. the section applies to the case.",
    "He relied on ss. 3 and 4 and on Arts. 19 and 21 of the Constitution.",
    "The rule in O. 41 r. 27 of the Code permits additional evidence.",
    "The firm of M/s. Daulatram Rameshwarlal claimed an exemption.",
    "The words of section 6(1)(c) of the Act are plain.",
])
def test_legal_abbreviations_do_not_end_a_sentence(sentence):
    assert sentence_texts(f"{sentence} The appeal fails.") == [sentence, "The appeal fails."]


def test_sentences_still_split_at_real_ends_and_paragraphs():
    text = "The appeal is allowed. Costs follow.\nThe order is set aside! Was it right? It was."
    assert sentence_texts(text) == [
        "The appeal is allowed.", "Costs follow.", "The order is set aside!", "Was it right?", "It was.",
    ]


def test_a_break_pysbd_makes_before_a_number_after_an_abbreviation_is_repaired():
    # Pre-split corpora put a line break after "s." or "sec."; the number continues the sentence.
    assert sentence_texts("He was charged under sec.\n19 of the Act. It failed.") == [
        "He was charged under sec.\n19 of the Act.", "It failed.",
    ]


def test_sentence_spans_slice_the_original_text_exactly():
    text = "  Criminal Appeal No. 8 of 1951.\n\nThe appellant, W.H. King, paid Rs. 500.  \n  He left. "
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Criminal Appeal No. 8 of 1951.", "The appellant, W.H. King, paid Rs. 500.", "He left.",
    ]
    for sentence in sentences:
        assert text[sentence.char_start:sentence.char_end] == sentence.text


def test_splitting_leaves_the_regex_cache_limit_as_it_was():
    before = re._MAXCACHE
    split_sentences("Under s. 302 it is so. It is.")
    assert re._MAXCACHE == before
