"""Hostile spreadsheets, built in the test: small files that cost a naive reader minutes or gigabytes.

Shared by core/tests/test_spreadsheets.py, the import tests and tests/test_hostile_input.py's walk of every
route that takes an uploaded spreadsheet.
"""

import csv
import functools
import io
import zipfile
from collections.abc import Callable

from openpyxl import Workbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)

Cells = dict[str, str]  # "A1" -> text


def _row_of(reference: str) -> int:
    return int("".join(c for c in reference if c.isdigit()))


def xlsx_by_hand(cells: Cells, *, dimension: str | None, padding: int = 0) -> bytes:
    """An .xlsx written without openpyxl, so its `<dimension ref>` says what we like (or is left out);
    `padding` bytes of blank space inside the sheet's XML (they deflate to almost nothing)."""
    rows: dict[int, list[str]] = {}
    for reference, text in cells.items():
        rows.setdefault(_row_of(reference), []).append(f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'.encode())
            if dimension:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>")
            chunk = b" " * (1024 * 1024)
            for _ in range(padding // len(chunk)):
                sheet.write(chunk)
            for number in sorted(rows):
                sheet.write(f'<row r="{number}">{"".join(rows[number])}</row>'.encode())
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def xlsx_with_openpyxl(rows: list[list[str]], far_cell: str) -> bytes:
    """The issue's file: the rows, and one cell far away (`XFD1000000`); openpyxl declares the dimension
    up to that cell, as Excel does."""
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    for row in rows:
        sheet.append(row)
    sheet[far_cell] = "x"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_of(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


# The header and a data row every import understands: the customer import's `名称` and the registry's two
# required columns (the registry's credit code is checked, the customer import ignores the column).
HEADER = ["名称", "统一社会信用代码"]
ROW = ["上海精工机械有限公司", "91310115MA1K000011"]


@functools.cache
def sparse_xfd() -> bytes:
    return xlsx_with_openpyxl([HEADER, ROW], "XFD1000000")


@functools.cache
def undeclared_far_row() -> bytes:
    """No dimension at all, and a cell at XFD1000000: only counting rows while reading bounds it."""
    return xlsx_by_hand(
        {"A1": HEADER[0], "B1": HEADER[1], "A2": ROW[0], "B2": ROW[1], "XFD1000000": "x"}, dimension=None
    )


@functools.cache
def lying_dimension() -> bytes:
    """A dimension of A1:B2 while a cell sits at XFD1000000."""
    cells = {"A1": HEADER[0], "B1": HEADER[1], "A2": ROW[0], "B2": ROW[1], "XFD1000000": "x"}
    return xlsx_by_hand(cells, dimension="A1:B2")


@functools.cache
def zip_bomb() -> bytes:
    """A well-formed .xlsx of ~70 KB whose sheet inflates to 65 MB of blank space."""
    cells = {"A1": HEADER[0], "B1": HEADER[1], "A2": ROW[0], "B2": ROW[1]}
    return xlsx_by_hand(cells, dimension="A1:B2", padding=65 * 1024 * 1024)


@functools.cache
def csv_huge_field() -> bytes:
    """A field of 9 MB (the upload limit is 10 MB)."""
    return csv_of([HEADER, [ROW[0] + "x" * 9_000_000, ROW[1]]])


@functools.cache
def csv_many_columns() -> bytes:
    return csv_of([HEADER + ["c"] * 100_000, ROW])


FORMULAS = ["=cmd|' /C calc'!A0", '=HYPERLINK("https://evil.example/","点我")', "+1+1", "@SUM(A1)", "-2+3"]
HTML_NAME = "<img src=x onerror=alert(1)>"


def csv_formulas() -> bytes:
    return csv_of([HEADER, *[[f"{formula}公司", ""] for formula in FORMULAS]])


def csv_html_name() -> bytes:
    return csv_of([HEADER, [HTML_NAME, ""]])


def csv_nul() -> bytes:
    return csv_of([HEADER, ["上海\x00精工", ROW[1]]])


# Every hostile file: (label, filename, content). A route that takes a spreadsheet gets each of them.
CORPUS: list[tuple[str, str, Callable[[], bytes]]] = [
    ("sparse XFD1000000", "sparse.xlsx", sparse_xfd),
    ("no dimension, far row", "undeclared.xlsx", undeclared_far_row),
    ("lying dimension", "lying.xlsx", lying_dimension),
    ("zip bomb", "bomb.xlsx", zip_bomb),
    ("9 MB CSV field", "field.csv", csv_huge_field),
    ("100,000 CSV columns", "columns.csv", csv_many_columns),
    ("formula strings", "formulas.csv", csv_formulas),
    ("HTML in a name", "html.csv", csv_html_name),
    ("NUL in a cell", "nul.csv", csv_nul),
]
