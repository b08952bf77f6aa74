"""Chat's pure parts: citation markers (filtered, attributed, renumbered, streamed), intents,
query rewriting, history trimming."""


import pytest

from generation.chat import clean_rewrite, detect_intent, evidence_answer, fallback_query, trim_history
from generation.citations import MarkerFilter, ground_answer
from generation.prompts import chat_answer_messages
from lexray.settings import ChatSettings

SOURCES = [
    "The appellant pleaded guilty to two counts of statutory sodomy after plea negotiations.",
    "The motion court found that plea counsel did not coerce the appellant into pleading guilty.",
    "A clerical error in the written judgment requires a remand for an order nunc pro tunc.",
]


def test_sentences_keep_only_markers_of_sources_that_support_them():
    answer = ("Counsel did not coerce the appellant into pleading guilty [2][12]. The appellant pleaded guilty "
              "to two counts [1, 9]. A clerical error requires a remand nunc pro tunc [Source 3]. "
              "She pleaded guilty after plea negotiations [3].")
    grounded = ground_answer(answer, SOURCES, min_overlap=0.5)
    # [12] and [9] name no source; [3] on the last sentence is wrong: source 1 holds its words.
    assert grounded.text == ("Counsel did not coerce the appellant into pleading guilty [1]. The appellant "
                             "pleaded guilty to two counts [2]. A clerical error requires a remand nunc pro "
                             "tunc [3]. She pleaded guilty after plea negotiations [2].")
    assert grounded.sources == [2, 1, 3]
    assert sorted(grounded.removed_markers) == [9, 12]
    assert grounded.attributed_sentences == 1 and grounded.dropped_sentences == 0


def test_uncited_sentences_are_attributed_or_left_out():
    answer = ("The motion court found plea counsel did not coerce the appellant. "
              "The weather in Missouri was mild that year [1]. Costs were awarded to the state.")
    grounded = ground_answer(answer, SOURCES, min_overlap=0.5)
    assert grounded.text == "The motion court found plea counsel did not coerce the appellant [1]."
    assert grounded.sources == [2]
    assert grounded.attributed_sentences == 1 and grounded.dropped_sentences == 2


def test_no_sources_means_no_answer_survives():
    grounded = ground_answer("It was dismissed [1].", [], min_overlap=0.5)
    assert grounded.text == "" and grounded.sources == [] and grounded.removed_markers == [1]
    assert grounded.dropped_sentences == 1


def test_evidence_answer_quotes_the_best_matching_sentences_with_markers():
    text, sources = evidence_answer("Did counsel coerce the appellant?", SOURCES, max_sentences=2)
    assert text.startswith("The appellant pleaded guilty") or text.startswith("The motion court found")
    assert "The motion court found that plea counsel did not coerce the appellant into pleading guilty [" in text
    assert sorted(sources) == sorted(set(sources)) and set(sources) <= {1, 2, 3}
    assert text.count("[") == 2


@pytest.mark.parametrize("cut", range(1, 60, 3))
def test_streamed_markers_are_filtered_wherever_the_text_is_cut(cut):
    answer = "Counsel did not coerce her [2][7]. She pleaded [Source 1, 2] guilty [x] and [3"
    stream = MarkerFilter(len(SOURCES))
    streamed = "".join(stream.feed(answer[i:i + cut]) for i in range(0, len(answer), cut)) + stream.flush()
    # Invented [7] dropped, [2] -> [1], [1] -> [2], non-marker brackets and an unclosed one kept.
    assert streamed == "Counsel did not coerce her [1]. She pleaded [2][1] guilty [x] and [3"


def test_intents():
    assert detect_intent("Hi!") == "greeting"
    assert detect_intent("Hello, what did the court hold on the injunction?") == "legal_question"
    assert detect_intent("help") == "help"
    assert detect_intent("Show me cases on preliminary injunctions") == "case_search"
    assert detect_intent("Give me an overview of the Jagels appeal") == "summary_request"
    assert detect_intent("What is the difference between the two rulings?") == "comparison"
    assert detect_intent("Was the plea voluntary?") == "legal_question"


def test_rewrites_are_used_only_when_they_name_something_said():
    history = [{"role": "user", "content": "Did the court find plea counsel ineffective?"},
               {"role": "assistant", "content": "No, counsel did not coerce her [1]."}]
    assert clean_rewrite("Query: plea counsel coercion Jagels", "Why not?", history) == "plea counsel coercion Jagels"
    assert clean_rewrite("", "Why not?", history) is None
    assert clean_rewrite("Sure! Here is a poem about the sea.", "Why not?", history) is None
    assert clean_rewrite("x" * 400 + " counsel", "Why not?", history) is None
    assert fallback_query("Why not?", history) == "Did the court find plea counsel ineffective? Why not?"
    assert fallback_query("Why not?", []) == "Why not?"


def test_rewrite_length_limit_comes_from_the_chat_settings():
    history = [{"role": "user", "content": "Did the court find plea counsel ineffective?"}]
    rewrite = "plea counsel " * 25  # 325 characters
    assert ChatSettings().max_rewrite_chars == 300
    assert clean_rewrite(rewrite, "Why not?", history) is None
    assert clean_rewrite(rewrite, "Why not?", history, max_chars=400) == rewrite.strip()


def test_history_keeps_the_newest_whole_turns_within_the_budget():
    turns = []
    for index in range(5):
        turns += [{"role": "user", "content": f"question {index} " + "word " * 10},
                  {"role": "assistant", "content": f"answer {index} [1] " + "word " * 10}]
    count = lambda text: len(text.split())  # noqa: E731
    kept = trim_history(turns, 50, count)
    assert [turn["content"].split()[:2] for turn in kept] == [["question", "3"], ["answer", "3"],
                                                              ["question", "4"], ["answer", "4"]]
    assert all("[1]" not in turn["content"] for turn in kept)
    assert trim_history(turns, 5, count) == []
    assert len(trim_history(turns, 10_000, count)) == 10


def test_prompt_numbers_the_sources_and_puts_history_before_the_question():
    history = [{"role": "user", "content": "Earlier?"}, {"role": "assistant", "content": "Yes."}]
    messages = chat_answer_messages("Was the plea voluntary?", [("Jagels, page 2", SOURCES[1])],
                                    "Answer in two to four sentences.", history)
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert "[1] Jagels, page 2: The motion court found" in messages[-1]["content"]
    assert "Question: Was the plea voluntary?" in messages[-1]["content"]
