"""Reading an uploaded spreadsheet (.xlsx or CSV) as rows of text, with the limits every import shares.

The customer import (`customers/imports.py`) and the business-registry import (`customers/enrichment.py`)
read files through `read_rows`; what the columns mean is theirs. Every refusal is a `ServiceError` on the
field `file`, in the user's language.
"""

import csv
import io
import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook

from .errors import invalid

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 10_000  # data rows a file may have (blank rows not counted)
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


def read_rows(*, filename: str, content: bytes) -> Iterator[list[str]]:
    """Every row of the file's first sheet (the header too), each cell as stripped text. The type comes
    from the file's name; a file over MAX_BYTES, of another type or unreadable is refused."""
    extension = file_extension(filename)
    if len(content) > MAX_BYTES:
        raise invalid("file", too_large_message())
    return _xlsx_rows(content) if extension == "xlsx" else _csv_rows(content)


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


def _xlsx_rows(content: bytes) -> Iterator[list[str]]:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (zip, XML, key errors) for a broken file
        raise invalid("file", _("This is not a readable Excel (.xlsx) file.")) from None
    try:
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [cell_text(v) for v in values]
    except Exception:  # a sheet may break while it is read, too
        raise invalid("file", _("This is not a readable Excel (.xlsx) file.")) from None
    finally:
        workbook.close()


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise invalid("file", _("Save the CSV file as UTF-8 (or GB18030) text."))
    try:
        for values in csv.reader(io.StringIO(text, newline="")):
            yield [v.strip() for v in values]
    except csv.Error:
        raise invalid("file", _("This is not a readable CSV file.")) from None
