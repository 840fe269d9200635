"""Reading an uploaded spreadsheet is bounded by limits, not by the file's size or what it says of itself.

A limit is asserted by its message and by how many rows the reader handed out before refusing: a file that
would make the reader walk a million rows is refused after at most `sheet_row_limit()` of them.
"""

import pytest
from django.utils import translation

from fieldloop.core import spreadsheets
from fieldloop.core.errors import ServiceError
from fieldloop.core.spreadsheets import MAX_CELL_CHARS, MAX_COLUMNS, read_rows, sheet_row_limit

from . import hostile_files as hostile


def refusal(filename: str, content: bytes) -> tuple[int, str]:
    """(rows handed out before the refusal, the message on `file`)."""
    count = 0
    with pytest.raises(ServiceError) as raised:
        for _row in read_rows(filename=filename, content=content):
            count += 1
    assert list(raised.value.fields) == ["file"]
    return count, str(raised.value.fields["file"][0])


ROWS_MESSAGE = "The sheet has more than 11000 rows, counting blank ones"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_the_issues_sparse_file_is_refused_by_its_declared_dimension_before_any_row():
    content = hostile.sparse_xfd()
    assert len(content) < 10_000  # small on the wire
    count, message = refusal("sparse.xlsx", content)
    assert count == 0
    assert message.startswith(ROWS_MESSAGE)


def test_a_far_column_is_refused_by_the_declared_dimension():
    count, message = refusal("wide.xlsx", hostile.xlsx_with_openpyxl([hostile.HEADER, hostile.ROW], "XFD2"))
    assert count == 0
    assert message == (
        f"The sheet has more than {MAX_COLUMNS} columns (the last is IV); delete the columns you do not import."
    )


def test_a_declared_area_beyond_the_cell_limit_is_refused_before_any_row():
    count, message = refusal("area.xlsx", hostile.xlsx_with_openpyxl([hostile.HEADER], "IV5000"))  # 1,280,000 cells
    assert count == 0
    assert message == "The sheet has more than 1000000 cells; split it."


@pytest.mark.parametrize("build", [hostile.undeclared_far_row, hostile.lying_dimension])
def test_a_sheet_without_or_lying_about_its_dimension_is_read_no_further_than_the_row_limit(build):
    count, message = refusal("far.xlsx", build())
    assert count == sheet_row_limit()  # not 1,000,000
    assert message.startswith(ROWS_MESSAGE)


def test_a_dimension_that_says_less_than_the_sheet_holds_loses_no_row_or_column():
    cells = {"A1": "名称", "A2": "甲", "A3": "乙", "C3": "第三列", "A40": "丙"}
    rows = list(read_rows(filename="small.xlsx", content=hostile.xlsx_by_hand(cells, dimension="A1:A1")))
    assert rows[0] == ["名称"]
    assert rows[2] == ["乙", "", "第三列"]
    assert rows[39] == ["丙"]
    assert len(rows) == 40


def test_blank_rows_count_towards_the_row_limit_in_a_csv(monkeypatch):
    monkeypatch.setattr(spreadsheets, "ROW_SLACK", 5)
    monkeypatch.setattr(spreadsheets, "MAX_ROWS", 5)
    content = b"name\n" + b"\n" * 20 + b"x\n"
    count, message = refusal("blank.csv", content)
    assert count == 10
    assert message.startswith("The sheet has more than 10 rows, counting blank ones")


def test_a_zip_bomb_is_refused_from_its_declared_sizes_before_it_is_inflated():
    content = hostile.zip_bomb()
    assert len(content) < 200_000
    count, message = refusal("bomb.xlsx", content)
    assert count == 0
    assert message == "Unpacked, the file would be larger than 64 MB; split it."


def test_a_csv_field_beyond_the_csv_modules_limit_names_the_row():
    count, message = refusal("field.csv", hostile.csv_huge_field())
    assert count == 1
    assert message == f"Row 2 has a cell of more than {MAX_CELL_CHARS} characters."


def test_a_cell_longer_than_excels_limit_is_refused_in_both_formats():
    long = "长" * (MAX_CELL_CHARS + 1)
    assert refusal("long.csv", hostile.csv_of([["名称"], ["甲"], [long]]))[1] == (
        f"Row 3 has a cell of more than {MAX_CELL_CHARS} characters."
    )
    assert refusal("long.xlsx", hostile.xlsx_by_hand({"A1": "名称", "A2": long}, dimension="A1:A2"))[1] == (
        f"Row 2 has a cell of more than {MAX_CELL_CHARS} characters."
    )


def test_a_csv_row_of_100000_columns_is_refused_and_trailing_empty_cells_are_not_columns():
    assert refusal("columns.csv", hostile.csv_many_columns())[1].startswith(
        f"The sheet has more than {MAX_COLUMNS} columns"
    )
    rows = list(read_rows(filename="commas.csv", content=b"name" + b"," * 1000 + b"\n\xe7\x94\xb2,,,\n"))
    assert rows == [["name"], ["甲"]]


def test_the_cell_limit_counts_cells_up_to_each_rows_last_one(monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_CELLS", 100)
    content = hostile.csv_of([["名称", *[""] * 48, "尾"], ["甲", *[""] * 48, "尾"], ["乙"]])
    count, message = refusal("cells.csv", content)
    assert count == 2  # 50 + 50 cells were fine, the third row's one is one too many
    assert message == "The sheet has more than 100 cells; split it."


def test_a_nul_in_a_cell_is_refused_with_its_row():
    assert refusal("nul.csv", hostile.csv_nul())[1] == (
        "Row 2 holds an invisible control character (such as NUL); remove it."
    )


def test_formulas_and_markup_are_read_as_plain_text():
    rows = list(read_rows(filename="f.csv", content=hostile.csv_formulas()))
    assert [row[0] for row in rows[1:]] == [f"{formula}公司" for formula in hostile.FORMULAS]
    assert list(read_rows(filename="h.csv", content=hostile.csv_html_name()))[1] == [hostile.HTML_NAME]
