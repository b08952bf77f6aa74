from pathlib import Path

import pytest

from generation.extractive import (
    METHODS,
    focus_factor,
    focus_keywords,
    header_indexes,
    rank_sentences,
    summarize,
)
from generation import sentences
from generation.sentences import split_sentences
from generation.words import stemmed_words
from lexray.errors import LexRayError
from lexray.settings import ExtractiveSettings
from lexray.summary_options import FOCUS_AREAS, LENGTH_WORDS, SUPPORTED_LENGTHS, SummaryOptionError, word_budget
from pipelines.clean import join_pages, pages_in_range

TEXTS_DIR = Path(__file__).resolve().parents[2] / "data" / "texts"


def test_length_presets():
    assert SUPPORTED_LENGTHS == ("short", "medium", "long")
    assert [word_budget(length) for length in SUPPORTED_LENGTHS] == [LENGTH_WORDS[name] for name in SUPPORTED_LENGTHS]
    assert word_budget("short") < word_budget("medium") < word_budget("long")
    assert word_budget(80) == 80 and word_budget("80") == 80


@pytest.mark.parametrize("length", ["huge", 0, -5, True, 2.5])
def test_bad_length_is_a_validation_error(length):
    with pytest.raises(SummaryOptionError) as caught:
        summarize("Some text here.", length=length)
    assert isinstance(caught.value, LexRayError) and caught.value.code == "validation_error"


def test_unknown_focus_area_or_method_is_a_validation_error():
    with pytest.raises(SummaryOptionError, match="unknown focus area"):
        summarize("Some text here.", focus_areas=["gossip"])
    with pytest.raises(SummaryOptionError, match="unknown method"):
        summarize("Some text here.", method="magic")


@pytest.fixture(scope="module")
def opinion_text():
    return (TEXTS_DIR / "ca5_st_pierre.txt").read_text()


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("length", [*SUPPORTED_LENGTHS, 150])
def test_word_budget_is_honoured_within_half_a_sentence(opinion_text, method, length):
    budget = word_budget(length)
    longest = max(len(sentence.text.split()) for sentence in split_sentences(opinion_text))
    summary = summarize(opinion_text, length=length, method=method)
    assert summary.target_words == budget
    assert abs(summary.word_count - budget) <= longest / 2
    assert summary.text == " ".join(sentence.text for sentence in summary.sentences)


def test_sentences_come_in_document_order_and_slice_the_text(opinion_text):
    summary = summarize(opinion_text, length="long")
    starts = [sentence.char_start for sentence in summary.sentences]
    assert starts == sorted(starts)
    for sentence in summary.sentences:
        assert opinion_text[sentence.char_start:sentence.char_end] == sentence.text


HOLDING_TEXT = " ".join([
    "The appellant owned a shop in the market and sold cloth there for many years.",
    "The shop stood next to a temple and a school on the main road of the town.",
    "The municipality built a new drain along the road in front of the shop.",
    "The drain flooded the shop in the rains of the year and spoiled the cloth.",
    "The appellant sued the municipality for the loss of the cloth in the shop.",
    "The trial court decreed the suit and the municipality appealed to the High Court.",
    "We hold that the municipality owed a duty of care to the owners of the shops.",
    "The cloth in the shop was worth a great deal of money.",
])


def test_focus_areas_pull_the_selection_toward_their_keywords():
    holding_words = focus_keywords(["holding"])

    def holding_sentences(summary):
        return sum(1 for s in summary.sentences if focus_factor(set(stemmed_words(s.text)), holding_words) > 1)

    plain = summarize(HOLDING_TEXT, length=30)
    focused = summarize(HOLDING_TEXT, length=30, focus_areas=["holding"])
    assert holding_sentences(focused) > holding_sentences(plain)
    assert any("We hold" in sentence.text for sentence in focused.sentences)
    assert not any("We hold" in sentence.text for sentence in plain.sentences)


def test_every_focus_area_has_keywords():
    assert {"facts", "issues", "arguments", "holding", "reasoning", "statutes", "precedents"} <= set(FOCUS_AREAS)
    for area in FOCUS_AREAS:
        assert focus_keywords([area]) and all(focus_keywords([area]))


def test_summary_reports_the_pages_it_drew_on():
    pages = [
        "The appellant was a tenant of a flat in the city. He paid the rent every month.",
        "The landlord sued the appellant for eviction of the flat. The trial court decreed the suit.",
        "The eviction of a tenant who paid the rent every month was bad. The decree is set aside.",
    ]
    text, spans = join_pages(pages)
    summary = summarize(text, length=30, page_spans=spans)
    assert summary.sentences
    for sentence in summary.sentences:
        assert text[sentence.char_start:sentence.char_end] == sentence.text
        assert list(sentence.pages) == pages_in_range(spans, sentence.char_start, sentence.char_end)
    assert summary.pages == sorted({page for sentence in summary.sentences for page in sentence.pages})
    assert set(summary.pages) <= {1, 2, 3}


def test_a_sentence_across_a_page_break_lists_both_pages():
    text, spans = join_pages(["The appellant paid the rent for the flat", "every month until 1950."])
    summary = summarize(text, length=50, page_spans=spans)
    assert [sentence.pages for sentence in summary.sentences] == [(1, 2)]


def test_without_page_spans_sentences_have_no_pages():
    summary = summarize("The appeal is dismissed with costs.", length=5)
    assert summary.pages == [] and summary.sentences[0].pages == ()


@pytest.mark.parametrize("text", ["", "   \n\n  ", "...", "\n"])
def test_empty_text_gives_an_empty_summary(text):
    summary = summarize(text)
    assert summary.sentences == () and summary.text == "" and summary.word_count == 0


def test_short_texts_come_back_whole():
    assert summarize("Dismissed.").text == "Dismissed."
    one = "The appeal is dismissed with costs."
    assert summarize(one, length="short").text == one
    two = "The appeal is allowed. The order of the High Court is set aside."
    assert summarize(two, length=3).text in {"The appeal is allowed.", "The order of the High Court is set aside."}


def test_header_lines_are_left_out_but_argument_is_kept():
    text = (
        "Criminal Appeal No. 8 of 1951.\n"
        "Appeal by special leave from the judgment of the High Court of Bombay.\n"
        "K. T. Desai and R. Nath, for the appellants.\n"
        "The Judgment of the Court was delivered by Das J.\n"
        "The appellant was a tenant of a flat and received money for leaving it.\n"
        "He was convicted of receiving money for the relinquishment of his tenancy.\n"
        "Learned counsel for the appellants contended that he had assigned the tenancy.\n"
        "An assignment of a tenancy is not a relinquishment of the tenancy.\n"
        "The conviction is set aside."
    )
    sentences = split_sentences(text)
    assert sorted(header_indexes(sentences)) == [0, 1, 2, 3]
    summary = summarize(text, length=60)
    assert all(sentence.char_start >= sentences[4].char_start for sentence in summary.sentences)
    kept = summarize(text, length=60, skip_header=False)
    assert kept.sentences != summary.sentences or kept.word_count == summary.word_count


def test_extractive_settings_reach_the_ranking(opinion_text, monkeypatch):
    short_first = "Costs follow. The appellant was convicted under the Act."
    assert summarize(short_first, length=50).text == "The appellant was convicted under the Act."
    assert summarize(short_first, length=50, settings=ExtractiveSettings(min_sentence_words=2)).text == short_first
    header = split_sentences("Criminal Appeal No. 8 of 1951. The facts are stated in the judgment.\n"
                             "A. Rao, for the appellant. The appellant was a tenant of a flat.")
    assert header_indexes(header) == {0, 2} and header_indexes(header, body_run=1) == {0}
    words = [["court", "appeal"], ["court", "appeal", "fail"], ["rain"]]
    assert [round(float(score), 3) for score in rank_sentences(words, method="textrank", damping=0.0)] == [0.333] * 3
    # A boost of 1 makes the focus areas change nothing.
    unfocused = summarize(opinion_text, length="short")
    assert summarize(opinion_text, length="short", focus_areas=["holding"]).text != unfocused.text
    assert summarize(opinion_text, length="short", focus_areas=["holding"],
                     settings=ExtractiveSettings(focus_boost=1.0)).text == unfocused.text
    seen = []
    original = sentences._line_segments
    monkeypatch.setattr(sentences, "_line_segments", lambda line, **limits: seen.append(limits) or original(line, **limits))
    summarize(short_first, settings=ExtractiveSettings(max_segment_chars=123, max_segment_periods=7))
    assert seen == [{"max_chars": 123, "max_periods": 7}]
