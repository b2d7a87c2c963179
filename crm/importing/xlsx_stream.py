"""A streaming XLSX writer: SpreadsheetML text written into a zip as rows arrive.

Chosen by measurement (bench/README.md, "Exports"): 50,000 rows of 16 typed cells take
about 20 s through openpyxl's write-only mode (with lxml), about 11 s through XlsxWriter's
constant_memory mode, and about 1.5 s as formatted text here, because each cell is one
f-string instead of a cell object and an XML element. The workbook holds one sheet of
inline strings, numbers, booleans and dates (serial numbers with a date format); no
shared-string table, so nothing grows with the rows and the zip is written to the
response as it fills (`zipfile` writes data descriptors when it cannot seek back).

The parts are the minimum Excel, LibreOffice and openpyxl open without a repair prompt:
[Content_Types].xml, the package and workbook relationships, workbook.xml, styles.xml
and the sheet, as in ECMA-376 Part 1, 18.2 (workbook), 18.3 (sheet) and 18.8 (styles).
"""

import datetime as dt
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import quoteattr

from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from .export_rows import ExportColumn, Kind
from .formula_guard import GUARDED_FIRST_CHARACTERS, neutralise_cell

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
# Rows per piece of the sheet handed to the zip (and on to the response).
ROWS_PER_PIECE = 500
# zlib level 1: the sheet's XML is repetitive, so it still shrinks about tenfold, at a
# fraction of the default level's time.
COMPRESS_LEVEL = 1

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
# Decimals of an amount in its currency (ISO 4217 minor units) where they are not two.
CURRENCY_DECIMALS = {
    **dict.fromkeys(("JPY", "KRW", "VND", "CLP", "ISK", "UGX", "PYG", "XAF", "XOF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}


def money_format(decimals: int) -> str:
    """Excel's number format for an amount with `decimals` minor digits ("#,##0.00")."""
    return "#,##0" + ("." + "0" * decimals if decimals else "")


# Cell styles (index into cellXfs): the default, quote-prefixed text (a formula-like
# text that Excel shows as typed and never runs), dates, date-times, then one per
# number of decimals an amount can have.
STYLE_QUOTED, STYLE_DATE, STYLE_DATETIME = 1, 2, 3
MONEY_DECIMALS = sorted({2, *CURRENCY_DECIMALS.values()})
MONEY_STYLE = {decimals: 4 + i for i, decimals in enumerate(MONEY_DECIMALS)}
NUMBER_FORMATS = [DATE_FORMAT, DATETIME_FORMAT, *map(money_format, MONEY_DECIMALS)]


def _styles_xml() -> str:
    # Custom number formats take ids from 164 on (below are Excel's built-in ones).
    formats = "".join(
        f'<numFmt numFmtId="{164 + i}" formatCode={quoteattr(code)}/>'
        for i, code in enumerate(NUMBER_FORMATS)
    )
    xfs = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>']
    xfs.append('<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>')
    xfs += [
        f'<xf numFmtId="{164 + i}" fontId="0" fillId="0" borderId="0" xfId="0" '
        'applyNumberFormat="1"/>'
        for i in range(len(NUMBER_FORMATS))
    ]
    return (
        f'<styleSheet xmlns="{MAIN_NS}"><numFmts count="{len(NUMBER_FORMATS)}">{formats}'
        '</numFmts><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
        '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
        f'borderId="0"/></cellStyleXfs><cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )


def _package_parts(sheet_title: str) -> dict[str, str]:
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    return {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{sheet_type}.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="{sheet_type}.worksheet+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{sheet_type}.styles+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{PACKAGE_REL_NS}"><Relationship Id="rId1" '
            f'Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>'
            f'<sheet name={quoteattr(sheet_title)} sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{PACKAGE_REL_NS}">'
            f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{REL_NS}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": _styles_xml(),
    }


# Characters XML 1.0 cannot hold (openpyxl refuses them too): dropped from the text.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NEEDS_ESCAPE = re.compile(r"[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(value: str) -> str:
    if _NEEDS_ESCAPE.search(value) is None:
        return value
    value = _NOT_XML.sub("", value)
    # A bare carriage return would be read back as a line feed (XML end-of-line rules).
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


# Each cell function takes `ref`, the cell's reference attribute (' r="C7"'), or "" when
# the cell is the one after the previous cell of its row, and a value that is not None.

# Text that needs none of _text_cell's care (no guard, no space to keep, nothing to
# escape): most cells, written by the fast path of one regex match.
_PLAIN_TEXT = re.compile(
    r"[^=+\-@'\s&<>\x00-\x1f\ufffe\uffff]"
    r"(?:[^&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]*[^\s&<>\x00-\x1f\ufffe\uffff])?"
)


def _text_cell(ref: str, value) -> str:
    value = str(value)
    if not value:
        return ""
    if _PLAIN_TEXT.fullmatch(value):
        return f'<c{ref} t="inlineStr"><is><t>{value}</t></is></c>'
    # Text a spreadsheet would run ("=HYPERLINK(…)", "@Home"): kept as typed, shown as
    # text by the quote prefix (the CSV needs a visible quote; XLSX can say it).
    quoted = value[0] in GUARDED_FIRST_CHARACTERS and neutralise_cell(value) != value
    style = f' s="{STYLE_QUOTED}"' if quoted else ""
    space = ' xml:space="preserve"' if value[0].isspace() or value[-1].isspace() else ""
    return f'<c{ref}{style} t="inlineStr"><is><t{space}>{_xml_text(value)}</t></is></c>'


def _number_cell(ref: str, value) -> str:
    return f"<c{ref}><v>{value}</v></c>"


def _boolean_cell(ref: str, value) -> str:
    return f'<c{ref} t="b"><v>{1 if value else 0}</v></c>'


# Excel's serial numbers count days from 1899-12-30 (ECMA-376 Part 1, 18.17.4.1); before
# 1900-03-01 they are off by one (Excel's 1900 leap day), which openpyxl's to_excel knows.
_SERIAL_EPOCH = dt.datetime(1899, 12, 30)
_SERIAL_EPOCH_DATE = _SERIAL_EPOCH.date()
_ONE_DAY = dt.timedelta(days=1)
_FIRST_PLAIN_SERIAL = 61


def _date_cell(ref: str, value: dt.date) -> str:
    serial = (value - _SERIAL_EPOCH_DATE).days
    if serial < _FIRST_PLAIN_SERIAL:
        serial = int(to_excel(value))
    return f'<c{ref} s="{STYLE_DATE}"><v>{serial}</v></c>'


def _datetime_cell(ref: str, value: dt.datetime) -> str:
    # Naive: export_value_rows reads times as the active time zone's clock shows them.
    serial = (value - _SERIAL_EPOCH) / _ONE_DAY
    if serial < _FIRST_PLAIN_SERIAL:
        serial = to_excel(value)
    return f'<c{ref} s="{STYLE_DATETIME}"><v>{serial!r}</v></c>'


def _money_cell(ref: str, value: Decimal, currency) -> str:
    decimals = CURRENCY_DECIMALS.get((currency or "").upper(), 2)
    return f'<c{ref} s="{MONEY_STYLE[decimals]}"><v>{value:f}</v></c>'


# Each cell writer takes the value type of its kind (str, int, bool, date, datetime).
_CELL_OF_KIND: dict[Kind, Callable[[str, Any], str]] = {
    Kind.TEXT: _text_cell,
    Kind.INTEGER: _number_cell,
    Kind.BOOLEAN: _boolean_cell,
    Kind.DATE: _date_cell,
    Kind.DATETIME: _datetime_cell,
}


def _row_writer(columns: list[ExportColumn]) -> Callable[[int, tuple], str]:
    """A function (row number, values) -> the row's XML; an empty value writes no cell.

    A cell names its reference (r="C7") only after a gap: without one it is the next
    column (ECMA-376 Part 1, 18.3.1.4 makes r optional), which keeps the sheet's XML and
    the time to write it smaller. Amounts (decimal columns) take the number format of the
    row's `currency` column.
    """
    letters = [get_column_letter(i + 1) for i in range(len(columns))]
    names = [column.name for column in columns]
    currency_at = names.index("currency") if "currency" in names else None
    cells = [
        (index, letters[index], _CELL_OF_KIND.get(column.kind))
        for index, column in enumerate(columns)
    ]

    def row_xml(number: int, values: tuple) -> str:
        parts = [f'<row r="{number}">']
        append = parts.append
        currency = values[currency_at] if currency_at is not None else ""
        ref: str | None = ""
        for index, letter, cell in cells:
            value = values[index]
            if value is None or value == "":
                ref = None
                continue
            if ref is None:
                ref = f' r="{letter}{number}"'
            if cell is None:  # an amount
                append(_money_cell(ref, value, currency))
            else:
                append(cell(ref, value))
            ref = ""
        append("</row>")
        return "".join(parts)

    return row_xml


class _Pieces:
    """A write-only file for zipfile that keeps what was written until it is taken."""

    def __init__(self) -> None:
        self._pieces: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._pieces.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        """Part of the file protocol zipfile asks for; it never closes a file it was given."""

    def take(self) -> bytes:
        data, self._pieces = b"".join(self._pieces), []
        return data


def xlsx_chunks(
    *, sheet_title: str, headers: list[str], columns: list[ExportColumn], rows: Iterable[tuple]
) -> Iterator[bytes]:
    """The workbook's bytes, piece by piece as the rows are read (constant memory).

    sheet_title: at most 31 characters, none of []:*?/\\ (Excel's rules; the caller's);
    headers: the first row's text; rows: tuples of Python values in the columns' order
    (str, int, Decimal, bool, date, naive datetime, or None for no cell).
    """
    out = _Pieces()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as book:
        for name, xml in _package_parts(sheet_title).items():
            book.writestr(name, xml)
        yield out.take()
        row_xml = _row_writer(columns)
        header_cells = "".join(_text_cell("", header) for header in headers)
        with book.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1">'.encode())
            sheet.write(f"{header_cells}</row>".encode())
            piece = []
            for number, values in enumerate(rows, start=2):
                piece.append(row_xml(number, values))
                if len(piece) == ROWS_PER_PIECE:
                    sheet.write("".join(piece).encode())
                    piece = []
                    yield out.take()
            sheet.write("".join(piece).encode())
            sheet.write(b"</sheetData></worksheet>")
    yield out.take()
