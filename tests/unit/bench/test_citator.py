"""bench.citator end to end on its corpus (PDFs built in memory, no services): the figures it
prints, and the baseline it measures beside the citator."""

import json

from bench.citator import main


def test_bench_prints_both_tables_and_writes_its_figures(tmp_path, capsys):
    assert main(["--json", str(tmp_path / "citator.json")]) == 0
    figures = json.loads((tmp_path / "citator.json").read_text())
    assert capsys.readouterr().out.strip().splitlines()[-1] == json.dumps(figures)
    citator, baseline = figures["extraction"]["citator"], figures["extraction"]["baseline"]
    assert citator["authority_recall"] == citator["reference_recall"] == citator["own_recall"] == 1.0
    assert baseline["authority_recall"] < 1.0 and baseline["own_recall"] == 0.0
    # Before the later cases are stored their citations cannot resolve; afterwards they do.
    first, every = figures["resolution"]["citator_first"], figures["resolution"]["citator_all"]
    assert first["resolvable"] < every["resolvable"]
    assert every["resolution_precision"] == every["resolution_recall"] == 1.0


def test_the_report_shows_the_citator_beside_its_baseline(tmp_path):
    from bench.report import citator_rows, BENCHES

    assert main(["--json", str(tmp_path / "citator.json")]) == 0
    rows = citator_rows(json.loads((tmp_path / "citator.json").read_text()))
    by_measurement = {row.measurement: row for row in rows}
    found = by_measurement["cited authorities found (recall)"]
    assert found.value == 1.0 and found.baseline < 1.0 and found.ratio > 1.0
    assert by_measurement["resolution precision"].value == 1.0
    assert "citator" in {spec.name for spec in BENCHES}
