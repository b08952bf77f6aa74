"""Map-reduce planning, prompts, clean-up and the summarizer's model calls, on a scripted model."""

import asyncio
import random

import pytest

from generation import prompts
from lexray.summary_options import MAX_SUMMARY_WORDS, SummaryOptionError
from generation.summaries import (
    MapReduceSummarizer,
    Part,
    SummaryGenerationError,
    clean_generated,
    condense,
    plan_parts,
    prepare_parts,
    reduce_groups,
    text_segments,
)
from lexray.models import CaseSection, PageSpan
from lexray.settings import SummarySettings
from pipelines.clean import join_pages


VOCABULARY = ("appeal court tenant landlord rent flat lease premises conviction sentence section act "
              "complainant accused evidence witness payment sum furniture possession order judgment "
              "statute penalty fine custody agreement transfer property deed contract breach damages "
              "respondent appellant magistrate tribunal petition notice hearing counsel argument").split()


def paragraphs(count: int, words: int = 40, tag: str = "p") -> list[str]:
    """``count`` one-sentence paragraphs of ``words`` real words each (``tag`` seeds the choice)."""
    rng = random.Random(tag)
    return [" ".join(rng.choice(VOCABULARY) for _ in range(words)).capitalize() + "." for _ in range(count)]


def section(name: str, start: int, end: int) -> CaseSection:
    return CaseSection(name=name, heading=name.title(), char_start=start, char_end=end, page_start=1, page_end=1)


def test_segments_cover_the_text_with_caption_sections_and_gaps():
    text = "CAPTION line.\n\nFacts\n\nThe facts.\n\nAnalysis\n\nThe law."
    facts, analysis = text.index("Facts"), text.index("Analysis")
    segments = text_segments(text, [section("facts", facts, analysis), section("analysis", analysis, len(text))])
    assert [name for name, _, _ in segments] == ["caption", "facts", "analysis"]
    assert [text[start:end] for _, start, end in segments] == [
        "CAPTION line.", "Facts\n\nThe facts.", "Analysis\n\nThe law."]
    # Stored sections arrive as dicts; one past the text's end is clipped.
    as_dicts = [section("facts", facts, len(text) + 50).model_dump()]
    assert [name for name, _, _ in text_segments(text, as_dicts)] == ["caption", "facts"]
    assert text_segments("   ", []) == []


def test_parts_fit_the_budget_follow_sections_and_carry_pages():
    pages = ["\n\n".join(paragraphs(6, tag=f"a{page}")) for page in range(1, 5)]
    text, spans = join_pages(pages)
    middle = spans[2].char_start
    sections = [section("facts", 0, middle), section("analysis", middle, len(text))]
    budget = 1500
    parts = plan_parts(text, part_chars=budget, sections=sections, page_spans=spans)
    assert len(parts) > 2
    assert all(part.char_end - part.char_start <= budget for part in parts)
    assert [part.char_start for part in parts] == sorted(part.char_start for part in parts)
    # No part straddles the section boundary unless merged whole; each knows its pages.
    assert all(part.sections in (("facts",), ("analysis",), ("facts", "analysis")) for part in parts)
    assert parts[0].pages[0] == 1 and parts[-1].pages[-1] == 4
    covered = " ".join(text[part.char_start:part.char_end] for part in parts).split()
    assert covered == text.split()  # every word of the text is in exactly one part


def test_too_many_parts_are_merged_into_runs():
    text = "\n\n".join(paragraphs(200, words=30))
    parts = plan_parts(text, part_chars=400)
    assert len(parts) == SummarySettings().max_map_parts
    assert len(plan_parts(text, part_chars=400, max_parts=3)) == 3
    assert parts[0].char_start == 0 and parts[-1].char_end == len(text)


def test_map_input_is_the_parts_central_sentences_with_their_pages():
    pages = ["\n".join(paragraphs(30, words=12, tag=f"b{page}")) for page in (1, 2)]
    text, spans = join_pages(pages)
    inputs = prepare_parts(text, part_chars=100_000, page_spans=spans)
    assert len(inputs) == 1
    part_input = inputs[0]
    assert len(part_input.text.split()) <= SummarySettings().map_input_words + 12
    assert part_input.part.pages and set(part_input.part.pages) <= {1, 2}
    short = prepare_parts("A short text of five words.", part_chars=1000)
    assert short[0].text == "A short text of five words." and short[0].part.pages == ()


def test_clean_up_drops_repeats_unfinished_endings_and_markdown():
    raw = ("**Summary:**\n1. The appellant was convicted under section 19.\n"
           "2. The appellant was convicted under section 19 of the Act.\n"
           "- The High Court dismissed the appeal.\nThe Supreme Court allowed the")
    assert clean_generated(raw) == ("The appellant was convicted under section 19. "
                                    "The High Court dismissed the appeal.")
    assert clean_generated("") == "" and clean_generated("and then the") == ""


def test_reduce_groups_keep_order_within_budget():
    groups = reduce_groups(["x" * 10] * 5, 30)
    assert groups == [[0, 1], [2, 3], [4]]
    assert [index for group in groups for index in group] == list(range(5))


CALL_NAMES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen".split()


class ScriptedModel:
    """A stand-in for the LLM deployment's ``chat``: records prompts, answers from a script (by
    default a sentence naming the call, in words: digits the source lacks would be removed)."""

    def __init__(self, answer=None):
        self.calls: list[tuple[str, dict]] = []
        self.answer = answer or (lambda prompt, params: f"Summary sentence number {CALL_NAMES[len(self.calls) % 16]} here.")

    async def __call__(self, messages, params):
        prompt = messages[-1]["content"]
        self.calls.append((prompt, params))
        return {"text": self.answer(prompt, params), "finish_reason": "stop"}


def long_case() -> tuple[str, list[PageSpan], list[CaseSection]]:
    pages = ["\n\n".join(paragraphs(8, words=45, tag=f"c{page}")) for page in range(1, 7)]
    text, spans = join_pages(pages)
    middle = spans[3].char_start
    return text, spans, [section("facts", 0, middle), section("holding", middle, len(text))]


def test_map_then_join_when_the_part_summaries_fit():
    text, spans, sections = long_case()
    model = ScriptedModel()
    summarizer = MapReduceSummarizer(model, context_tokens=2048, chars_per_token=4.0)
    summary = asyncio.run(summarizer.summarize(text, length=2000, sections=sections, page_spans=spans))
    map_calls = [prompt for prompt, _ in model.calls if prompt.startswith("Sentences from part")]
    assert len(map_calls) == len(model.calls) == len(summary.parts_used) > 1  # no reduce pass
    assert summary.text.count("Summary sentence number") == len(map_calls)
    assert summary.pages == sorted({page for part in summary.parts_used for page in part.pages})
    assert summary.pages[0] == 1 and summary.pages[-1] == 6
    params = model.calls[0][1]
    assert params["temperature"] == 0.0 and params["repetition_penalty"] > 1 and params["max_tokens"] > 0


def test_reduce_when_the_part_summaries_are_too_long_for_the_length():
    text, spans, sections = long_case()
    # Each part's summary copies the first 120 words of its own sentences, so the fact check
    # keeps all of it (random words could read as invented names and be cut below the length).
    model = ScriptedModel(lambda prompt, params: (
        "The final combined summary." if prompt.startswith("Summaries of consecutive")
        else " ".join(prompt.split("\n\n")[0].split("\n", 1)[1].split()[:120])))
    summarizer = MapReduceSummarizer(model, context_tokens=2048, chars_per_token=4.0)
    summary = asyncio.run(summarizer.summarize(text, length="short", sections=sections, page_spans=spans))
    assert not summary.removed
    reduce_calls = [prompt for prompt, _ in model.calls if prompt.startswith("Summaries of consecutive")]
    assert reduce_calls and summary.text == "The final combined summary."
    assert "about 100 words" in reduce_calls[-1]
    assert summary.parts_used and summary.pages


def test_focus_areas_reach_the_prompts_and_bad_options_are_refused():
    model = ScriptedModel()
    summarizer = MapReduceSummarizer(model)
    asyncio.run(summarizer.summarize("The appeal is dismissed with costs.", length=50, focus_areas=["holding"]))
    assert "Focus on the holding." in model.calls[0][0]
    for bad in ({"length": 0}, {"length": MAX_SUMMARY_WORDS + 1}, {"length": "huge"},
                {"focus_areas": ["gossip"]}):
        with pytest.raises(SummaryOptionError):
            asyncio.run(summarizer.summarize("Some text here.", **bad))
    with pytest.raises(SummaryOptionError, match="no words"):
        asyncio.run(summarizer.summarize("... 123 ..."))


def test_an_empty_reply_is_retried_then_refused():
    replies = iter(["", "The retried summary."])
    model = ScriptedModel(lambda prompt, params: next(replies))
    summary = asyncio.run(MapReduceSummarizer(model).summarize("The appeal is dismissed with costs."))
    assert summary.text == "The retried summary."
    assert model.calls[1][1]["temperature"] > 0  # the retry samples
    silent = MapReduceSummarizer(ScriptedModel(lambda prompt, params: "and the"))
    with pytest.raises(SummaryGenerationError):
        asyncio.run(silent.summarize("The appeal is dismissed with costs."))


def test_comparison_fits_every_case_into_one_prompt():
    model = ScriptedModel(lambda prompt, params: "Case 1 was dismissed while case 2 was allowed.")
    summarizer = MapReduceSummarizer(model, context_tokens=2048, chars_per_token=4.0)
    cases = [(f"Case title {index}", " ".join(paragraphs(40, words=20, tag=f"d{index}"))) for index in range(10)]
    comparison = asyncio.run(summarizer.compare(cases, length="short"))
    assert comparison.text == "Case 1 was dismissed while case 2 was allowed." and not comparison.removed
    prompt, params = model.calls[0]
    assert all(f"Case {index} (Case title {index - 1})" in prompt for index in range(1, 11))
    prompt_chars = len(prompt) + len(prompts.SUMMARY_SYSTEM)
    assert prompt_chars / 4.0 + params["max_tokens"] < 2048


def test_part_as_dict_is_what_the_api_shows():
    assert Part(("facts",), 3, 9, (1, 2)).as_dict() == {
        "sections": ["facts"], "char_start": 3, "char_end": 9, "pages": [1, 2]}


def test_the_bench_starts_the_engine_only_for_the_abstractive_method(capsys):
    from bench import summaries as bench
    from tests.unit.bench.test_summaries import TOY_DATASET

    abstractive = bench.SUMMARIZERS["abstractive"]
    assert isinstance(abstractive, bench.InProcessAbstractive)
    assert bench.main(["--dataset", str(TOY_DATASET), "--methods", "lexrank", "--limit", "1"]) == 0
    assert abstractive.engine is None and "abstractive" not in capsys.readouterr().out


def test_summary_settings_reach_the_map_step():
    text, spans, sections = long_case()
    model = ScriptedModel()
    summarizer = MapReduceSummarizer(model, context_tokens=2048, chars_per_token=4.0,
                                     settings=SummarySettings(map_input_words=40))
    asyncio.run(summarizer.summarize(text, length=2000, sections=sections, page_spans=spans))
    map_inputs = [prompt for prompt, _ in model.calls if prompt.startswith("Sentences from part")]
    default_inputs = prepare_parts(text, part_chars=summarizer.part_chars(), sections=sections, page_spans=spans)
    assert map_inputs and max(len(part.text.split()) for part in default_inputs) > 60
    assert all(len(prompt.split("\n", 1)[1].split("\n\n", 1)[0].split()) <= 60 for prompt in map_inputs)


def test_summary_settings_reach_the_part_count_the_join_and_the_cut():
    # summaries.max_map_parts: the summarizer's map step makes that many calls at most.
    text, spans, sections = long_case()
    model = ScriptedModel()
    summarizer = MapReduceSummarizer(model, context_tokens=2048, chars_per_token=4.0)
    assert asyncio.run(summarizer.summarize(text, length=2000, sections=sections, page_spans=spans)).parts_used[2:]
    model = ScriptedModel()
    summarizer = MapReduceSummarizer(model, context_tokens=2048, chars_per_token=4.0,
                                     settings=SummarySettings(max_map_parts=2))
    summary = asyncio.run(summarizer.summarize(text, length=2000, sections=sections, page_spans=spans))
    assert len(summary.parts_used) == len(model.calls) == 2
    # summaries.join_slack: 12 words for 10 are joined at 1.25, reduced by the model at 1.0.
    partials = ["The appeal was dismissed with costs today.", "The fine still stands here."]
    model = ScriptedModel(lambda prompt, params: "The reduced summary.")
    assert asyncio.run(MapReduceSummarizer(model).combine(list(partials), 10)) == " ".join(partials)
    assert not model.calls
    strict = MapReduceSummarizer(model, settings=SummarySettings(join_slack=1.0))
    assert asyncio.run(strict.combine(list(partials), 10)) == "The reduced summary." and model.calls
    # summaries.input_overshoot: an input without sentence ends is cut at that multiple of its words.
    unpunctuated = " ".join(paragraphs(1, words=200, tag="e")[0].rstrip(".").split())
    assert len(condense(unpunctuated, 20).split()) == 30
    assert len(condense(unpunctuated, 20, overshoot=2.0).split()) == 40
    long_sentences = "\n\n".join(paragraphs(10, words=36, tag="f"))
    assert len(prepare_parts(long_sentences, part_chars=100_000, map_input_words=20)[0].text.split()) == 30
    inputs = prepare_parts(long_sentences, part_chars=100_000, map_input_words=20, overshoot=1.0)
    assert len(inputs[0].text.split()) == 20
    model = ScriptedModel(lambda prompt, params: "The comparison.")
    summarizer = MapReduceSummarizer(model, context_tokens=2048, chars_per_token=4.0,
                                     settings=SummarySettings(input_overshoot=1.0))
    cases = [(f"Case {index}", unpunctuated * 20) for index in range(12)]
    asyncio.run(summarizer.compare(cases, length="short"))
    default = ScriptedModel(lambda prompt, params: "The comparison.")
    asyncio.run(MapReduceSummarizer(default, context_tokens=2048, chars_per_token=4.0).compare(cases, length="short"))
    assert len(model.calls[0][0].split()) < len(default.calls[0][0].split())


def test_facts_the_text_lacks_are_removed_from_the_summary_and_listed():
    text = "The tenant paid Rs. 215 a month to Durgeshwari Devi. The appeal is dismissed with costs."
    model = ScriptedModel(lambda prompt, params: "The tenant paid Rs. 215 to Durgeshwari Devi. "
                                                 "The appeal was filed in 2018 by Ramesh Sharma.")
    summary = asyncio.run(MapReduceSummarizer(model).summarize(text, length=50))
    assert summary.text == "The tenant paid Rs. 215 to Durgeshwari Devi."
    assert [(fact["kind"], fact["text"]) for fact in summary.as_dict()["removed"]] == [
        ("number", "2018"), ("name", "Ramesh Sharma")]
    assert summary.removed[0].sentence == "The appeal was filed in 2018 by Ramesh Sharma."
    # a reply with nothing supported is retried, then refused like an empty one
    invented = ScriptedModel(lambda prompt, params: "The appeal was filed in 2018.")
    with pytest.raises(SummaryGenerationError):
        asyncio.run(MapReduceSummarizer(invented).summarize(text, length=50))
    assert len(invented.calls) == 2
    # summaries.check_facts off: the reply as the model wrote it
    unchecked = MapReduceSummarizer(model, settings=SummarySettings(check_facts=False))
    summary = asyncio.run(unchecked.summarize(text, length=50))
    assert "2018" in summary.text and summary.removed == ()


def test_comparison_facts_are_checked_against_the_compared_summaries():
    model = ScriptedModel(lambda prompt, params: "Both appeals failed. The first was decided in 1999 (Rs. 500).")
    cases = [("King v. State", "The appeal of King failed in 1952."), ("Rao v. Union", "The appeal of Rao failed.")]
    comparison = asyncio.run(MapReduceSummarizer(model).compare(cases, length="short"))
    assert comparison.text == "Both appeals failed."
    assert [(fact.kind, fact.text) for fact in comparison.removed] == [("number", "1999"), ("money", "Rs. 500")]
