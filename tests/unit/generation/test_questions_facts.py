"""Questions built on extracted facts: the answer is a span of the case (with its page), the
model only phrases the question, a template does when the model's phrasing fails."""

import asyncio
import json
from functools import lru_cache

import pytest

from generation.engine import GenerationTimeoutError
from generation.extractive import focus_keywords, focus_matches
from generation.question_facts import extract_facts, is_prose, short_fact_spans
from generation.question_templates import template_question
from generation.questions import (
    InsufficientMaterialError,
    QuestionGenerator,
    generate_from_facts,
    phrasing_schema,
    question_items,
    select_facts,
)
from generation.words import stemmed_words
from lexray.settings import QuestionSettings, Settings
from pipelines.clean import pages_in_range
from pipelines.document import extract_case_text
from tests.conftest import SAMPLES

TYPES = ("common", "rare", "unexpected")
DIFFICULTIES = ("easy", "medium", "hard")


@lru_cache(maxsize=None)
def opinion(name="doctor__ca5_00516242060.pdf"):
    """A real opinion, read as ingestion reads it."""
    return extract_case_text((SAMPLES / name).read_bytes(), Settings())


class ScriptedChat:
    """The model's replies as scripted (texts, one per call), then ``default`` for every call."""

    def __init__(self, replies=(), default='{"question": "What?"}') -> None:
        self.replies = list(replies)
        self.default = default
        self.calls: list[tuple[list, dict]] = []

    async def __call__(self, messages, params):
        self.calls.append((messages, dict(params)))
        return {"text": self.replies.pop(0) if self.replies else self.default, "finish_reason": "stop"}


def ask(chat, candidates, settings=None, **options):
    options = {"num_questions": 5, "question_type": "common", "difficulty": "easy", **options}
    return asyncio.run(generate_from_facts(chat, candidates, settings=settings or QuestionSettings(), **options))


def facts_of(case, question_type="common", difficulty="easy", **options):
    return select_facts(case.cleaned_content, question_type=question_type, difficulty=difficulty,
                        page_spans=case.page_spans, **options)


def test_every_answer_is_an_exact_span_of_the_opinion_on_its_page():
    case = opinion()
    text = case.cleaned_content
    for question_type in TYPES:
        for difficulty in DIFFICULTIES:
            result = ask(ScriptedChat(), facts_of(case, question_type, difficulty), question_type=question_type,
                         difficulty=difficulty)
            assert len(result.questions) == 5
            for item in result.questions:
                span = text[item.answer_start:item.answer_end]
                assert item.answer == " ".join(span.split()) and item.answer
                assert item.passage.char_start <= item.answer_start < item.answer_end <= item.passage.char_end
                assert item.passage.text == text[item.passage.char_start:item.passage.char_end]
                assert item.answer_pages == tuple(pages_in_range(case.page_spans, item.answer_start, item.answer_end))
                assert item.question.endswith("?") and item.answer.lower() not in item.question.lower()


def test_caption_facts_of_a_real_opinion_on_page_one():
    case = opinion()
    result = ask(ScriptedChat(), facts_of(case), num_questions=5)
    by_kind = {item.fact_kind: item for item in result.questions}
    assert by_kind["court"].answer == "United States Court of Appeals for the Fifth Circuit"
    assert by_kind["court"].question == "Which court decided this case?"
    assert by_kind["lower_court"].answer == "United States District Court for the Western District of Texas"
    assert by_kind["plaintiff"].answer == "Vanessa St. Pierre"
    assert by_kind["date_decided"].answer == "March 16, 2022"
    assert all(item.answer_pages == (1,) for item in result.questions)


def test_rare_questions_ask_for_specific_details_first():
    case = opinion()
    kinds = [candidate.fact.kind for candidate in facts_of(case, "rare", "easy")[:5]]
    assert set(kinds) <= {"statute", "citation", "amount", "number", "date", "name"} and len(set(kinds)) >= 3
    item = next(c for c in facts_of(case, "rare", "easy") if c.fact.kind == "statute")
    assert item.answer == "Rule 47.5" and item.answer_pages == (1,)


def test_the_model_phrases_the_question_and_the_answer_stays_the_span():
    case = opinion()
    candidates = facts_of(case)
    court = candidates[0]
    assert court.fact.kind == "court"
    chat = ScriptedChat(['{"question": "Which court heard this appeal from the district court?"}'])
    result = ask(chat, candidates, num_questions=1)
    (item,) = result.questions
    assert item.phrased_by == "model" and item.question == "Which court heard this appeal from the district court?"
    assert item.answer == court.answer and result.model_calls == 1 and result.templated == 0
    messages, params = chat.calls[0]
    assert f"Answer: {court.answer}" in messages[-1]["content"]
    assert params["json_schema"] == phrasing_schema("court", "easy")
    assert params["max_tokens"] == QuestionSettings().phrasing_max_tokens


def test_a_template_asks_when_the_models_phrasing_fails_validation():
    case = opinion()
    candidates = facts_of(case)
    court = candidates[0].answer
    replies = [json.dumps({"question": f"Is it the {court}?"}),  # gives the answer away
               '{"question": "Which court',  # cut off: not JSON
               '{"question": "When did it rain in Paris on Sunday?"}']  # not about the passage
    result = ask(ScriptedChat(replies, default='{"question": "Who?"}'), candidates, num_questions=5)
    assert [item.phrased_by for item in result.questions] == ["template"] * 5
    assert result.questions[0].question == "Which court decided this case?"
    assert result.model_calls == 5 and result.templated == 5
    assert result.rejected["answer only repeats the question"] == 1
    assert result.rejected["not valid JSON"] == 1


def test_a_model_that_fails_or_times_out_leaves_the_templates_to_ask():
    async def timing_out(messages, params):
        raise GenerationTimeoutError("no reply within llm.request_timeout_s")

    async def grammar_error(messages, params):
        return {"text": "", "finish_reason": "error"}

    for chat, reason in ((timing_out, "model error: generation_timeout"),
                         (grammar_error, "model error: generation_failed")):
        result = ask(chat, facts_of(opinion()), num_questions=3)
        assert result.templated == 3 and result.rejected == {reason: 3}


def test_model_calls_stay_within_the_request_budget():
    case = opinion()
    valid = '{"question": "Which court decided the appeal in this case?"}'
    chat = ScriptedChat(default=valid)
    settings = QuestionSettings(max_model_calls=2)
    result = ask(chat, facts_of(case, "rare", "medium"), settings=settings, question_type="rare", difficulty="medium")
    assert len(chat.calls) == result.model_calls <= 2 and len(result.questions) == 5
    assert result.templated >= 3
    none = ScriptedChat()
    ask(none, facts_of(case), settings=QuestionSettings(max_model_calls=0))
    assert none.calls == []


def test_a_genuinely_short_text_is_still_insufficient_material():
    text = "The appeal is dismissed."
    for difficulty in DIFFICULTIES:
        candidates = select_facts(text, question_type="common", difficulty=difficulty)
        with pytest.raises(InsufficientMaterialError, match="questions could be made"):
            ask(ScriptedChat(), candidates, num_questions=3, difficulty=difficulty)


def test_generator_and_api_items_carry_the_answer_span():
    case = opinion()
    generator = QuestionGenerator(ScriptedChat(), QuestionSettings())
    result = asyncio.run(generator.generate_from_facts(facts_of(case, "common", "medium"), num_questions=2,
                                                       question_type="common", difficulty="medium"))
    items = question_items(result, question_type="common", difficulty="medium", case_id="c1")
    for item, question in zip(items, result.questions, strict=True):
        assert item["answer_span"] == {"char_start": question.answer_start, "char_end": question.answer_end,
                                       "page": question.answer_pages[0], "pages": list(question.answer_pages)}
        assert item["phrased_by"] == "template" and item["fact_kind"] == question.fact_kind
        assert item["answer"] in " ".join(item["source"]["text"].split())


def test_hard_facts_are_the_courts_reasons():
    text = ("The district court dismissed the claim because the plaintiff filed it after the limitations period "
            "had run. The plaintiff argues that the period was tolled by her illness. Therefore, the dismissal of "
            "her claim must stand.")
    facts = {fact.kind: fact for fact in extract_facts(text) if fact.difficulty == "hard"}
    reason = facts["reason"]
    assert text[reason.answer_start:reason.answer_end] == \
        "because the plaintiff filed it after the limitations period had run"
    assert template_question(reason, text) == "Why does the court say that the district court dismissed the claim?"
    conclusion = facts["conclusion"]
    assert text[conclusion.answer_start:conclusion.answer_end] == \
        "The plaintiff argues that the period was tolled by her illness"
    assert template_question(conclusion, text) == \
        "Why does the court conclude that the dismissal of her claim must stand?"


def test_hostile_text_is_read_in_one_pass():
    # Runs a backtracking pattern would take exponential time on: long capitalised runs, initials,
    # section numbers and digits without end.
    hostile = ("Section 1" + ".1" * 5000 + " of the " + "Rent " * 5000 + "Act. "
               + "A. " * 20000 + "the Smith " + "Jones " * 20000 + "v. " + "9," * 20000 + " dollars.")
    assert isinstance(extract_facts(hostile), list)
    assert short_fact_spans("paid " + "1," * 10000 + "5 dollars") is not None
    assert not is_prose("JOHN DOE 1313 WEST STREET LOS ANGELES CA 90017 (213) 977-9500 and the rest")


@pytest.mark.parametrize("name", ["doctor__missouri.pdf", "doctor__ca1_00117684624.pdf"])
def test_easy_and_medium_requests_of_five_succeed_on_sample_opinions_without_the_model(name):
    case = opinion(name)
    settings = QuestionSettings(max_model_calls=0)
    for question_type in TYPES:
        for difficulty in ("easy", "medium"):
            result = ask(ScriptedChat(), facts_of(case, question_type, difficulty), settings=settings,
                         question_type=question_type, difficulty=difficulty)
            assert len(result.questions) == 5 and result.templated == 5


def test_focus_areas_put_their_facts_first():
    case = opinion("doctor__missouri.pdf")
    keywords = focus_keywords(["relief"])
    focused = facts_of(case, "common", "medium", focus_areas=["relief"])
    flags = [focus_matches(set(stemmed_words(c.passage.text)), keywords) > 0 for c in focused]
    assert flags[0] and flags == sorted(flags, reverse=True)  # every focused fact before the others
