"""The chat benchmark's questions: each gold sentence is on the stated page of the stated PDF
(as LexRay extracts it) and holds the gold fact; the PDFs are the ones the questions were
written from."""

from collections import Counter

import pytest

from bench.chat import PDF_DIR, load_questions, normalized
from lexray.ids import sha256_hex
from lexray.settings import get_settings
from pipelines.document import extract_case_text

QUESTIONS = load_questions()


def test_the_set_is_large_spread_and_unique():
    assert len(QUESTIONS) >= 60
    assert len({question.id for question in QUESTIONS}) == len(QUESTIONS)
    assert len({question.question for question in QUESTIONS}) == len(QUESTIONS)
    per_pdf = Counter(question.pdf for question in QUESTIONS)
    assert len(per_pdf) >= 5 and min(per_pdf.values()) >= 10


@pytest.mark.parametrize("pdf", sorted({question.pdf for question in QUESTIONS}))
def test_gold_sentences_are_on_their_pages(pdf):
    data = (PDF_DIR / pdf).read_bytes()
    mine = [question for question in QUESTIONS if question.pdf == pdf]
    assert {question.sha256 for question in mine} == {sha256_hex(data)}
    case_text = extract_case_text(data, get_settings())
    pages = {span.page: " ".join(case_text.cleaned_content[span.char_start:span.char_end].split())
             for span in case_text.page_spans}
    for question in mine:
        assert question.gold_sentence in pages[question.page], question.id
        assert normalized(question.gold_fact) in normalized(question.gold_sentence), question.id
        # The fact is not given away by the question.
        assert normalized(question.gold_fact) not in normalized(question.question), question.id
