"""Writing a table a user downloads (.xlsx or .csv): the one place every export goes through.

A cell whose text begins with `=`, `+`, `-`, `@`, a tab or a carriage return would run as a formula when
the file is opened in a spreadsheet program (CSV injection). In .xlsx such text is stored as a plain
string cell (never a formula, shown exactly as entered); in .csv it is prefixed with an apostrophe, as
OWASP recommends, which spreadsheet programs show as text.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from typing import IO, Any, Literal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

TableFormat = Literal["xlsx", "csv"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """The value as a CSV cell that no spreadsheet program runs as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_table(
    out: IO[bytes], *, file_format: TableFormat, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Write `header` and `rows` to `out` as .xlsx (one sheet named `title`) or UTF-8 .csv (with a BOM, so
    Excel reads Chinese text); returns the number of rows written."""
    count = 0
    if file_format == "xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title)

        def cell(value: Any) -> Any:
            if isinstance(value, str):
                c = WriteOnlyCell(sheet, value=value)
                c.data_type = "s"  # text, even when it begins with "=": never a formula
                return c
            return value

        sheet.append([cell(v) for v in header])
        for row in rows:
            sheet.append([cell(v) for v in row])
            count += 1
        workbook.save(out)
        return count
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow([csv_safe(v) for v in header])
    for row in rows:
        writer.writerow([csv_safe(v) for v in row])
        count += 1
    text.detach()
    return count
