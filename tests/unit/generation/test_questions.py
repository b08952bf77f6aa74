"""Question generation's pure core (``generation.questions``): type and option checks, the
validation of phrased questions, duplicates and the settings they read. The fact path itself
(selection, phrasing, templates) is tested in test_questions_facts.py."""

import pytest

from generation.questions import (
    DIFFICULTIES,
    QUESTION_TYPES,
    PassageContext,
    QuestionOptionError,
    check_count,
    check_options,
    is_duplicate,
    reply_problem,
    select_facts,
    type_scores,
)
from lexray.models import PageSpan
from lexray.settings import QuestionSettings

PAGES = [
    "IN THE COURT OF APPEALS\n\nTenant v. Landlord\n\nBackground\n\nThe appellant was the tenant of a flat "
    "under a monthly lease at a rent of 215 dollars. Before leaving the country in March 1948 he handed possession "
    "of the flat and its furniture to the respondent against a payment of 29,500 dollars.",
    "The respondent complained that the payment was an unlawful premium for giving up the tenancy. "
    "The magistrate convicted the appellant under section 19 of the Rent Control Act and fined him. "
    "Smith v. Jones, 12 A.B.C. 345 (1950).\n\nDiscussion\n\nThe question is whether a tenant who receives "
    "money for handing over possession commits the offence when the landlord has not consented to any "
    "transfer of the lease. We note, although it does not decide the appeal, that the landlord never "
    "objected to the furniture being sold.",
    "We hold that section 19 applies to any sum received as a condition of giving up the tenancy, "
    "whatever the document calls it. The conviction is therefore affirmed, but the sentence of "
    "imprisonment is set aside and the fine is maintained.\n\nConclusion\n\nThe appeal is dismissed.",
]
TEXT = "\n\n".join(PAGES)
SPANS = []
_offset = 0
for _number, _page in enumerate(PAGES, start=1):
    SPANS.append(PageSpan(page=_number, char_start=_offset, char_end=_offset + len(_page)))
    _offset += len(_page) + 2


# Replies


def test_replies_must_be_grounded_questions():
    context = PassageContext("The magistrate convicted the appellant under section 19 and fined him 500 rupees.",
                             "medium", 0.6)
    ok = ("What did the magistrate do?", "He convicted the appellant under section 19 and fined him.")
    assert reply_problem(*ok, context) is None
    for question, answer, problem in [
        ("What did the magistrate do", ok[1], "does not end with '?'"),
        ("Why?", ok[1], "question not of"),
        ("What is the answer to this question?", ok[1], "question not about the passage"),
        (ok[0], "It is.", "no content words"),
        (ok[0], "The magistrate.", "only repeats the question"),
        (ok[0], "He was sent to Paris to paint lighthouses at night.", "not grounded"),
        ("Who was fined 500 rupees under section 19?", "500 rupees", "only repeats the question"),
    ]:
        assert problem in (reply_problem(question, answer, context) or ""), (question, answer)
    easy = PassageContext(context.passage, "easy", 0.6)
    assert "longer than 12 words" in reply_problem(ok[0], " ".join(["appellant"] * 13) + " convicted", easy)


def test_duplicates_are_found_by_words_not_only_by_text():
    assert is_duplicate("What did the Court hold about section 19?", ["what did the court hold about Section 19 ?"])
    assert is_duplicate("What did the court hold on section 19?", ["What did the court hold about section 19?"])
    assert not is_duplicate("Who fined the appellant?", ["What did the court hold about section 19?"])
    # questions.duplicate_overlap: half the words shared is a duplicate only at a threshold of 0.5.
    assert not is_duplicate("Who fined the appellant under section 19?", ["Who fined the appellant?"])
    assert is_duplicate("Who fined the appellant under section 19?", ["Who fined the appellant?"], min_overlap=0.5)


def test_options_are_checked():
    for bad in (0, 21, 1000, True):
        with pytest.raises(QuestionOptionError):
            check_count(bad, QuestionSettings())
    check_count(20, QuestionSettings())
    for question_type in QUESTION_TYPES:
        for difficulty in DIFFICULTIES:
            check_options(question_type, difficulty, ["holding"])
    with pytest.raises(QuestionOptionError, match="unknown question type"):
        select_facts(TEXT, question_type="odd", difficulty="easy")
    with pytest.raises(QuestionOptionError, match="unknown difficulty"):
        select_facts(TEXT, question_type="rare", difficulty="tricky")
    with pytest.raises(QuestionOptionError, match="unknown focus area"):
        check_options("rare", "easy", ["gossip"])


# Settings


def test_answer_length_passage_length_and_aside_boost_settings_reach_their_use():
    # questions.max_answer_words: of a medium or hard answer, not of an easy one.
    ok = ("What did the magistrate do?", "He convicted the appellant under section 19 and fined him.")
    passage = "The magistrate convicted the appellant under section 19 and fined him 500 rupees."
    assert reply_problem(*ok, PassageContext(passage, "medium", 0.6)) is None
    assert "longer than 5 words" in reply_problem(*ok, PassageContext(passage, "medium", 0.6, max_answer_words=5))
    # questions.max_easy_answer_words: of an easy answer only.
    assert reply_problem(*ok, PassageContext(passage, "easy", 0.6)) is None
    assert "longer than 5 words" in reply_problem(*ok, PassageContext(passage, "easy", 0.6, max_easy_answer_words=5))
    assert reply_problem(*ok, PassageContext(passage, "medium", 0.6, max_easy_answer_words=5)) is None
    # questions.max_passage_words: a sentence of more words is not asked about.
    def facts(settings):
        return select_facts(TEXT, question_type="common", difficulty="medium", page_spans=SPANS, settings=settings)
    assert facts(QuestionSettings()) and len(facts(QuestionSettings(max_passage_words=5))) < len(facts(QuestionSettings()))
    # questions.aside_boost: multiplies an unexpected sentence's score per aside mark.
    sentences = ["However the appeal is moot.", "The appeal is dismissed."]
    assert type_scores("unexpected", sentences, aside_boost=1.0)[0] < type_scores("unexpected", sentences)[0]
    assert type_scores("unexpected", sentences, aside_boost=3.0)[0] > type_scores("unexpected", sentences)[0]
