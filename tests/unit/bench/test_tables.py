"""bench/tables.py: fixed-width and Markdown tables, missing values, cells wider than their column."""

from __future__ import annotations


from bench.tables import Column, markdown_table, text_table


def test_text_table_pads_each_column_and_keeps_a_wide_cell_whole():
    columns = [Column("name", 6, "<"), Column("n", 4), Column("ratio", 8, spec=".2f", suffix="x", gap="  ")]
    lines = text_table(columns, [("short", 1, 0.5), ("much longer", 12345, None)]).splitlines()
    assert lines == ["name     n     ratio",
                     "short    1     0.50x",
                     "much longer12345         -"]


def test_a_string_cell_is_shown_as_it_is():
    columns = [Column("ratio", 6, spec=".2f", suffix="x")]
    assert text_table(columns, [("",), ("n/a",), (2,)]).splitlines() == [" ratio", "      ", "   n/a", " 2.00x"]


def test_markdown_table_lines_are_equally_long_and_mark_right_aligned_columns():
    columns = [Column("area", align="<"), Column("value", spec=",.0f"), Column("command", align="<")]
    lines = markdown_table(columns, [("search", 12345.6, "`python -m bench.search_latency`"),
                                     ("llm", None, "")]).splitlines()
    assert len({len(line) for line in lines}) == 1
    assert lines[1] == "|--------|-------:|----------------------------------|"
    assert lines[2] == "| search | 12,346 | `python -m bench.search_latency` |"
    assert lines[3] == "| llm    |      - |                                  |"


def test_a_columns_width_is_the_least_width_of_a_markdown_column():
    assert markdown_table([Column("a", 5)], [("b",)]).splitlines() == ["|     a |", "|------:|", "|     b |"]
