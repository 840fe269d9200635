"""Reading an uploaded spreadsheet (.xlsx or CSV) as rows of text, with the limits every import shares.

The customer import (`customers/imports.py`), the product import (`sales/product_imports.py`) and the
business-registry import (`customers/enrichment.py`) read files through `read_rows`; what the columns mean is
theirs. An import whose columns have keys and translated labels reads its file with `read_keyed_table` (a
header row in either language, or the keys; the hidden row of keys a template carries) and writes its
template with `keyed_template`. Every refusal is a `ServiceError` on the field `file`, in the user's language.

A file's size says little about the work it causes: a 5 KB .xlsx can hold one cell at XFD1000000, which a
naive reader pads into a million rows of 16,384 cells, and a 10 KB .xlsx can inflate to gigabytes. So an
.xlsx is refused before it is parsed when its zip members would inflate beyond MAX_UNCOMPRESSED, and before
any row is read when the sheet's declared dimension exceeds the row, column or cell limits; because a
hostile file can lie about its dimension (or leave it out), the same limits are enforced again while
reading, counting blank rows too, so no file makes the reader walk more than `sheet_row_limit()` rows of
MAX_COLUMNS cells.
"""

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .errors import invalid
from .input_guard import is_unsafe_text

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 10_000  # data rows a file may have (blank rows not counted); the importers check it
# Rows a sheet may span, blank or not: the data rows, a header and the template's hidden key row, and some
# slack for blank rows between or below the data. Reading stops with a refusal at the first row beyond it.
ROW_SLACK = 1_000
# Columns a row may span up to its last filled cell: the customer import's 22 columns plus a template's
# 200 custom fields (formtemplates.definitions.MAX_FIELDS) fit; it is also the old Excel limit (IV).
MAX_COLUMNS = 256
# Cells a sheet may hold, counted per row up to its last filled cell (and, before reading, as the declared
# dimension's area): 10,000 rows of 100 columns. It bounds the memory of a dry run (every cell is kept as
# text) where rows x columns alone (11,000 x 256) would allow almost three times as much.
MAX_CELLS = 1_000_000
# Characters a cell may hold: Excel's own limit, so no file Excel writes is refused by it. A CSV field
# beyond it is refused by the csv module (its field_size_limit, 128 K by default) or by us.
MAX_CELL_CHARS = 32_767
# Bytes an .xlsx may inflate to, all its zip members together, checked on the sizes the zip declares before
# anything is decompressed (Python's zipfile never inflates a member beyond its declared size: it stops
# and fails the CRC check). MAX_CELLS cells of ~40 bytes of sheet XML plus their shared strings fit well.
MAX_UNCOMPRESSED = 64 * 1024 * 1024
# The limits as the API documents them on every route that takes a spreadsheet.
LIMITS_DOC = (
    f"A file is refused with a 400 on `file` when it is larger than {MAX_BYTES // (1024 * 1024)} MB, an .xlsx "
    f"unpacks to more than {MAX_UNCOMPRESSED // (1024 * 1024)} MB, its first sheet spans more than "
    f"{MAX_ROWS + ROW_SLACK:,} rows (blank rows count), {MAX_COLUMNS} columns or {MAX_CELLS:,} cells, a cell "
    f"holds more than {MAX_CELL_CHARS:,} characters or a NUL, or it has more than {MAX_ROWS:,} data rows."
)
EXTENSIONS = ("xlsx", "csv")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_extension(filename: str) -> str:
    """The file's type from its name, or a clear error."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in EXTENSIONS:
        raise invalid("file", _("Upload an Excel (.xlsx) or CSV (.csv) file."))
    return extension


def too_large_message() -> str:
    return _("The file is larger than %(size)d MB.") % {"size": MAX_BYTES // (1024 * 1024)}


def check_row_count(count: int) -> None:
    """Refuse a file once it has more than MAX_ROWS data rows (`count`: the rows read so far)."""
    if count >= MAX_ROWS:
        raise invalid("file", _("The file has more than %(count)d rows; split it.") % {"count": MAX_ROWS})


def sheet_row_limit() -> int:
    """Rows a sheet may span, blank ones included (read at call time, so a test may lower MAX_ROWS)."""
    return MAX_ROWS + ROW_SLACK


def read_rows(*, filename: str, content: bytes) -> Iterator[list[str]]:
    """Every row of the file's first sheet (the header too), each cell as stripped text, trailing empty
    cells left out. The type comes from the file's name; a file over MAX_BYTES, of another type or
    unreadable is refused, and so is a sheet beyond the row, column, cell or size limits above (possibly
    only once the rows before the limit have been read: consume the rows before writing anything)."""
    extension = file_extension(filename)
    if len(content) > MAX_BYTES:
        raise invalid("file", too_large_message())
    return _bounded(_xlsx_rows(content) if extension == "xlsx" else _csv_rows(content))


def normal_header(text: str) -> str:
    """A header or choice cell as compared with known names: no spaces, no trailing required-mark, lower case."""
    return re.sub(r"\s+", "", text).rstrip("*＊").lower()


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone number typed as a number
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def too_many_rows() -> Exception:
    return invalid(
        "file",
        _("The sheet has more than %(count)d rows, counting blank ones; delete the rows below your data or split it.")
        % {"count": sheet_row_limit()},
    )


def too_many_columns() -> Exception:
    return invalid(
        "file",
        _("The sheet has more than %(count)d columns (the last is %(column)s); delete the columns you do not import.")
        % {"count": MAX_COLUMNS, "column": get_column_letter(MAX_COLUMNS)},
    )


def too_many_cells() -> Exception:
    return invalid("file", _("The sheet has more than %(count)d cells; split it.") % {"count": MAX_CELLS})


def _bounded(rows: Iterable[Sequence[Any]]) -> Iterator[list[str]]:
    """The rows as text, refused at the first row, column, cell or character beyond the limits, or at a
    cell holding text no database stores (a NUL, possible in a CSV file)."""
    row_limit = sheet_row_limit()
    cells = 0
    for number, values in enumerate(rows, start=1):
        if number > row_limit:
            raise too_many_rows()
        end = len(values)
        if values.count(None) == end:  # a blank (or padded) row, found without a loop in Python
            end = 0
        while end and (values[end - 1] is None or values[end - 1] == ""):
            end -= 1
        if end > MAX_COLUMNS:
            raise too_many_columns()
        cells += end
        if cells > MAX_CELLS:
            raise too_many_cells()
        texts = [cell_text(v) for v in values[:end]]
        if texts and max(map(len, texts)) > MAX_CELL_CHARS:
            raise too_long_cell(number)
        if is_unsafe_text("".join(texts)):
            raise invalid(
                "file",
                _("Row %(number)d holds an invisible control character (such as NUL); remove it.") % {"number": number},
            )
        yield texts


def too_long_cell(number: int) -> Exception:
    return invalid(
        "file",
        _("Row %(number)d has a cell of more than %(count)d characters.") % {"number": number, "count": MAX_CELL_CHARS},
    )


def _not_readable_xlsx() -> Exception:
    return invalid("file", _("This is not a readable Excel (.xlsx) file."))


def _check_zip(content: bytes) -> None:
    """Refuse an .xlsx whose members would inflate beyond MAX_UNCOMPRESSED, from the sizes the zip declares."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            declared = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _not_readable_xlsx() from None
    if declared > MAX_UNCOMPRESSED:
        raise invalid(
            "file",
            _("Unpacked, the file would be larger than %(size)d MB; split it.")
            % {"size": MAX_UNCOMPRESSED // (1024 * 1024)},
        )


def _xlsx_rows(content: bytes) -> Iterator[Sequence[Any]]:
    _check_zip(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (zip, XML, key errors) for a broken file
        raise _not_readable_xlsx() from None
    try:
        try:
            sheet = workbook.worksheets[0]
        except IndexError:
            raise _not_readable_xlsx() from None
        # What the sheet says of its size, refused before any row is read; a file may leave it out or lie
        declared_rows, declared_columns = sheet.max_row or 0, sheet.max_column or 0
        if declared_rows > sheet_row_limit():
            raise too_many_rows()
        if declared_columns > MAX_COLUMNS:
            raise too_many_columns()
        if declared_rows * declared_columns > MAX_CELLS:
            raise too_many_cells()
        # So read within the limits whatever it says: openpyxl stops parsing past max_row (one more row
        # than allowed, so that it is seen and refused) and pads every row, and every missing row, to
        # max_col cells only; a cell beyond that column is not read.
        sheet.reset_dimensions()
        source = sheet.iter_rows(max_row=sheet_row_limit() + 1, max_col=MAX_COLUMNS + 1, values_only=True)
        while True:
            try:
                values = next(source)
            except StopIteration:
                return
            except Exception:  # a sheet may break while it is read, too
                raise _not_readable_xlsx() from None
            yield values
    finally:
        workbook.close()


def _csv_rows(content: bytes) -> Iterator[Sequence[Any]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise invalid("file", _("Save the CSV file as UTF-8 (or GB18030) text."))
    reader = csv.reader(io.StringIO(text, newline=""))
    number = 0
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            if "field larger than field limit" in str(e):  # the csv module's field_size_limit (128 K)
                raise too_long_cell(number + 1) from None
            raise invalid("file", _("This is not a readable CSV file.")) from None
        number += 1
        yield values


# --- Imports whose columns have keys and translated labels ------------------------------------------------


def label_lookup(labels: Mapping[str, str | Promise]) -> dict[str, str]:
    """Each column's key, and its label in either language (as `normal_header` compares it), -> the key."""
    lookup = {key: key for key in labels}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            lookup |= {normal_header(str(label)): key for key, label in labels.items()}
    return lookup


@dataclass
class KeyedTable:
    rows: list[tuple[int, dict[str, str]]]  # (the row's number in the sheet, {column key: text}), filled cells only
    ignored_columns: list[str]  # header texts no column has


def read_keyed_table(
    *,
    filename: str,
    content: bytes,
    lookup: Mapping[str, str],
    required: str,
    missing: str,
    is_key: Callable[[str], bool] | None = None,
) -> KeyedTable:
    """The file's data rows by column key; blank rows skipped. The first row names the columns (`lookup`:
    `label_lookup`'s header text -> key); a second row of keys only (a template's hidden row, `is_key`
    telling a key: by default one of `lookup`'s) names them instead, so a template filled in under any
    language reads the same. A header without the `required` column is refused with `missing`."""
    lines = read_rows(filename=filename, content=content)
    known = set(lookup.values())
    key_test = is_key or known.__contains__
    header = next(lines, None) or []
    keys = [lookup.get(normal_header(text)) for text in header]
    if required not in keys:
        raise invalid("file", missing)
    ignored = [text for text, key in zip(header, keys, strict=True) if key is None and text]
    rows: list[tuple[int, dict[str, str]]] = []
    for number, values in enumerate(lines, start=2):
        if not any(values):
            continue
        if number == 2 and all(key_test(v) for v in values if v):
            keys = [v if v in known else None for v in values]
            continue
        check_row_count(len(rows))
        rows.append((number, {key: value for key, value in zip(keys, values, strict=False) if key and value}))
    return KeyedTable(rows=rows, ignored_columns=ignored)


def keyed_template(
    *,
    title: str,
    headers: Sequence[str],
    keys: Sequence[str],
    notes_title: str,
    notes_header: Sequence[str],
    notes: Iterable[Sequence[str | Promise]],
    key_row: bool = True,
) -> bytes:
    """An import's template (.xlsx): a sheet `title` with the column `headers` (the user's language) over a
    hidden row of their `keys` (unless not `key_row`: then the header row alone, for an import that reads
    headers in either language), and a second sheet `notes_title` explaining what each column allows."""
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = title
    sheet.append(list(headers))
    if key_row:
        sheet.append(list(keys))
        sheet.row_dimensions[2].hidden = True
    sheet.freeze_panes = "A3" if key_row else "A2"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = 18
    explained = workbook.create_sheet(notes_title)
    explained.append(list(notes_header))
    for cell in explained[1]:
        cell.font = Font(bold=True)
    explained.column_dimensions["A"].width = 24
    explained.column_dimensions["B"].width = 80
    for row in notes:
        explained.append([str(text) for text in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
