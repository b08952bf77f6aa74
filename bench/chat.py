"""Chat quality on questions whose answer is a known sentence of a known page: does the answer
hold the fact, do its citations point at the page, how often does it fall back to extraction,
and how long does it take.

    python -m bench.chat [--limit N] [--scoped] [--pdf-dir DIR] [--questions PATH] [--json PATH]
        [--mongodb-uri URI]

The questions (``bench/data/chat_questions.jsonl``, see ``bench/data/README.md``) were written
from the text of born-digital court opinions; each names its PDF (and sha256), the page, the
gold sentence as LexRay extracts it and a gold fact: the few words a correct answer contains.
The application is deployed as the other HTTP benches deploy it (``bench.deploy``: a fresh local
Ray instance, its own MongoDB-protocol server, the LLM included), the PDFs are uploaded through
``POST /api/v1/ingestion/upload`` and, once indexed, every question is asked through
``POST /api/v1/chat/ask`` over the whole corpus (``--scoped``: again, restricted to the source
case by its court, for the cases whose court no other case shares). Per method:

- ``fact in answer``: share of answers that hold the gold fact (case, quotes, dashes and
  thousands separators normalised);
- ``citation precision``: share of the cited chunks that lie on the gold page of the gold case
  or hold the gold sentence; ``gold cited``: share of answers citing at least one such chunk;
- ``generated`` / ``extracted`` / ``fixed``: the answer kinds (extracted: no generated sentence
  was supported, so the chunks' own best sentences were returned);
- latency p50/p95 of the HTTP request.

Baselines in the same run, without the model, on the chunks the chat itself is given (the
Retrieval deployment's ``passages``, kept as chat keeps them: ``chat.min_relevance``,
``chat.context_passages``): ``top chunk sentence`` answers with the best-matching sentence of
the top chunk, ``evidence (no model)`` with the extraction chat falls back to. ``gold in
context`` is the share of questions whose chunks include a correct one: what no prompt can fix.
The last stdout line is one JSON object with the figures (and every answer, under ``answers``).
"""

from __future__ import annotations

import lexray  # noqa: F401  (first: sets the environment Ray reads when it is imported)

import argparse
import asyncio
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from bench.deploy import deployed_stack
from bench.results import add_json_option, emit_figures
from bench.stats import percentiles_ms
from bench.tables import Column, text_table
from lexray.ids import sha256_hex
from lexray.settings import PROJECT_ROOT, ChatSettings, get_settings

QUESTIONS = PROJECT_ROOT / "bench" / "data" / "chat_questions.jsonl"
PDF_DIR = PROJECT_ROOT / "samples" / "pdfs"
TENANT = "bench"                      # bench.deploy.app_settings' tenant
ANSWER_KINDS = ("generated", "extracted", "fixed")
INDEX_TIMEOUT_S = 900.0
DASHES = re.compile(r"[\u2010-\u2015\u2212-]")
THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
MARKERS = re.compile(r"\[\d+\]")


@dataclass(frozen=True)
class Question:
    id: str
    pdf: str
    sha256: str
    page: int
    question: str
    gold_fact: str
    gold_sentence: str


@dataclass
class Cited:
    """One chunk an answer cites (or a baseline answers from)."""

    case_id: str | None
    pages: list[int]
    char_start: int
    char_end: int


@dataclass
class Result:
    """One question answered by one method."""

    question: Question
    method: str
    answer: str
    cited: list[Cited] = field(default_factory=list)
    kind: str | None = None
    seconds: float | None = None


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    """The questions of a JSON-lines file, in file order."""
    with path.open(encoding="utf-8") as lines:
        return [Question(**json.loads(line)) for line in lines if line.strip()]


def normalized(text: str) -> str:
    """``text`` as answers are compared with gold facts: lower case, straight quotes, dashes as
    spaces, no thousands separators, no [n] markers, whitespace collapsed.

    >>> normalized("The “double‑nudge” cost $2,400 [1].")
    'the "double nudge" cost $2400 .'
    """
    text = MARKERS.sub("", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = THOUSANDS.sub("", DASHES.sub(" ", text.lower()))
    return " ".join(text.split())


def holds_fact(answer: str, fact: str) -> bool:
    """Whether ``answer`` states the gold ``fact`` (both ``normalized``).

    >>> holds_fact("Review is for clear error; the court said clearly erroneous [2].", "clearly erroneous")
    True
    >>> holds_fact("The sentence was 20 years.", "22-year")
    False
    """
    return normalized(fact) in normalized(answer)


def cites_gold(cited: Cited, question: Question, case_id: str, cleaned_content: str) -> bool:
    """Whether a cited chunk is right: it belongs to the gold case and lies on the gold page or
    holds the gold sentence.

    >>> q = Question("q", "a.pdf", "", 2, "?", "22-year", "The State recommended a 22-year sentence.")
    >>> text = "Intro. The State recommended a 22-year sentence. End."
    >>> cites_gold(Cited("c1", [3], 0, len(text)), q, "c1", text)
    True
    >>> cites_gold(Cited("c1", [3], 0, 6), q, "c1", text), cites_gold(Cited("c2", [2], 0, 6), q, "c1", text)
    (False, False)
    """
    if cited.case_id != case_id:
        return False
    if question.page in cited.pages:
        return True
    return normalized(question.gold_sentence) in normalized(cleaned_content[cited.char_start:cited.char_end])


def share(values: Sequence[bool]) -> float | None:
    """The share of true values, rounded; None for none.

    >>> share([True, False, True, True]), share([])
    (0.75, None)
    """
    return round(sum(values) / len(values), 3) if values else None


def method_figures(results: Sequence[Result], cases: dict[str, tuple[str, str]]) -> dict:
    """The figures of one method: ``cases`` maps a PDF name to (case id, cleaned content).

    >>> q = Question("q", "a.pdf", "", 1, "?", "de novo", "Review is de novo.")
    >>> cases = {"a.pdf": ("c1", "Review is de novo. Other text.")}
    >>> rows = [Result(q, "chat", "It is de novo [1].", [Cited("c1", [1], 0, 18)], "generated", 2.0),
    ...         Result(q, "chat", "No idea.", [Cited("c9", [1], 0, 5)], "extracted", 4.0)]
    >>> figures = method_figures(rows, cases)
    >>> figures["fact_in_answer"], figures["citation_precision"], figures["gold_cited"], figures["kinds"]
    (0.5, 0.5, 0.5, {'generated': 0.5, 'extracted': 0.5, 'fixed': 0.0})
    >>> figures["p50_ms"]
    3000.0
    """
    facts, hits, gold_cited = [], [], []
    for result in results:
        case_id, content = cases[result.question.pdf]
        facts.append(holds_fact(result.answer, result.question.gold_fact))
        right = [cites_gold(cited, result.question, case_id, content) for cited in result.cited]
        hits.extend(right)
        gold_cited.append(any(right))
    kinds = Counter(result.kind for result in results if result.kind)
    timed = [result.seconds for result in results if result.seconds is not None]
    return {
        "questions": len(results), "fact_in_answer": share(facts), "citation_precision": share(hits),
        "citations": len(hits), "gold_cited": share(gold_cited),
        "kinds": {kind: round(kinds[kind] / len(results), 3) for kind in ANSWER_KINDS} if kinds else None,
        **percentiles_ms(timed, (50, 95), digits=0),
    }


def format_table(rows: Iterable[tuple[str, str, dict]]) -> str:
    columns = [Column("scope", 8, "<"), Column("method", 22, "<"), Column("n", 4), Column("fact in answer", 15, spec=".3f"),
               Column("cit. precision", 15, spec=".3f"), Column("gold cited", 11, spec=".3f"),
               Column("generated", 10, spec=".2f"), Column("extracted", 10, spec=".2f"), Column("fixed", 6, spec=".2f"),
               Column("p50 ms", 9, spec=",.0f"), Column("p95 ms", 9, spec=",.0f")]
    lines = []
    for scope, method, figures in rows:
        kinds = figures.get("kinds") or {}
        lines.append((scope, method, figures["questions"], figures["fact_in_answer"], figures["citation_precision"],
                      figures["gold_cited"], kinds.get("generated"), kinds.get("extracted"), kinds.get("fixed"),
                      figures.get("p50_ms"), figures.get("p95_ms")))
    return text_table(columns, lines)


def context_passages(candidates: Sequence[dict], chat: ChatSettings) -> list[dict]:
    """The chunks chat keeps of the Retrieval deployment's candidates (``serve_app.chat``):
    those at least ``chat.min_relevance`` similar to the question, at most ``chat.context_passages``.

    >>> chat = ChatSettings(min_relevance=0.3, context_passages=1)
    >>> [p["id"] for p in context_passages([{"id": 1, "relevance": 0.2}, {"id": 2, "relevance": 0.5},
    ...                                     {"id": 3, "relevance": 0.9}], chat)]
    [2]
    """
    return [passage for passage in candidates if passage["relevance"] >= chat.min_relevance][:chat.context_passages]


def baseline_results(question: Question, passages: Sequence[dict]) -> list[Result]:
    """The answers without a model: the top chunk's best-matching sentence, and the extraction
    chat falls back to over all the chunks."""
    from generation.chat import evidence_answer

    def cited(passage: dict) -> Cited:
        return Cited(passage["case_id"], passage["page_numbers"] or [], passage["char_start"], passage["char_end"])

    if not passages:
        return [Result(question, method, "") for method in ("top chunk sentence", "evidence (no model)")]
    top_text, _ = evidence_answer(question.question, [passages[0]["text"]], max_sentences=1)
    text, sources = evidence_answer(question.question, [passage["text"] for passage in passages])
    return [Result(question, "top chunk sentence", top_text, [cited(passages[0])]),
            Result(question, "evidence (no model)", text, [cited(passages[n - 1]) for n in sources])]


async def index_pdfs(client, pdfs: dict[str, bytes]) -> dict[str, dict]:
    """Upload each PDF and wait until it is indexed: its case (with cleaned content) by PDF name."""
    ids = {}
    for name, data in pdfs.items():
        response = await client.post("/api/v1/ingestion/upload", files={"file": (name, data, "application/pdf")})
        response.raise_for_status()
        ids[name] = response.json()["case_id"]
    deadline = time.monotonic() + INDEX_TIMEOUT_S
    pending = set(ids)
    while pending:
        for name in sorted(pending):
            status = (await client.get(f"/api/v1/ingestion/status/{ids[name]}")).json().get("processing_status")
            if status == "failed":
                raise RuntimeError(f"{name} failed to index")
            if status == "indexed":
                pending.discard(name)
        if pending and time.monotonic() > deadline:
            raise RuntimeError(f"not indexed in time: {sorted(pending)}")
        await asyncio.sleep(2)
    cases = {}
    for name, case_id in ids.items():
        response = await client.get(f"/api/v1/retrieval/case/{case_id}", params={"include_content": "true"})
        response.raise_for_status()
        cases[name] = response.json()
    return cases


def scoped_filters(cases: dict[str, dict]) -> dict[str, dict]:
    """A filter per PDF that keeps only its case in this corpus: its court, when no other case
    has it (CaseFilters has no case id).

    >>> scoped_filters({"a": {"metadata": {"court": "X"}}, "b": {"metadata": {"court": "X"}},
    ...                 "c": {"metadata": {"court": "Y"}}, "d": {"metadata": {}}})
    {'c': {'court': 'Y'}}
    """
    courts = Counter((case["metadata"].get("court") or "").lower() for case in cases.values())
    return {name: {"court": case["metadata"]["court"]} for name, case in cases.items()
            if case["metadata"].get("court") and courts[case["metadata"]["court"].lower()] == 1}


async def ask_all(client, retrieval, questions: Sequence[Question], filters: dict[str, dict] | None,
                  chat: ChatSettings) -> tuple[list[Result], list[bool | None]]:
    """Every question through ``/chat/ask`` and the baselines; ``filters`` (by PDF) restricts
    each to its case (questions without one are skipped). Also whether each one's context held a
    correct chunk (None until scored)."""
    from generation.chat import detect_intent, passages_per_case
    from lexray.models import CaseFilters

    results: list[Result] = []
    contexts: list[list[dict]] = []
    for number, question in enumerate(questions, start=1):
        case_filter = {} if filters is None else filters.get(question.pdf)
        if case_filter is None:
            continue
        candidates = await retrieval.passages.remote(question.question, TENANT, CaseFilters(**case_filter),
                                                     limit=2 * chat.context_passages,
                                                     per_case=passages_per_case(detect_intent(question.question), chat))
        passages = context_passages(candidates, chat)
        contexts.append(passages)
        results.extend(baseline_results(question, passages))
        started = time.perf_counter()
        response = await client.post("/api/v1/chat/ask", json={"message": question.question, "filters": case_filter})
        seconds = time.perf_counter() - started
        response.raise_for_status()
        body = response.json()
        results.append(Result(question, "chat", body["answer"],
                              [Cited(c["case_id"], c["pages"], c["char_start"], c["char_end"]) for c in body["citations"]],
                              body["answer_kind"], seconds))
        print(f"  {number}/{len(questions)} {question.id}: {body['answer_kind']}, {seconds:.1f}s", flush=True)
    return results, contexts


def gold_in_context(questions_asked: Sequence[Question], contexts: Sequence[list[dict]],
                    cases: dict[str, tuple[str, str]]) -> float | None:
    """The share of questions whose context chunks include a correct one."""
    found = []
    for question, passages in zip(questions_asked, contexts, strict=True):
        case_id, content = cases[question.pdf]
        found.append(any(cites_gold(Cited(p["case_id"], p["page_numbers"] or [], p["char_start"], p["char_end"]),
                                    question, case_id, content) for p in passages))
    return share(found)


async def bench(settings, api_key: str, questions: Sequence[Question], pdfs: dict[str, bytes], scoped: bool) -> dict:
    import httpx
    from ray import serve

    retrieval = serve.get_deployment_handle("Retrieval", app_name=settings.api.app_name)
    async with httpx.AsyncClient(base_url=f"http://{settings.api.host}:{settings.api.port}",
                                 headers={"Authorization": f"Bearer {api_key}"}, timeout=httpx.Timeout(600.0)) as client:
        started = time.perf_counter()
        stored = await index_pdfs(client, pdfs)
        print(f"indexed {len(stored)} opinions in {time.perf_counter() - started:.0f}s", flush=True)
        cases = {name: (case["case_id"], case["cleaned_content"] or "") for name, case in stored.items()}
        # Warm the route: the first answer loads what the LLM replica loads lazily.
        await client.post("/api/v1/chat/ask", json={"message": "What did the court hold?"})
        scopes = [("corpus", None)] + ([("case", scoped_filters(stored))] if scoped else [])
        figures: dict = {"questions": len(questions), "scopes": {}, "answers": []}
        for scope, filters in scopes:
            print(f"asking {len(questions)} questions ({scope}) ...", flush=True)
            results, contexts = await ask_all(client, retrieval, questions, filters, settings.chat)
            asked = [result.question for result in results if result.method == "chat"]
            methods = {}
            for method in ("chat", "top chunk sentence", "evidence (no model)"):
                methods[method] = method_figures([r for r in results if r.method == method], cases)
            figures["scopes"][scope] = {"methods": methods, "gold_in_context": gold_in_context(asked, contexts, cases)}
            figures["answers"] += [{"scope": scope, "id": r.question.id, "method": r.method, "kind": r.kind,
                                    "fact": holds_fact(r.answer, r.question.gold_fact),
                                    "cited_gold": [cites_gold(c, r.question, *cases[r.question.pdf]) for c in r.cited],
                                    "answer": r.answer} for r in results]
    return figures


def read_pdfs(questions: Sequence[Question], pdf_dir: Path) -> dict[str, bytes]:
    """The PDFs the questions name, each checked against its sha256."""
    pdfs = {}
    for question in questions:
        if question.pdf not in pdfs:
            data = (pdf_dir / question.pdf).read_bytes()
            if sha256_hex(data) != question.sha256:
                raise ValueError(f"{question.pdf} in {pdf_dir} is not the PDF the questions were written from")
            pdfs[question.pdf] = data
    return pdfs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chat", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--pdf-dir", type=Path, default=PDF_DIR, help="where the questions' PDFs are")
    parser.add_argument("--limit", type=int, default=None, help="ask only the first N questions")
    parser.add_argument("--scoped", action="store_true", help="also ask each question restricted to its case")
    parser.add_argument("--mongodb-uri", help="a MongoDB to use (a database of the run's own) instead of "
                                              "a fresh in-memory server")
    add_json_option(parser)
    args = parser.parse_args(argv)
    questions = load_questions(args.questions)[:args.limit]
    if not questions:
        parser.error("no questions")
    pdfs = read_pdfs(questions, args.pdf_dir)

    with ExitStack() as cleanup:
        settings, api_key, _ = deployed_stack(get_settings(), args.mongodb_uri, cleanup, name="chat")
        figures = asyncio.run(bench(settings, api_key, questions, pdfs, args.scoped))
    rows = [(scope, method, values) for scope, found in figures["scopes"].items()
            for method, values in found["methods"].items()]
    print(format_table(rows))
    for scope, found in figures["scopes"].items():
        print(f"{scope}: a correct chunk was among the chat's context for {found['gold_in_context']} of the questions")
    emit_figures(figures, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
