"""The tables the benches print: fixed-width text (``text_table``) and Markdown (``markdown_table``).

A table is a list of ``Column`` (header, width, alignment, how a value is formatted) and rows of
values, one per column. A value that is ``None`` shows as ``-``, a string as it is, anything else
through the column's format spec and suffix, so a bench passes numbers and says once per column
how they read:

    columns = [Column("measure", 34, "<"), Column("seconds", 9, spec=".2f"),
               Column("vs base", 9, spec=".2f", suffix="x")]
    print(text_table(columns, [(row.label, row.seconds, row.ratio) for row in rows]))

Standard library only: ``bench/gpu_check.py`` uses it on GPU machines that have little else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MISSING = "-"


@dataclass(frozen=True)
class Column:
    """``width``: the least width of the column's cells (a longer cell is not cut); ``align``:
    ``">"`` right or ``"<"`` left; ``spec`` and ``suffix``: how a value that is not a string is
    formatted (``".2f"`` and ``"x"`` for a ratio); ``gap``: text in front of the column in a text
    table (its columns have no separator of their own)."""

    header: str
    width: int = 0
    align: str = ">"
    spec: str = ""
    suffix: str = ""
    gap: str = ""


def cell(value: object, spec: str = "", suffix: str = "") -> str:
    """A value as a table shows it: ``-`` for ``None``, a string as it is, anything else formatted.

    >>> cell(None, ".2f"), cell("n/a", ".2f", "x"), cell(1.23456, ".2f", "x"), cell(-0.02, "+.4f"), cell(7)
    ('-', 'n/a', '1.23x', '-0.0200', '7')
    """
    if value is None:
        return MISSING
    if isinstance(value, str):
        return value
    return f"{value:{spec}}{suffix}"


def text_table(columns: Sequence[Column], rows: Iterable[Sequence[object]]) -> str:
    """A header line and one line per row, each cell padded to its column's width; a row with
    fewer values than columns ends early (nothing pads the columns it lacks).

    >>> columns = [Column("measure", 10, "<"), Column("seconds", 9, spec=".2f"),
    ...            Column("vs base", 9, spec=".2f", suffix="x"), Column("note", gap="  ", align="<")]
    >>> print(text_table(columns, [("flat", 1.5, 1.0, "exact"), ("hnsw", 0.25, None, "graph"), ("all", 1.75)]))
    measure     seconds  vs base  note
    flat           1.50    1.00x  exact
    hnsw           0.25        -  graph
    all            1.75
    """
    lines = [_text_line(columns, [column.header for column in columns])]
    lines += [_text_line(columns, [cell(value, column.spec, column.suffix) for column, value in zip(columns, row)])
              for row in rows]
    return "\n".join(lines)


def markdown_table(columns: Sequence[Column], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown table, each column padded to its longest cell (or its width) so it also reads
    as plain text; right-aligned columns get ``-:`` in the separator line. ``gap`` is not used.

    >>> columns = [Column("area", align="<"), Column("LexRay", spec=",.0f"), Column("ratio", spec=".2f", suffix="x")]
    >>> print(markdown_table(columns, [("search", 1260.4, 0.5), ("extraction", None, 12.0)]))
    | area       | LexRay |  ratio |
    |------------|-------:|-------:|
    | search     |  1,260 |  0.50x |
    | extraction |      - | 12.00x |
    """
    cells = [[column.header for column in columns]]
    cells += [[cell(value, column.spec, column.suffix) for column, value in zip(columns, row)] for row in rows]
    widths = [max([column.width, *(len(row[index]) for row in cells if index < len(row))])
              for index, column in enumerate(columns)]

    def line(row: list[str]) -> str:
        return "| " + " | ".join(_pad(text, column.align, width)
                                 for text, column, width in zip(row, columns, widths)) + " |"

    separator = "|" + "|".join("-" * (width + 1) + ":" if column.align == ">" else "-" * (width + 2)
                               for column, width in zip(columns, widths)) + "|"
    return "\n".join([line(cells[0]), separator, *(line(row) for row in cells[1:])])


def _text_line(columns: Sequence[Column], texts: Sequence[str]) -> str:
    return "".join(column.gap + _pad(text, column.align, column.width) for column, text in zip(columns, texts))


def _pad(text: str, align: str, width: int) -> str:
    return text.rjust(width) if align == ">" else text.ljust(width)
