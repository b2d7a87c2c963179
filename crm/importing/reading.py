"""Reading an uploaded CSV or XLSX file into a header and numbered rows.

XLSX goes through tablib (openpyxl underneath). CSV is read with the standard library's
`csv` module instead of tablib's loader: tablib rejects a file whose lines have different
lengths, and real exports (a trailing empty cell, a short last line) often do; here a
short line is padded and a long one keeps its extra cells for the error report.
"""

import csv
import gc
import io
from contextlib import contextmanager
from dataclasses import dataclass

import tablib
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .encodings import decode_strict, detect_encoding

MAX_COLUMNS = 200


@dataclass
class Table:
    headers: list[str]
    # (row number as the spreadsheet shows it, cells), blank lines left out.
    rows: list[tuple[int, list]]
    # The character set a CSV file was read in ("" for XLSX, which is always Unicode).
    encoding: str = ""


def file_format(name: str) -> str:
    lowered = (name or "").lower()
    if lowered.endswith(".csv") or lowered.endswith(".txt"):
        return "csv"
    if lowered.endswith(".xlsx"):
        return "xlsx"
    raise ValidationError(_("Upload a .csv or .xlsx file."), code="format")


def _decode(raw: bytes, encoding: str) -> tuple[str, str]:
    """(text, encoding): in the given encoding, or the one the detector finds."""
    if encoding:
        return decode_strict(raw, encoding), encoding
    decoded = detect_encoding(raw)
    return decoded.text, decoded.encoding


def _csv_rows(text: str) -> list[list]:
    # Spreadsheets saved in German, Turkish or Romanian locales use ";" between cells.
    # The header line decides: csv.Sniffer guesses wrong on ragged files.
    header_line = text.split("\n", 1)[0]
    delimiter = max(",;\t|", key=header_line.count)
    if not header_line.count(delimiter):
        delimiter = ","
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ValidationError(_("The CSV file is malformed: %(error)s") % {"error": exc}) from exc


def _xlsx_rows(raw: bytes) -> list[list]:
    dataset = tablib.Dataset()
    try:
        dataset.load(raw, format="xlsx", headers=False)
    except Exception as exc:  # openpyxl raises many kinds for a corrupt workbook
        raise ValidationError(_("The file is not a readable XLSX workbook.")) from exc
    return [list(row) for row in dataset]


def _is_blank(cells) -> bool:
    return all(cell is None or str(cell).strip() == "" for cell in cells)


@contextmanager
def _gc_paused():
    """No garbage collection while a file is parsed: parsing makes no reference cycles,
    and each collection walked every row parsed so far (at 100,000 rows, 1.2 s instead
    of 0.35 s, bench/import.py)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def read_table(raw: bytes, *, name: str, encoding: str = "") -> Table:
    """Parse the file; raise ValidationError (shown on the upload form) if it is unusable.

    A CSV file is read in `encoding`, or in the character set detected when none is given;
    a file that does not decode cleanly in it is refused, never read with replacements.
    """
    with _gc_paused():
        return _table_read(raw, name=name, encoding=encoding)


def _table_read(raw: bytes, *, name: str, encoding: str) -> Table:
    if file_format(name) == "csv":
        text, encoding = _decode(raw, encoding)
        rows = _csv_rows(text)
    else:
        rows, encoding = _xlsx_rows(raw), ""
    numbered = [(number, cells) for number, cells in enumerate(rows, start=1)]
    numbered = [(n, cells) for n, cells in numbered if not _is_blank(cells)]
    if not numbered:
        raise ValidationError(_("The file is empty."))
    header_cells = numbered[0][1]
    headers = [str(cell).strip() if cell is not None else "" for cell in header_cells]
    while headers and not headers[-1]:
        headers.pop()
    if not any(headers):
        raise ValidationError(_("The first line must name the columns."))
    if len(headers) > MAX_COLUMNS:
        raise ValidationError(_("The file has more than %(n)s columns.") % {"n": MAX_COLUMNS})
    headers = _unique_headers(headers)
    data = []
    for number, cells in numbered[1:]:
        cells = list(cells) + [None] * (len(headers) - len(cells))
        data.append((number, cells))
    return Table(headers=headers, rows=data, encoding=encoding)


def _unique_headers(headers: list[str]) -> list[str]:
    """Name empty and repeated headers so every column can be mapped on its own."""
    seen: dict[str, int] = {}
    result = []
    for position, header in enumerate(headers, start=1):
        header = header or _("Column %(n)s") % {"n": position}
        if header in seen:
            seen[header] += 1
            header = f"{header} ({seen[header]})"
        else:
            seen[header] = 1
        result.append(header)
    return result
