"""Question generation's pure core (``generation.questions``, its prompts): passages per type,
the validation of replies, duplicates, and the generation loop on a scripted model."""

import asyncio
import json

import pytest

from generation.engine import GenerationTimeoutError
from generation.prompts import QUESTION_EXAMPLE_PASSAGE, QUESTION_EXAMPLES, question_messages
from generation.questions import (
    DIFFICULTIES,
    QUESTION_TYPES,
    REPLY_MODELS,
    InsufficientMaterialError,
    PassageContext,
    QuestionGenerator,
    QuestionOptionError,
    check_count,
    fact_spans,
    is_core,
    is_duplicate,
    question_items,
    reply_problem,
    reply_schema,
    select_passages,
    type_scores,
)
from generation.structured import parse_reply
from lexray.models import PageSpan
from lexray.settings import QuestionSettings, Settings
from pipelines.document import extract_case_text
from tests.conftest import SAMPLES

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


def passages_of(question_type="common", difficulty="medium", focus_areas=(), text=TEXT, spans=SPANS):
    return select_passages(text, question_type=question_type, difficulty=difficulty, focus_areas=focus_areas,
                           page_spans=spans)


def passage_in(messages) -> str:
    """The passage of the last user turn (see ``generation.prompts.QUESTION_PROMPT``)."""
    return messages[-1]["content"].split("\n", 1)[1].split("\n\n", 1)[0]


class PassageChat:
    """A model that asks about each passage's first words and answers with them, or as scripted
    per call (``replies``: a list of texts or None for the default)."""

    def __init__(self, replies=None) -> None:
        self.replies = list(replies or [])
        self.calls: list[tuple[list, dict]] = []

    async def __call__(self, messages, params):
        self.calls.append((messages, dict(params)))
        scripted = self.replies.pop(0) if self.replies else None
        if scripted is not None:
            return {"text": scripted, "finish_reason": "stop"}
        words = passage_in(messages).split()
        allowed = params["json_schema"]["properties"]["answer"]
        answer = allowed["enum"][0] if "enum" in allowed else " ".join(words[:12])
        reply = {"question": f"What does the court say about {' '.join(words[2:6]).strip('.,;')}?", "answer": answer}
        return {"text": json.dumps(reply), "finish_reason": "stop"}


def generate(chat, passages, settings=None, **options):
    options = {"num_questions": 2, "question_type": "common", "difficulty": "medium", **options}
    return asyncio.run(QuestionGenerator(chat, settings or QuestionSettings()).generate(passages, **options))


# Passages


def test_passages_are_spans_of_the_text_with_their_pages_and_never_overlap():
    for question_type in QUESTION_TYPES:
        for difficulty in DIFFICULTIES:
            passages = passages_of(question_type, difficulty)
            assert passages, (question_type, difficulty)
            taken: set[int] = set()
            for passage in passages:
                assert TEXT[passage.char_start:passage.char_end] == passage.text
                assert passage.pages and passage.page == passage.pages[0]
                first = next(span for span in SPANS if span.page == passage.page)
                assert first.char_start <= passage.char_start < first.char_end
                covered = set(range(passage.char_start, passage.char_end))
                assert not covered & taken
                taken |= covered
            assert passages == passages_of(question_type, difficulty)  # deterministic


def test_captions_headings_and_bare_citations_are_never_asked_about():
    texts = " ".join(passage.text for passage in passages_of("unexpected", "easy"))
    assert "IN THE COURT" not in texts and "Tenant v. Landlord" not in texts
    assert not is_core("Smith v. Jones, 12 A.B.C. 345 (1950).") and not is_core("Conclusion")
    # A bare citation stays with the sentence it supports.
    cited = [p for p in passages_of("rare", "easy") if "Smith v. Jones" in p.text]
    assert cited and cited[0].text.startswith("The magistrate convicted")


def test_each_type_leans_its_own_way():
    common, rare, unexpected = (passages_of(kind, "medium")[0].text for kind in QUESTION_TYPES)
    assert "section 19" in rare or "29,500" in rare or "1948" in rare
    assert "We note, although" in unexpected
    assert len({common, rare, unexpected}) >= 2


def test_focus_areas_put_their_passages_first():
    focused = passages_of("common", "medium", focus_areas=["holding"])
    assert any(word in focused[0].text.lower() for word in ("hold", "affirmed", "dismissed", "set aside"))
    assert len(focused) == len(passages_of("common", "medium"))  # boosted, not filtered


def test_a_sample_case_has_passages_on_its_pages():
    case = extract_case_text((SAMPLES / "doctor__missouri.pdf").read_bytes(), Settings())
    passages = passages_of("rare", "medium", text=case.cleaned_content, spans=case.page_spans)
    assert len(passages) >= 20
    for passage in passages:
        assert case.cleaned_content[passage.char_start:passage.char_end] == passage.text
        assert set(passage.pages) <= {span.page for span in case.page_spans}
    assert passages_of("common", "easy", text="Too short.", spans=[]) == []


def test_easy_questions_answer_with_a_fact_of_the_passage():
    assert fact_spans("On July 13, 2016, the Court issued an order under Rule 65 to Esteban Leon for 20 days.") == \
        ["July 13, 2016", "Rule 65", "20 days", "Esteban Leon"]
    assert fact_spans("Wooldridge v. State, 239 S.W.3d 151 (2007).") == ["Wooldridge v. State", "2007"]
    assert reply_schema("easy", "A fine of 500 rupees.")["properties"]["answer"] == {"enum": ["500 rupees"]}
    assert "enum" not in reply_schema("easy", "The appeal fails on the merits.")["properties"]["answer"]
    assert "enum" not in reply_schema("medium", "A fine of 500 rupees.")["properties"]["answer"]
    # Easy passages with a fact to ask for come first.
    assert fact_spans(passages_of("common", "easy")[0].text)


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


def test_reply_models_guide_the_question_form_per_difficulty():
    context = PassageContext(QUESTION_EXAMPLE_PASSAGE, "hard", 0.6)
    hard = REPLY_MODELS["hard"]
    assert parse_reply('{"question": "Why was the notice invalid?", "answer": "A monthly tenancy needs a '
                       'notice of one month."}', hard, context).answer.startswith("A monthly")
    with pytest.raises(ValueError, match="question does not match|should match pattern"):
        parse_reply('{"question": "What was the notice?", "answer": "15 days of notice."}', hard, context)
    # The worked examples of the prompts pass their own validation.
    for difficulty, example in QUESTION_EXAMPLES.items():
        parse_reply(example, REPLY_MODELS[difficulty], PassageContext(QUESTION_EXAMPLE_PASSAGE, difficulty, 0.6))


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
    with pytest.raises(QuestionOptionError, match="unknown question type"):
        passages_of("odd")
    with pytest.raises(QuestionOptionError, match="unknown difficulty"):
        passages_of("rare", "tricky")


# Generating


def test_exactly_the_questions_asked_for_each_with_its_source():
    chat = PassageChat()
    passages = passages_of("common", "medium")
    result = generate(chat, passages, num_questions=2)
    assert len(result.questions) == 2 and result.passages_tried == 2 and result.model_calls == 2
    for (messages, params), item in zip(chat.calls, result.questions):
        assert params["temperature"] == 0.0 and params["max_tokens"] == QuestionSettings().max_tokens
        assert passage_in(messages) == " ".join(item.passage.text.split())
    items = question_items(result, question_type="common", difficulty="medium", case_id="c1")
    assert [item["source"]["char_start"] for item in items] == [p.char_start for p in passages[:2]]
    assert all(item["source"]["case_id"] == "c1" and item["source"]["page"] for item in items)
    assert set(items[0]) == {"question", "type", "difficulty", "answer", "source", "answer_span", "fact_kind",
                             "phrased_by"}
    assert items[0]["answer_span"] is None and items[0]["phrased_by"] == "model"


def test_easy_answers_are_picked_among_the_passage_facts():
    chat = PassageChat()
    result = generate(chat, passages_of("rare", "easy"), num_questions=2, question_type="rare", difficulty="easy")
    schemas = {passage_in(messages): params["json_schema"] for messages, params in chat.calls}
    for item in result.questions:
        schema = schemas[" ".join(item.passage.text.split())]
        assert schema["properties"]["answer"]["enum"] == fact_spans(item.passage.text)
        assert item.answer in item.passage.text


def test_a_refused_reply_is_retried_then_the_next_passage_is_tried():
    bad = '{"question": "What is the answer to this question?", "answer": "The answer."}'
    # Passage 1 fails twice (greedy, then a sampled retry), passage 2 once; passage 3 fills in.
    chat = PassageChat([bad, bad, bad])
    passages = passages_of()
    result = generate(chat, passages, num_questions=2)
    assert len(result.questions) == 2 and result.passages_tried == 3 and result.model_calls == 5
    retry = chat.calls[1][1]
    assert retry["temperature"] == QuestionSettings().retry_temperature and retry["seed"] == 1
    assert result.rejected == {"question not about the passage": 3}
    assert [item.passage for item in result.questions] == passages[1:3]
    assert [item.attempts for item in result.questions] == [2, 1]


def test_duplicate_questions_are_dropped():
    same = '{"question": "What did the magistrate do under section 19?", "answer": "convicted the appellant"}'
    passages = [p for p in passages_of("rare", "medium") if "magistrate" in p.text]
    chat = PassageChat([same, same, same, same])
    with pytest.raises(InsufficientMaterialError):
        generate(chat, passages + passages, num_questions=2, question_type="rare")
    assert len(chat.calls) >= 2


def test_question_settings_reach_the_passages_and_the_duplicate_check():
    assert passages_of("common", "medium") and not select_passages(
        TEXT, question_type="common", difficulty="medium", settings=QuestionSettings(max_passage_words=5))
    near = ['{"question": "Who fined the appellant under section 19?", "answer": "The magistrate fined him"}',
            '{"question": "Who fined the appellant?", "answer": "The magistrate fined the appellant"}']
    passages = [p for p in passages_of("rare", "medium") if "magistrate" in p.text]
    kept = generate(PassageChat(list(near)), passages + passages, num_questions=2, question_type="rare")
    assert len(kept.questions) == 2
    with pytest.raises(InsufficientMaterialError):
        generate(PassageChat(list(near)), passages + passages, num_questions=2, question_type="rare",
                 settings=QuestionSettings(duplicate_overlap=0.5, passages_per_question=1))


def test_too_few_valid_questions_is_an_error_not_padding():
    settings = QuestionSettings(passages_per_question=2, attempts_per_passage=2)
    chat = PassageChat(['{"question": "Who?", "answer": "x"}'] * 100)
    with pytest.raises(InsufficientMaterialError, match="only 0 of 3") as failed:
        generate(chat, passages_of(), settings, num_questions=3)
    assert failed.value.code == "insufficient_material" and failed.value.http_status == 422
    assert len(chat.calls) == 3 * 2 * 2  # passages_per_question x questions x attempts, no more
    with pytest.raises(InsufficientMaterialError, match="no sentences"):
        generate(PassageChat(), [], num_questions=1)


def test_model_errors_propagate():
    async def slow(messages, params):
        raise GenerationTimeoutError("generation took longer than 120 s")

    with pytest.raises(GenerationTimeoutError):
        generate(slow, passages_of(), num_questions=1)


def test_prompts_hold_a_worked_example_then_the_passage():
    messages = question_messages("The appeal is dismissed.", question_type="unexpected", difficulty="hard",
                                 focus_areas=["holding"])
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[2]["content"] == QUESTION_EXAMPLES["hard"]
    assert "The appeal is dismissed." in messages[3]["content"] and "Focus on the holding." in messages[3]["content"]
    assert "reader could easily miss" in messages[3]["content"]


def test_passage_words_answer_length_and_aside_boost_settings_reach_their_use():
    # questions.passage_words_*: a passage grows by following sentences only up to its difficulty's words.
    def longest(settings):
        return max(len(passage.text.split()) for passage in select_passages(
            TEXT, question_type="common", difficulty="hard", settings=settings))
    assert longest(QuestionSettings(passage_words_hard=1)) < longest(QuestionSettings())
    assert longest(QuestionSettings(passage_words_medium=1)) == longest(QuestionSettings())
    # questions.max_answer_words: of a medium or hard answer, not of an easy one.
    ok = ("What did the magistrate do?", "He convicted the appellant under section 19 and fined him.")
    passage = "The magistrate convicted the appellant under section 19 and fined him 500 rupees."
    assert reply_problem(*ok, PassageContext(passage, "medium", 0.6)) is None
    assert "longer than 5 words" in reply_problem(*ok, PassageContext(passage, "medium", 0.6, max_answer_words=5))
    # questions.max_easy_answer_words: of an easy answer only.
    assert reply_problem(*ok, PassageContext(passage, "easy", 0.6)) is None
    assert "longer than 5 words" in reply_problem(*ok, PassageContext(passage, "easy", 0.6, max_easy_answer_words=5))
    assert reply_problem(*ok, PassageContext(passage, "medium", 0.6, max_easy_answer_words=5)) is None
    # questions.aside_boost: multiplies an unexpected passage's score per aside mark.
    aside = "We note, although it does not decide the appeal"
    scores = {boost: next(passage.score for passage in select_passages(
        TEXT, question_type="unexpected", difficulty="medium", settings=QuestionSettings(aside_boost=boost))
        if aside in passage.text) for boost in (1.0, 1.5, 3.0)}
    assert scores[1.0] < scores[1.5] < scores[3.0]
    sentences = ["However the appeal is moot.", "The appeal is dismissed."]
    assert type_scores("unexpected", sentences, aside_boost=1.0)[0] < type_scores("unexpected", sentences)[0]
