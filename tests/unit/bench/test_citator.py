"""bench.citator end to end on its corpus (PDFs built in memory, no services): the figures it
prints, and the baseline it measures beside the citator. The bench runs once for the module."""

import contextlib
import io
import json

import pytest

from bench.citator import main


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    """(exit status, what it printed, the figures it wrote) of one run of the bench."""
    figures_path = tmp_path_factory.mktemp("citator") / "citator.json"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        status = main(["--json", str(figures_path)])
    return status, printed.getvalue(), json.loads(figures_path.read_text())


def test_bench_prints_both_tables_and_writes_its_figures(bench_run):
    status, printed, figures = bench_run
    assert status == 0
    assert printed.strip().splitlines()[-1] == json.dumps(figures)
    citator, baseline = figures["extraction"]["citator"], figures["extraction"]["baseline"]
    assert citator["authority_recall"] == citator["reference_recall"] == citator["own_recall"] == 1.0
    assert baseline["authority_recall"] < 1.0 and baseline["own_recall"] == 0.0
    # Before the later cases are stored their citations cannot resolve; afterwards they do.
    first, every = figures["resolution"]["citator_first"], figures["resolution"]["citator_all"]
    assert first["resolvable"] < every["resolvable"]
    assert every["resolution_precision"] == every["resolution_recall"] == 1.0


def test_the_report_shows_the_citator_beside_its_baseline(bench_run):
    from bench.report import citator_rows, BENCHES

    status, _, figures = bench_run
    assert status == 0
    rows = citator_rows(figures)
    by_measurement = {row.measurement: row for row in rows}
    found = by_measurement["cited authorities found (recall)"]
    assert found.value == 1.0 and found.baseline < 1.0 and found.ratio > 1.0
    assert by_measurement["resolution precision"].value == 1.0
    assert "citator" in {spec.name for spec in BENCHES}
