"""Load a retrieval dataset laid out the BEIR way, and count what it holds.

    python -m bench.beir DATASET_DIR [DATASET_DIR ...]

A dataset folder holds ``corpus.jsonl`` or ``corpus.jsonl.xz`` (one ``{"_id", "title", "text"}``
per line), ``queries.jsonl`` or ``queries.jsonl.xz`` (``{"_id", "text"}``) and
``qrels/<split>.tsv`` (``query-id<TAB>corpus-id<TAB>score``, header line optional). Run as a
script it prints, for every split of every folder given, the corpus, query and qrels counts.

>>> dataset = load_beir(Path("tests/data/beir_toy"), "test")
>>> sorted(dataset.queries), dataset.qrels["q1"]
(['q1', 'q2'], {'d1': 2, 'd3': 0})
"""

from __future__ import annotations

import argparse
import json
import lzma
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bench.tables import Column, text_table
from search.evaluation import Qrels

QRELS_HEADER = ("query-id", "corpus-id", "score")


@dataclass(frozen=True)
class BeirDataset:
    """``corpus``: doc id -> {"title", "text"}; ``queries``: query id -> text, only those
    judged in the split; ``qrels``: query id -> doc id -> grade."""

    corpus: dict[str, dict[str, str]]
    queries: dict[str, str]
    qrels: Qrels


def load_beir(dataset_dir: Path, split: str) -> BeirDataset:
    """Read one split of a BEIR-layout folder; queries are kept only if the split judges them.

    Raises FileNotFoundError naming the missing file (or the splits there are), and ValueError
    for a malformed line or a judged query with no text.
    """
    dataset_dir = Path(dataset_dir)
    if not dataset_dir.is_dir():
        raise FileNotFoundError(f"dataset folder not found: {dataset_dir}")
    qrels = read_qrels(qrels_path(dataset_dir, split))
    queries_path = jsonl_path(dataset_dir, "queries")
    all_queries = read_queries(queries_path)
    unknown_query_ids = sorted(set(qrels) - set(all_queries))
    if unknown_query_ids:
        raise ValueError(
            f"{len(unknown_query_ids)} queries judged in split {split!r} have no text in "
            f"{queries_path}: {', '.join(unknown_query_ids[:5])}"
        )
    queries = {query_id: all_queries[query_id] for query_id in qrels}
    corpus = read_corpus(jsonl_path(dataset_dir, "corpus"))
    return BeirDataset(corpus=corpus, queries=queries, qrels=qrels)


def available_splits(dataset_dir: Path) -> list[str]:
    """Split names, from the ``qrels/*.tsv`` file names.

    >>> available_splits(Path("/nonexistent"))
    []
    """
    return sorted(path.stem for path in (Path(dataset_dir) / "qrels").glob("*.tsv"))


def qrels_path(dataset_dir: Path, split: str) -> Path:
    path = Path(dataset_dir) / "qrels" / f"{split}.tsv"
    if not path.is_file():
        splits = available_splits(dataset_dir)
        raise FileNotFoundError(
            f"no qrels for split {split!r}: {path} is missing; "
            f"splits available: {', '.join(splits) if splits else 'none'}"
        )
    return path


def jsonl_path(dataset_dir: Path, stem: str) -> Path:
    """``<stem>.jsonl``, else ``<stem>.jsonl.xz``.

    >>> jsonl_path(Path("/nonexistent"), "corpus")
    Traceback (most recent call last):
    ...
    FileNotFoundError: neither /nonexistent/corpus.jsonl nor /nonexistent/corpus.jsonl.xz exists
    """
    plain = Path(dataset_dir) / f"{stem}.jsonl"
    compressed = Path(dataset_dir) / f"{stem}.jsonl.xz"
    for path in (plain, compressed):
        if path.is_file():
            return path
    raise FileNotFoundError(f"neither {plain} nor {compressed} exists")


def read_corpus(path: Path) -> dict[str, dict[str, str]]:
    """Doc id -> {"title", "text"}; a missing title reads as ""."""
    corpus: dict[str, dict[str, str]] = {}
    for line_number, record in _jsonl_records(path):
        doc_id = _record_id(record, path, line_number)
        if doc_id in corpus:
            raise ValueError(f"{path}:{line_number}: duplicate _id {doc_id!r}")
        corpus[doc_id] = {"title": record.get("title") or "", "text": record.get("text") or ""}
    return corpus


def read_queries(path: Path) -> dict[str, str]:
    """Query id -> text."""
    queries: dict[str, str] = {}
    for line_number, record in _jsonl_records(path):
        queries[_record_id(record, path, line_number)] = record.get("text") or ""
    return queries


def read_qrels(path: Path) -> Qrels:
    """Query id -> doc id -> grade, from a 3-column TSV whose header line is optional."""
    qrels: Qrels = {}
    with open(path, encoding="utf-8-sig") as qrels_file:
        for line_number, line in enumerate(qrels_file, start=1):
            if not line.strip():
                continue
            row = line.rstrip("\r\n").split("\t")
            if line_number == 1 and _is_header(row):
                continue
            if len(row) != 3:
                raise ValueError(f"{path}:{line_number}: expected 3 tab-separated columns, got {len(row)}")
            query_id, doc_id, score = (cell.strip() for cell in row)
            try:
                grade = int(score)
            except ValueError:
                raise ValueError(f"{path}:{line_number}: score {score!r} is not an integer") from None
            qrels.setdefault(query_id, {})[doc_id] = grade
    return qrels


def _is_header(row: list[str]) -> bool:
    """BEIR writes "query-id, corpus-id, score"; any first line whose score is no integer counts."""
    if tuple(cell.strip() for cell in row) == QRELS_HEADER:
        return True
    try:
        int(row[-1])
    except ValueError:
        return True
    return False


def _open_text(path: Path) -> TextIO:
    if path.suffix == ".xz":
        return lzma.open(path, "rt", encoding="utf-8-sig")
    return open(path, encoding="utf-8-sig")


def _jsonl_records(path: Path) -> Iterator[tuple[int, dict]]:
    with _open_text(path) as jsonl_file:
        for line_number, line in enumerate(jsonl_file, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{line_number}: not JSON ({error.msg})") from None
            yield line_number, record


def _record_id(record: dict, path: Path, line_number: int) -> str:
    if not isinstance(record, dict) or "_id" not in record:
        raise ValueError(f"{path}:{line_number}: record has no _id")
    return str(record["_id"])


def split_counts(dataset: BeirDataset) -> dict[str, int]:
    """What one split holds; ``judged docs missing`` counts qrels doc ids not in the corpus."""
    judged_pairs = [(query_id, doc_id) for query_id, grades in dataset.qrels.items() for doc_id in grades]
    return {
        "corpus": len(dataset.corpus),
        "queries": len(dataset.queries),
        "qrels pairs": len(judged_pairs),
        "relevant pairs": sum(1 for grades in dataset.qrels.values() for grade in grades.values() if grade >= 1),
        "judged docs missing": len({doc_id for _, doc_id in judged_pairs} - set(dataset.corpus)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset_dirs", nargs="+", type=Path)
    args = parser.parse_args(argv)
    counted = ["corpus", "queries", "qrels pairs", "relevant pairs", "judged docs missing"]
    columns = [Column("dataset", 28, "<"), Column("split", 8, "<", gap=" "),
               *(Column(name, 19, gap=" ") for name in counted)]
    rows = []
    for dataset_dir in args.dataset_dirs:
        for split in available_splits(dataset_dir):
            counts = split_counts(load_beir(dataset_dir, split))
            rows.append((dataset_dir.name, split, *(counts[name] for name in counted)))
    print(text_table(columns, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
