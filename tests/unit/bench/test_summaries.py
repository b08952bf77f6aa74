import json
import lzma
import subprocess
import sys
from pathlib import Path

import pytest

from bench.summaries import BASELINE, DEFAULT_METHODS, SUMMARIZERS, first_words, main

PROJECT_ROOT = Path(__file__).resolve().parents[3]
TOY_DATASET = PROJECT_ROOT / "tests" / "data" / "summaries" / "toy.jsonl"
ROUGE_KEYS = {"rouge1", "rouge2", "rougeL"}
FACT_KEYS = {"num_prec", "ne_prec"}  # None when a method's summaries hold no number / entity


def run_bench(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bench.summaries", *args],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
    )


def last_json_line(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def assert_scores_in_range(results: dict) -> None:
    for scores in results.values():
        assert set(scores) == ROUGE_KEYS | FACT_KEYS
        assert all(isinstance(value, float) and 0.0 <= value <= 1.0 for key, value in scores.items()
                   if key in ROUGE_KEYS or value is not None)


def test_bench_prints_a_table_and_ends_with_one_json_line():
    completed = run_bench("--dataset", str(TOY_DATASET))
    assert completed.returncode == 0, completed.stderr
    results = last_json_line(completed.stdout)
    assert list(results) == [BASELINE, *DEFAULT_METHODS]
    assert_scores_in_range(results)
    assert "rouge2" in completed.stdout.splitlines()[1]  # the table header, before the JSON line
    # On these toy cases the reference paraphrases the holding, not the header: lead-N loses.
    for method in DEFAULT_METHODS:
        assert results[method]["rouge2"] > results[BASELINE]["rouge2"]


def test_missing_file_and_missing_field_exit_non_zero_with_a_clear_message(tmp_path):
    missing = run_bench("--dataset", str(tmp_path / "missing.jsonl"))
    assert missing.returncode == 1
    assert "cannot read" in missing.stderr and "missing.jsonl" in missing.stderr
    no_summary = tmp_path / "no_summary.jsonl"
    no_summary.write_text('{"id": "a", "judgement": "The appeal fails."}\n')
    completed = run_bench("--dataset", str(no_summary))
    assert completed.returncode == 1
    assert f"{no_summary}:1: record has no summary" in completed.stderr
    assert "Traceback" not in missing.stderr + completed.stderr


# The cases below call main() in this process: each subprocess pays seconds of imports.
def test_bench_reads_xz_and_honours_methods_and_limit(tmp_path, capsys):
    compressed = tmp_path / "toy.jsonl.xz"
    with lzma.open(compressed, "wt", encoding="utf-8") as out:
        out.write(TOY_DATASET.read_text())
    assert main(["--dataset", str(compressed), "--methods", "lexrank", "--limit", "1"]) == 0
    stdout = capsys.readouterr().out
    results = last_json_line(stdout)
    assert list(results) == [BASELINE, "lexrank"]
    assert_scores_in_range(results)
    assert "1 records" in stdout


@pytest.mark.parametrize("content, message", [
    ('{"id": "a", "judgement": "The appeal fails.", "summary": "   "}\n', "1: summary is empty"),
    ('{"id": "a", "judgement": 5, "summary": "Fails."}\n', "1: judgement must be a string"),
    ('\n["a list"]\n', "2: a record must be a JSON object"),
    ("this is not json\n", "1: not JSON"),
    ("", "holds no records"),
])
def test_bad_records_exit_non_zero_with_a_clear_message(tmp_path, capsys, content, message):
    dataset = tmp_path / "bad.jsonl"
    dataset.write_text(content)
    assert main(["--dataset", str(dataset)]) == 1
    stderr = capsys.readouterr().err
    assert message in stderr and str(dataset) in stderr


def test_corrupt_xz_exits_non_zero(tmp_path, capsys):
    corrupt = tmp_path / "corrupt.jsonl.xz"
    corrupt.write_bytes(b"not xz at all")
    assert main(["--dataset", str(corrupt)]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_unknown_method_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--dataset", str(TOY_DATASET), "--methods", "lexrank,oracle"])
    assert exited.value.code == 2 and "oracle" in capsys.readouterr().err


def test_another_method_plugs_in_through_the_registry(capsys):
    calls = []

    def abstractive(record, n_words):
        calls.append(n_words)
        return "The appeal was dismissed. " * n_words  # over budget: the bench cuts it to n_words

    code = main(["--dataset", str(TOY_DATASET), "--methods", "abstractive"],
                summarizers={**SUMMARIZERS, "abstractive": abstractive})
    assert code == 0
    results = last_json_line(capsys.readouterr().out)
    assert list(results) == [BASELINE, "abstractive"]
    assert_scores_in_range(results)
    reference_lengths = [len(json.loads(line)["summary"].split()) for line in TOY_DATASET.read_text().splitlines()]
    assert calls == reference_lengths


def test_first_words_cuts_on_whitespace():
    assert first_words("a  b\nc d", 3) == "a b c"
    assert first_words("a b", 10) == "a b"
