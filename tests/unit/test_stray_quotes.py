"""A stray quotation mark in a CSV: the rows it swallows into one cell are an error, not a
shorter table (found by the fuzz work of issue 17; before, the file read with rows missing)."""

import pytest

from kiap_analysis.core.errors import InputError
from kiap_analysis.ingest.tables import read_text_table


def _read(tmp_path, text: str):
    path = tmp_path / "svar.csv"
    path.write_text(text, encoding="utf-8")
    return read_text_table(path, "svar.csv")


def test_a_quote_never_closed_is_an_error(tmp_path):
    with pytest.raises(InputError) as caught:
        _read(tmp_path, 'q1;q2\n"Enig;x\nGodt;y\nGodt;z\n')
    message = str(caught.value)
    assert message.startswith("svar.csv: a quotation mark opens a cell and is never closed")
    assert "find the stray quotation mark" in message


def test_a_quote_closed_rows_later_is_an_error_naming_the_row(tmp_path):
    # Five columns wide: the cell opened in data row 1 holds line "2;Godt;y;1;0" (five cells).
    text = 'id;q1;q2;q3;q4\n1;"Enig;x;1;0\n2;Godt;y;1;0\n3;Godt";z;1;0\n4;A;b;1;0\n'
    with pytest.raises(InputError) as caught:
        _read(tmp_path, text)
    problem = caught.value.problems[0]
    assert problem.row == 2  # the spreadsheet's row 2: the first data row, where the quote opens
    assert "1 lines that look like rows of their own" in problem.message


def test_narrow_tables_need_two_row_like_lines(tmp_path):
    # Three columns: one line of free text with two semicolons is kept as the answer it is ...
    table = _read(tmp_path, 'id;q1;q2\n1;"ring; skriv; mød op\nhvis muligt";x\n2;A;b\n')
    assert table.cells.shape == (3, 3)
    assert table.cells.iloc[1, 1] == "ring; skriv; mød op\nhvis muligt"
    # ... two such lines are rows swallowed by a quote.
    with pytest.raises(InputError, match="2 lines that look like rows"):
        _read(tmp_path, 'id;q1;q2\n1;"Enig;x\n2;Godt;y\n3;Godt;y\n4;A";b\n')


def test_quotes_that_are_text_are_kept(tmp_path):
    table = _read(tmp_path, 'id;q1;q2\n1;5" skærm;x\n2;"sagde ""ja""";y\n')
    assert table.cells.iloc[1, 1] == '5" skærm'
    assert table.cells.iloc[2, 1] == 'sagde "ja"'
