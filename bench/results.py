"""How a benchmark hands back its figures: the JSON object it prints as its last stdout line,
also written to ``--json PATH`` when asked, so ``bench.report`` reads a file instead of
scraping stdout (where Ray or vLLM may log after the bench).

    parser = argparse.ArgumentParser()
    add_json_option(parser)
    args = parser.parse_args()
    ...
    emit_figures(figures, args.json)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", type=Path, default=None, metavar="PATH",
                        help="also write the figures (the last stdout line) to PATH")


def emit_figures(figures: dict, json_path: Path | None) -> None:
    """Print ``figures`` as one JSON line and write the same line to ``json_path`` when given.

    >>> emit_figures({"pages_per_s": 1.5}, None)
    {"pages_per_s": 1.5}
    """
    line = json.dumps(figures)
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(line + "\n", encoding="utf-8")
    print(line, flush=True)


def read_figures(json_path: Path) -> dict | None:
    """The figures a bench wrote to ``json_path``; None when it wrote none (or not JSON)."""
    try:
        figures = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return figures if isinstance(figures, dict) else None
