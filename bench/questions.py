"""Question requests that succeed: for each opinion of ``--min-pages`` pages or more, each
question type and each difficulty, ``--num-questions`` questions asked, as the API asks them.

    python -m bench.questions [--pdfs DIR ...] [--min-pages 5] [--num-questions 5] [--templates-only]

The PDFs are read by the real pipeline (``pipelines.document.extract_case_text``, OCR where a
page has no text layer); the questions come from ``generation.questions`` on the bundled model,
a vLLM engine started in this process (as ``bench.summaries`` starts one). A request succeeds
when exactly the number asked comes back (else the API answers 422 ``insufficient_material``);
each answer is checked to be its span of the text, on its page (else the bench stops).
Prints the success rate per type x difficulty cell and overall, how many answers the model
phrased the question of and how many a template phrased, model calls and seconds. The
passage-based generator of before issue 15 (the model wrote question and answer) was removed;
its figures stay in docs/benchmarks.md as history. The last line is one JSON object
``{"facts": {"cells": {"common/easy": rate, ...}, "overall", "model", "template", ...}}``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.results import add_json_option, emit_figures
from bench.tables import Column, text_table
from generation.questions import (
    DIFFICULTIES,
    QUESTION_TYPES,
    InsufficientMaterialError,
    QuestionGenerator,
    select_facts,
)
from lexray.models import PageSpan
from lexray.settings import Settings, get_settings
from pipelines.clean import pages_in_range

DEFAULT_PDF_DIRS = (Path("samples/pdfs"), Path("/work/shared/data/pdfs"))


@dataclass(frozen=True)
class Opinion:
    name: str
    pages: int
    text: str
    page_spans: list[PageSpan]


@dataclass
class MethodFigures:
    """One method's outcomes.

    >>> figures = MethodFigures({"rare/easy": [True, False], "rare/hard": [True, True]})
    >>> figures.rate("rare/easy"), figures.overall(), figures.as_dict()["cells"]
    (0.5, 0.75, {'rare/easy': 0.5, 'rare/hard': 1.0})
    """

    requests: dict[str, list[bool]] = field(default_factory=dict)  # "type/difficulty" -> success per opinion
    model: int = 0
    template: int = 0
    model_calls: int = 0
    seconds: float = 0.0

    def rate(self, cell: str) -> float:
        outcomes = self.requests.get(cell, [])
        return sum(outcomes) / len(outcomes) if outcomes else 0.0

    def overall(self) -> float:
        outcomes = [ok for cell in self.requests.values() for ok in cell]
        return sum(outcomes) / len(outcomes) if outcomes else 0.0

    def as_dict(self) -> dict:
        return {"cells": {cell: round(self.rate(cell), 3) for cell in self.requests},
                "overall": round(self.overall(), 3), "model": self.model, "template": self.template,
                "model_calls": self.model_calls, "seconds": round(self.seconds, 1)}


def read_opinions(directories: Sequence[Path], min_pages: int, settings: Settings) -> list[Opinion]:
    """Every PDF of ``min_pages`` pages or more under ``directories`` (a file name once), read as
    ingestion reads it."""
    import pymupdf

    from pipelines.document import extract_case_text

    opinions: list[Opinion] = []
    seen: set[str] = set()
    for directory in directories:
        for path in sorted(directory.glob("*.pdf")):
            if path.name in seen:
                continue
            seen.add(path.name)
            try:
                with pymupdf.open(path) as document:
                    pages = document.page_count
            except Exception:  # noqa: BLE001 - an unreadable PDF is no opinion to ask about
                continue
            if pages < min_pages:
                continue
            case_text = extract_case_text(path.read_bytes(), settings)
            opinions.append(Opinion(path.name, pages, case_text.cleaned_content, list(case_text.page_spans)))
    return opinions


async def ask(generator: QuestionGenerator, opinion: Opinion, question_type: str, difficulty: str,
              num_questions: int, settings: Settings) -> tuple[bool, int, int, int]:
    """(succeeded, questions phrased by the model, by a template, model calls) of one request."""
    try:
        facts = select_facts(opinion.text, question_type=question_type, difficulty=difficulty,
                             page_spans=opinion.page_spans, settings=settings.questions,
                             extractive_settings=settings.extractive)
        result = await generator.generate_from_facts(facts, num_questions=num_questions,
                                                     question_type=question_type, difficulty=difficulty)
    except InsufficientMaterialError:
        return False, 0, 0, 0
    for item in result.questions:  # the answer is the text's span, on the page it names
        span = opinion.text[item.answer_start:item.answer_end]
        pages = tuple(pages_in_range(opinion.page_spans, item.answer_start, item.answer_end))
        if " ".join(span.split()) != item.answer or item.answer_pages != pages:
            raise AssertionError(f"{opinion.name}: answer {item.answer!r} is not its span {span!r} on {pages}")
    templated = sum(item.phrased_by == "template" for item in result.questions)
    return True, len(result.questions) - templated, templated, result.model_calls


class InProcessEngine:
    """The bundled model on a vLLM engine in this process, its event loop in a thread."""

    def __init__(self, settings: Settings) -> None:
        os.environ.setdefault("VLLM_LOGGING_LEVEL", "WARNING")
        from generation.engine import GenerationEngine

        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, name="bench-questions", daemon=True).start()

        async def start():
            return GenerationEngine.start(settings)

        self.engine = self.run(start())

    async def chat(self, messages: list[dict[str, str]], params: dict) -> dict:
        return (await self.engine.generate(messages, params)).as_dict()

    def run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def close(self) -> None:
        self.engine.shutdown()
        self.loop.call_soon_threadsafe(self.loop.stop)


class NoModel:
    """Stands for the engine when no model may be called (``--templates-only``)."""

    async def chat(self, messages: list[dict[str, str]], params: dict) -> dict:
        raise RuntimeError("--templates-only: no model call may be made")

    def run(self, coroutine):
        return asyncio.run(coroutine)

    def close(self) -> None:
        pass


def measure(engine: InProcessEngine | NoModel, opinions: Sequence[Opinion], num_questions: int,
            settings: Settings) -> MethodFigures:
    generator = QuestionGenerator(engine.chat, settings.questions)
    figures = MethodFigures()
    started = time.perf_counter()
    for question_type in QUESTION_TYPES:
        for difficulty in DIFFICULTIES:
            cell = f"{question_type}/{difficulty}"
            for opinion in opinions:
                ok, model, template, calls = engine.run(
                    ask(generator, opinion, question_type, difficulty, num_questions, settings))
                figures.requests.setdefault(cell, []).append(ok)
                figures.model += model
                figures.template += template
                figures.model_calls += calls
                print(f"{cell} {opinion.name}: {'ok' if ok else '422'} "
                      f"(model {model}, template {template}, calls {calls})", file=sys.stderr, flush=True)
    figures.seconds = time.perf_counter() - started
    return figures


def format_table(figures: MethodFigures) -> str:
    columns = [Column("type/difficulty", 18, "<"), Column("facts", 9, spec=".0%")]
    rows = [[cell, figures.rate(cell)] for cell in figures.requests]
    rows.append(["overall", figures.overall()])
    totals = [Column("method", 8, "<"), Column("model-phrased", 14), Column("template", 9),
              Column("model calls", 12), Column("seconds", 8, spec=".0f")]
    total_rows = [["facts", figures.model, figures.template, figures.model_calls, figures.seconds]]
    return text_table(columns, rows) + "\n\n" + text_table(totals, total_rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.questions", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pdfs", nargs="+", type=Path, default=list(DEFAULT_PDF_DIRS), help="folders of PDFs")
    parser.add_argument("--min-pages", type=int, default=5, help="only opinions of this many pages or more")
    parser.add_argument("--num-questions", type=int, default=5, help="questions asked per request")
    parser.add_argument("--templates-only", action="store_true",
                        help="no model: every question a template's (questions.max_model_calls = 0); starts no engine")
    add_json_option(parser)
    args = parser.parse_args(argv)
    settings = get_settings()
    opinions = read_opinions(args.pdfs, args.min_pages, settings)
    if not opinions:
        print("error: no PDF of enough pages", file=sys.stderr)
        return 1
    if args.templates_only:
        settings = settings.model_copy(update={"questions": settings.questions.model_copy(update={"max_model_calls": 0})})
        engine = NoModel()
    else:
        engine = InProcessEngine(settings)
    try:
        figures = measure(engine, opinions, args.num_questions, settings)
    finally:
        engine.close()
    print(f"{len(opinions)} opinions of {args.min_pages}+ pages ({', '.join(o.name for o in opinions)}); "
          f"{args.num_questions} questions per request; share of requests answered in full (not 422)")
    print(format_table(figures))
    emit_figures({"facts": figures.as_dict()}, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
