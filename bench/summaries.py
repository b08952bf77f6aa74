"""ROUGE of summaries against reference summaries: the lead-N baseline and each method, same run.

    python -m bench.summaries --dataset FILE [--methods textrank,lexrank,...] [--limit N] [--subset even|odd]

FILE is ``.jsonl`` or ``.jsonl.xz``, one ``{"id", "judgement", "summary"}`` per line. For each
record N is the reference summary's word count; every method gets the same budget of N words
(its output is cut to its first N words, so no method gains recall by running long), and lead-N
is the judgement's first N words. Prints ROUGE-1/2/L F1 (stemmed; mean over records) per
method with its gain over lead-N, NumPrec and NEPrec (the share of the numbers, and of the names,
parties, provisions and case citations, of a method's summaries that are in the judgement: counts
added over the records, as ``generation.summary_checks.fact_precision`` defines them; "-" when a
method's summaries hold none), and as its last line one JSON object
``{"lead_n": {"rouge1", "rouge2", "rougeL", "num_prec", "ne_prec"}, "<method>": {...}, ...}``.

A method is a callable ``(record, n_words) -> summary text`` in ``SUMMARIZERS``; one with a
``prepare()`` is prepared before the clock starts and ``close()``d after. ``abstractive`` is the
API's map-reduce summarizer (``generation.summaries``) on a vLLM engine started in this process,
only when ``--methods`` names it (minutes per record on CPUs: use ``--limit``);
``abstractive_unchecked`` is the same with ``summaries.check_facts`` off, on the same engine (the
summary before the fact check, measured in the same run).

>>> first_words("The appeal is  dismissed with costs.", 3)
'The appeal is'
"""

from __future__ import annotations

import argparse
import asyncio
import json
import lzma
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TextIO

from bench.results import add_json_option, emit_figures
from bench.tables import Column, text_table
from generation.extractive import DEFAULT_METHOD, summarize
from generation.rouge import ROUGE_TYPES, mean_scores, rouge_f1
from generation.summaries import MapReduceSummarizer, SummaryGenerationError
from generation.summary_checks import FactPrecision, SourceFacts, fact_precision, source_facts, total_precision
from lexray.settings import get_settings
from lexray.summary_options import MAX_SUMMARY_WORDS
from pipelines.sections import detect_sections

BASELINE = "lead_n"


class DatasetError(ValueError):
    """The dataset file cannot be read or a record lacks what the bench needs."""


@dataclass(frozen=True)
class SummaryRecord:
    id: str
    judgement: str
    summary: str  # the reference

    @property
    def n_words(self) -> int:
        return len(self.summary.split())


Summarizer = Callable[[SummaryRecord, int], str]


def first_words(text: str, n_words: int) -> str:
    return " ".join(text.split()[:n_words])


def lead_n(record: SummaryRecord, n_words: int) -> str:
    return first_words(record.judgement, n_words)


def extractive(record: SummaryRecord, n_words: int, *, extractive_update: Mapping | None = None, **options) -> str:
    """``summarize`` as configured (extractive.*, summaries.max_graph_sentences), with
    ``extractive_update`` replacing some of the ``extractive`` settings (an ablation)."""
    settings = get_settings()
    extractive_settings = settings.extractive.model_copy(update=dict(extractive_update or {}))
    return summarize(record.judgement, length=n_words, max_graph_sentences=settings.summaries.max_graph_sentences,
                     settings=extractive_settings, **options).text


class InProcessAbstractive:
    """Abstractive summaries by ``MapReduceSummarizer`` on a ``GenerationEngine`` in this process.

    The engine (vLLM's async engine) runs on an event loop in a background thread, started by
    ``prepare`` (or the first call). A record the model gives nothing usable for scores 0.
    ``check_facts`` overrides ``summaries.check_facts``; one made with ``shares_engine_with``
    runs on the other's engine (and closes it).
    """

    def __init__(self, *, check_facts: bool = True, shares_engine_with: InProcessAbstractive | None = None) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.engine = None
        self.failures = 0
        self.check_facts = check_facts
        self.host = shares_engine_with

    def prepare(self) -> None:
        if self.host is not None:
            self.host.prepare()
            self.loop, self.engine = self.host.loop, self.host.engine
            return
        if self.engine is not None:
            return
        os.environ.setdefault("VLLM_LOGGING_LEVEL", "WARNING")  # its INFO lines go to stdout
        from generation.engine import GenerationEngine

        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, name="bench-llm", daemon=True).start()
        settings = get_settings()

        async def start():
            return GenerationEngine.start(settings)

        self.engine = self._run(start())

    def __call__(self, record: SummaryRecord, n_words: int) -> str:
        self.prepare()
        settings = get_settings()
        sample = record.judgement[:settings.summaries.calibration_chars]
        summarizer = MapReduceSummarizer(
            self._generate, context_tokens=self.engine.llm.max_model_len,
            chars_per_token=len(sample) / max(self.engine.count_tokens(sample), 1),
            settings=settings.summaries.model_copy(update={"check_facts": self.check_facts}),
            extractive_settings=settings.extractive)
        sections = detect_sections(record.judgement, [])
        try:
            summary = self._run(summarizer.summarize(
                record.judgement, length=min(n_words, MAX_SUMMARY_WORDS), sections=sections))
        except SummaryGenerationError:
            self.failures += 1
            return ""
        return summary.text

    def close(self) -> None:
        if self.host is not None:
            self.host.close()
            self.loop, self.engine = None, None
            return
        if self.engine is not None:
            self.engine.shutdown()
            self.engine = None
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.loop = None

    async def _generate(self, messages: list[dict[str, str]], params: dict) -> dict:
        return (await self.engine.generate(messages, params)).as_dict()

    def _run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()


# Ablations are named after what they change from the two rankers as shipped.
SUMMARIZERS: dict[str, Summarizer] = {
    BASELINE: lead_n,
    "textrank": partial(extractive, method="textrank"),
    "lexrank": partial(extractive, method="lexrank"),
    "textrank_keep_header": partial(extractive, method="textrank", skip_header=False),
    "lexrank_keep_header": partial(extractive, method="lexrank", skip_header=False),
    "textrank_late_bias": partial(extractive, method="textrank", position_bias=3.0),
    "lexrank_late_bias": partial(extractive, method="lexrank", position_bias=3.0),
    "lexrank_early_bias": partial(extractive, method="lexrank", position_bias=-3.0),
    "lexrank_mmr": partial(extractive, method="lexrank_mmr"),
    "sectioned": partial(extractive, method="sectioned"),
    "sectioned_no_mmr": partial(extractive, method="sectioned", extractive_update={"redundancy": 0.0}),
    "abstractive": InProcessAbstractive(),
}
SUMMARIZERS["abstractive_unchecked"] = InProcessAbstractive(check_facts=False,
                                                            shares_engine_with=SUMMARIZERS["abstractive"])
DEFAULT_METHODS = ("textrank", "lexrank", "lexrank_mmr", "sectioned")
SUBSETS = ("all", "even", "odd")


def read_records(path: Path, limit: int | None = None) -> list[SummaryRecord]:
    """Records of a ``.jsonl`` / ``.jsonl.xz`` file; DatasetError names the file and line.

    >>> read_records(Path("/nonexistent.jsonl"))
    Traceback (most recent call last):
    ...
    bench.summaries.DatasetError: cannot read /nonexistent.jsonl: No such file or directory
    """
    records = []
    try:
        with _open_text(path) as dataset_file:
            for line_number, record in _jsonl_records(dataset_file, path):
                records.append(_summary_record(record, path, line_number))
                if limit is not None and len(records) >= limit:
                    break
    except (OSError, EOFError, lzma.LZMAError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        raise DatasetError(f"cannot read {path}: {reason}") from None
    if not records:
        raise DatasetError(f"{path} holds no records")
    return records


def subset_records(records: list[SummaryRecord], subset: str) -> list[SummaryRecord]:
    """All records, or every other one from the first (``even``) or the second (``odd``).

    >>> [record.id for record in subset_records([SummaryRecord(str(i), "j", "s") for i in range(5)], "odd")]
    ['1', '3']
    """
    return records if subset == "all" else records[SUBSETS.index(subset) - 1::2]


def score_methods(
    records: list[SummaryRecord], summarizers: Mapping[str, Summarizer]
) -> tuple[dict[str, dict[str, float | None]], dict[str, float]]:
    """Mean ROUGE F1, NumPrec and NEPrec per method, and mean seconds per record spent summarizing."""
    scores, seconds = {}, {}
    sources: dict[int, SourceFacts] = {}
    for name, summarizer in summarizers.items():
        per_record, facts, elapsed = [], [], 0.0
        for index, record in enumerate(records):
            started = time.perf_counter()
            candidate = first_words(summarizer(record, record.n_words), record.n_words)
            elapsed += time.perf_counter() - started
            per_record.append(rouge_f1(record.summary, candidate))
            if index not in sources:
                sources[index] = source_facts(record.judgement)
            facts.append(fact_precision(candidate, sources[index]))
        scores[name] = {**mean_scores(per_record), **fact_scores(total_precision(facts))}
        seconds[name] = elapsed / len(records)
    return scores, seconds


def fact_scores(counts: FactPrecision) -> dict[str, float | None]:
    """NumPrec and NEPrec of a method's summaries (None: they hold no number / entity).

    >>> fact_scores(FactPrecision(numbers=4, supported_numbers=3))
    {'num_prec': 0.75, 'ne_prec': None}
    """
    return {"num_prec": counts.num_prec, "ne_prec": counts.ne_prec}


def format_table(scores: dict[str, dict[str, float | None]], seconds: dict[str, float]) -> str:
    """One row per method: ROUGE F1, the gain over lead-N in ROUGE-2 and -L, NumPrec, NEPrec, seconds/record."""
    baseline = scores[BASELINE]
    columns = [Column("method", 22, "<"), *(Column(name, 9, spec=".4f") for name in ROUGE_TYPES),
               Column("dR-2", 9, spec="+.4f"), Column("dR-L", 9, spec="+.4f"), Column("NumPrec", 9, spec=".3f"),
               Column("NEPrec", 9, spec=".3f"), Column("s/record", 10, spec=".3f")]
    return text_table(columns, [(name, *(method_scores[rouge_type] for rouge_type in ROUGE_TYPES),
                                 method_scores["rouge2"] - baseline["rouge2"],
                                 method_scores["rougeL"] - baseline["rougeL"], method_scores.get("num_prec"),
                                 method_scores.get("ne_prec"), seconds[name])
                                for name, method_scores in scores.items()])


def main(argv: list[str] | None = None, summarizers: Mapping[str, Summarizer] | None = None) -> int:
    summarizers = SUMMARIZERS if summarizers is None else summarizers
    parser = argparse.ArgumentParser(prog="python -m bench.summaries", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", required=True, type=Path, help=".jsonl or .jsonl.xz of {id, judgement, summary}")
    parser.add_argument("--methods", default=",".join(DEFAULT_METHODS),
                        help=f"comma-separated, of: {', '.join(name for name in summarizers if name != BASELINE)}"
                             f" ({BASELINE} always runs)")
    parser.add_argument("--limit", type=int, default=None, help="score only the first N records")
    parser.add_argument("--subset", choices=SUBSETS, default="all",
                        help="score every record, or only the even (0, 2, ...) or odd ones: a parameter chosen "
                             "on one half is checked on the other")
    add_json_option(parser)
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.methods.split(",") if name.strip() and name.strip() != BASELINE]
    unknown = [name for name in names if name not in summarizers]
    if unknown:
        parser.error(f"unknown method(s) {', '.join(unknown)}; known: {', '.join(summarizers)}")
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    try:
        records = read_records(args.dataset, args.limit)
    except DatasetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    records = subset_records(records, args.subset)

    selected = {BASELINE: summarizers.get(BASELINE, lead_n), **{name: summarizers[name] for name in names}}
    for summarizer in selected.values():
        getattr(summarizer, "prepare", lambda: None)()
    try:
        scores, seconds = score_methods(records, selected)
    finally:
        for summarizer in selected.values():
            getattr(summarizer, "close", lambda: None)()
    half = "" if args.subset == "all" else f" ({args.subset} half)"
    print(f"{args.dataset.name}{half}: {len(records)} records, budget = reference length "
          f"(mean {sum(record.n_words for record in records) / len(records):.0f} words); "
          f"ROUGE F1, stemmed; extractive default: {DEFAULT_METHOD}")
    print(format_table(scores, seconds))
    emit_figures(scores, args.json)
    return 0


def _open_text(path: Path) -> TextIO:
    if path.suffix == ".xz":
        return lzma.open(path, "rt", encoding="utf-8-sig")
    return open(path, encoding="utf-8-sig")


def _jsonl_records(dataset_file: TextIO, path: Path) -> Iterator[tuple[int, object]]:
    for line_number, line in enumerate(dataset_file, start=1):
        if not line.strip():
            continue
        try:
            yield line_number, json.loads(line)
        except json.JSONDecodeError as error:
            raise DatasetError(f"{path}:{line_number}: not JSON ({error.msg})") from None


def _summary_record(record: object, path: Path, line_number: int) -> SummaryRecord:
    if not isinstance(record, dict):
        raise DatasetError(f"{path}:{line_number}: a record must be a JSON object")
    missing = [field for field in ("id", "judgement", "summary") if field not in record]
    if missing:
        raise DatasetError(f"{path}:{line_number}: record has no {', '.join(missing)}")
    for field in ("judgement", "summary"):
        if not isinstance(record[field], str):
            raise DatasetError(f"{path}:{line_number}: {field} must be a string")
    if not record["summary"].split():
        raise DatasetError(f"{path}:{line_number}: summary is empty, so there is no word budget")
    return SummaryRecord(id=str(record["id"]), judgement=record["judgement"], summary=record["summary"])


if __name__ == "__main__":
    sys.exit(main())
