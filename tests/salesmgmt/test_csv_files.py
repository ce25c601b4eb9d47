"""Reading CSV imports (encodings, NUL, quoting, line numbers, limits) and writing exports."""

from __future__ import annotations

import codecs
import csv
import io

import pytest

from salesmgmt.csv_files import (
    ImportRefused,
    ImportResult,
    LineError,
    csv_lines,
    limit_export,
    neutralise,
    read_table,
)
from salesmgmt.errors import DomainError

REQUIRED = ("name", "amount")


def refusal(content: bytes | str, **kwargs) -> list[tuple[int, str]]:
    with pytest.raises(ImportRefused) as caught:
        read_table(content, required=REQUIRED, **kwargs)
    return [(e.line, e.message) for e in caught.value.result.errors]


def test_rows_carry_their_cells_by_header_name_and_the_line_they_start_on():
    table = read_table(
        'name,amount,note\nA,1,"two\nlines"\n\nB,2\nC,3,x,extra\n', required=REQUIRED
    )
    assert table.header == ("name", "amount", "note")
    assert [(r.line, r.values, r.extra_cells) for r in table.rows] == [
        (2, {"name": "A", "amount": "1", "note": "two\nlines"}, False),
        (5, {"name": "B", "amount": "2", "note": ""}, False),  # line 4 is blank
        (6, {"name": "C", "amount": "3", "note": "x"}, True),
    ]


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(codecs.BOM_UTF8 + "name,amount\nÉlise,1\n".encode(), id="utf-8 with BOM"),
        pytest.param("name,amount\nÉlise,1\n".encode(), id="utf-8"),
        pytest.param("name,amount\r\nÉlise,1\r\n".encode("utf-16"), id="utf-16 with BOM"),
        pytest.param("\ufeffname,amount\nÉlise,1\n", id="text with BOM"),
    ],
)
def test_utf8_with_or_without_a_bom_and_utf16_with_one_are_read(content):
    [row] = read_table(content, required=REQUIRED).rows
    assert row.values == {"name": "Élise", "amount": "1"}


def test_other_encodings_are_refused_as_a_whole():
    [(line, message)] = refusal("name,amount\nCafé,1\n".encode("latin-1"))
    assert line == 0
    assert "UTF-8" in message


def test_every_line_with_a_nul_character_is_named():
    errors = refusal("name,amount\nA,1\nB\x00,2\nC,3\nD,\x004\n")
    assert [line for line, _ in errors] == [3, 5]
    assert all("NUL" in message for _, message in errors)


def test_an_unterminated_quote_is_refused_on_the_line_where_it_opens():
    [(line, message)] = refusal('name,amount\nA,1\n"B,2\nC,3\nD,4\n')
    assert line == 3
    assert "never closed" in message


def test_an_unterminated_quote_on_the_last_line_is_refused_too():
    [(line, _message)] = refusal('name,amount\nA,1\nB,"2')
    assert line == 3


def test_text_after_a_closing_quote_is_refused_with_its_line():
    [(line, message)] = refusal('name,amount\nA,1\n"B"x,2\n')
    assert line == 3
    assert "not valid CSV" in message


def test_missing_columns_empty_files_and_files_without_rows_are_refused_on_line_1():
    assert refusal("name,note\nA,x\n") == [(1, "Missing columns: amount")]
    assert refusal("") == [(1, "Missing columns: name, amount")]
    assert refusal("name,amount\n\n") == [(1, "The file has no rows.")]


def test_a_file_beyond_the_row_limit_is_refused_at_the_first_row_too_many():
    assert read_table("name,amount\nA,1\nB,2\n", required=REQUIRED, max_rows=2).rows
    [(line, message)] = refusal("name,amount\nA,1\nB,2\nC,3\n", max_rows=2)
    assert line == 4
    assert "At most 2 rows" in message


def test_a_file_beyond_the_size_limit_is_refused(settings):
    settings.IMPORT_MAX_BYTES = 20
    [(line, message)] = refusal(b"name,amount\n" + b"A,1\n" * 5)
    assert line == 0
    assert "larger than" in message


def test_a_refusal_lists_lines_in_order_and_at_most_500_of_them():
    errors = [LineError(n, "bad") for n in range(900, 0, -1)]
    result = ImportResult.refused(errors)
    assert [e.line for e in result.errors] == list(range(1, 501))
    assert result.error_count == 900
    assert ImportRefused(errors).as_dict()["created"] == 0


# --- writing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+81 3", "'+81 3"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("a = b", "a = b"),
        (None, ""),
        (12, "12"),
    ],
)
def test_cells_a_spreadsheet_would_run_are_neutralised(value, cell):
    assert neutralise(value) == cell


def test_csv_lines_neutralise_header_and_rows_and_quote_as_needed():
    text = "".join(csv_lines(["name", "=note"], [["Ann", 'says "hi", =1']]))
    assert list(csv.reader(io.StringIO(text))) == [["name", "'=note"], ["Ann", 'says "hi", =1']]


@pytest.mark.django_db
def test_an_export_is_refused_beyond_its_row_limit(settings, org, admin, member, teammate):
    from accounts.models import Membership

    members = Membership.objects.for_org(org).order_by("pk")
    settings.EXPORT_MAX_ROWS = 3
    assert len(limit_export(members)) == 3
    settings.EXPORT_MAX_ROWS = 2
    with pytest.raises(DomainError, match="at most 2 rows"):
        limit_export(members)
