"""How a column writes its numbers and dates, decided from the whole column.

"1.500" is one and a half in Boston and fifteen hundred in Berlin; "12/01/1980" is the
first of December or the twelfth of January. Reading each cell on its own guesses, and a
column can end up read two ways. Here every cell of a column votes:

- a cell that reads one way only decides ("2.345,50" has a decimal comma, "31/12" puts the
  day first, "12/31" the month);
- a cell that reads two ways ("1.500", "12/01/1980") has no vote;
- a cell that reads the same either way ("1500", "1980-12-31") has none either.

If the deciding cells agree, the column is read their way, every cell alike; if they
disagree or none decides while some cell is ambiguous, the preview asks. The answer (or
the inference) is stored per column, and the import reads the column in that one way.
"""

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .schema import fields_for

# Number formats, named by their decimal mark.
POINT, COMMA = "point", "comma"
NUMBER_FORMATS = (
    (POINT, gettext_lazy("1,234.56 (decimal point)")),
    (COMMA, gettext_lazy("1.234,56 (decimal comma)")),
)
# Date orders.
DMY, MDY, YMD = "dmy", "mdy", "ymd"
DATE_ORDERS = (
    (DMY, gettext_lazy("day first (31/12/1980)")),
    (MDY, gettext_lazy("month first (12/31/1980)")),
    (YMD, gettext_lazy("year first (1980-12-31)")),
)
NUMBER_TYPES = ("decimal",)
DATE_TYPES = ("date", "datetime")
EXAMPLES_SHOWN = 3

# Spaces, non-breaking spaces and apostrophes group thousands in every format.
_GROUPING = re.compile(r"[\s\u00a0\u202f']")
# A currency code or symbol may stand before or after the number: "$1,200.00", "1.500 €".
_MONEY = re.compile(
    r"(?:[A-Z]{3}|[^\d,.\-]{1,3})?(?P<number>-?[\d.,]+)(?:[A-Z]{3}|[^\d,.\-]{1,3})?"
)
_NUMBER = {
    POINT: re.compile(r"-?([1-9]\d{0,2}(,\d{3})+|\d+)(\.\d+)?"),
    COMMA: re.compile(r"-?([1-9]\d{0,2}(\.\d{3})+|\d+)(,\d+)?"),
}
_DATE = re.compile(r"(\d{1,4})([./\-])(\d{1,2})\2(\d{1,4})")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?")


class FormatError(ValueError):
    """A cell that does not fit its column's format (or needs the column's answer)."""


# --- numbers ----------------------------------------------------------------------------


def _number_text(text: str) -> str:
    match = _MONEY.fullmatch(_GROUPING.sub("", text))
    return match.group("number") if match else ""


def number_readings(text: str) -> dict[str, Decimal]:
    """{format: value} for every format the text is a number in."""
    cleaned = _number_text(text)
    readings = {}
    for name, pattern in _NUMBER.items():
        if not cleaned or not pattern.fullmatch(cleaned):
            continue
        thousands, decimal = (",", ".") if name == POINT else (".", ",")
        try:
            readings[name] = Decimal(cleaned.replace(thousands, "").replace(decimal, "."))
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            continue
    return readings


def parse_number(value, number_format: str = "") -> Decimal:
    """The cell's number in the column's format; without one, only if it reads one way."""
    if isinstance(value, bool):
        raise FormatError(value)
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    readings = number_readings(str(value))
    if number_format:
        if number_format not in readings:
            raise FormatError(value)
        return readings[number_format]
    values = set(readings.values())
    if len(values) != 1:
        raise FormatError(value)
    return values.pop()


# --- dates ------------------------------------------------------------------------------


def _year(text: str) -> int:
    year = int(text)
    if len(text) <= 2:
        # strptime's pivot: 69-99 are the 1900s, 00-68 the 2000s.
        year += 1900 if year >= 69 else 2000
    return year


def date_readings(text: str) -> dict[str, dt.date]:
    """{order: date} for every order in which the text's date part is a real date."""
    match = _DATE.fullmatch(text.strip())
    if not match:
        return {}
    first, separator, second, third = match.groups()
    if len(first) == 4:
        candidates = {YMD: (int(first), int(second), int(third))}
    elif len(third) in (2, 4):
        year = _year(third)
        candidates = {DMY: (year, int(second), int(first)), MDY: (year, int(first), int(second))}
        if separator == ".":
            # Day.month.year is the only dotted order any locale writes (DIN 5008, ISO
            # 8601 in German, Turkish, Romanian and Russian offices).
            candidates.pop(MDY)
    else:
        return {}
    readings = {}
    for order, (year, month, day) in candidates.items():
        try:
            readings[order] = dt.date(year, month, day)
        except ValueError:
            continue
    return readings


def split_moment(text: str) -> tuple[str, str]:
    text = text.strip()
    if "T" in text and _DATE.match(text.split("T")[0]):
        date_part, _sep, time_part = text.partition("T")
    else:
        date_part, _sep, time_part = text.partition(" ")
    return date_part, time_part.strip()


def parse_date(value, order: str = "") -> dt.date:
    """The cell's date in the column's order; without one, only if it reads one way."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    date_part, _time = split_moment(str(value))
    readings = date_readings(date_part)
    if YMD in readings:
        return readings[YMD]
    if order:
        if order not in readings:
            raise FormatError(value)
        return readings[order]
    values = set(readings.values())
    if len(values) != 1:
        raise FormatError(value)
    return values.pop()


def parse_time(text: str) -> dt.time:
    if not text:
        return dt.time()
    match = _TIME.fullmatch(text.strip())
    if not match:
        raise FormatError(text)
    hour, minute, second = (int(part or 0) for part in match.groups())
    try:
        return dt.time(hour, minute, second)
    except ValueError:
        raise FormatError(text) from None


# --- a column's verdict -----------------------------------------------------------------


@dataclass
class ColumnReading:
    """How one mapped column of numbers or dates is read, as the preview shows it."""

    index: int
    header: str
    label: str
    kind: str  # "number" or "date"
    detected: str = ""  # what the column's cells decided; "" if they did not
    chosen: str = ""  # the user's answer, or `detected`
    conflict: bool = False  # deciding cells disagree
    ambiguous_cells: int = 0
    samples: list[str] = field(default_factory=list)

    @property
    def needs_answer(self) -> bool:
        return not self.chosen and (self.conflict or self.ambiguous_cells > 0)

    @property
    def choices(self):
        return NUMBER_FORMATS if self.kind == "number" else DATE_ORDERS[:2]

    @property
    def effective(self) -> str:
        """What the import uses; a column with no ambiguity defaults harmlessly."""
        if self.chosen:
            return self.chosen
        if self.needs_answer:
            return ""
        return POINT if self.kind == "number" else ""

    @property
    def examples(self) -> list[tuple[str, str]]:
        """("1.500", "1,500.00"): each sample as written and as it will be stored."""
        return [(text, self.show(text)) for text in self.samples]

    def show(self, text: str) -> str:
        if self.kind == "number":
            readings = number_readings(text)
            wanted = [self.effective] if self.effective else [POINT, COMMA]
            shown = [f"{readings[f]:,.2f}" for f in wanted if f in readings]
        else:
            date_part, _time = split_moment(text)
            dates = date_readings(date_part)
            if YMD in dates:
                return dates[YMD].isoformat()
            wanted = [self.effective] if self.effective else [DMY, MDY]
            shown = [dates[o].isoformat() for o in wanted if o in dates]
        if not shown:
            return _("not readable")
        return _(" or ").join(dict.fromkeys(shown)) + ("?" if len(set(shown)) > 1 else "")


def _votes(kind: str, text: str) -> tuple[set[str], bool]:
    """(formats the cell decides for, whether it is ambiguous)."""
    readings: Mapping[str, Decimal | dt.date]
    if kind == "number":
        readings = number_readings(text)
    else:
        readings = date_readings(split_moment(text)[0])
        if YMD in readings:
            return set(), False
    if len(set(readings.values())) > 1:
        return set(), True
    return (set(readings) if len(readings) == 1 else set()), False


def column_readings(
    *, kind: str, headers: list[str], mapping: dict, rows, chosen: dict | None = None
) -> list[ColumnReading]:
    """Infer each mapped number and date column's format from all of its cells."""
    chosen = chosen or {}
    specs = fields_for(kind)
    columns = []
    for index, header in enumerate(headers):
        spec = specs.get(mapping.get(header, ""))
        if spec is None or spec.type not in NUMBER_TYPES + DATE_TYPES:
            continue
        column_kind = "number" if spec.type in NUMBER_TYPES else "date"
        columns.append(ColumnReading(index, header, str(spec.label), column_kind))
    for column in columns:
        decided: set[str] = set()
        ambiguous_samples: list[str] = []
        deciding_samples: list[str] = []
        for _number, cells in rows:
            raw = cells[column.index] if column.index < len(cells) else None
            if not isinstance(raw, str) or not raw.strip():
                continue  # empty, or a typed XLSX number or date: nothing to interpret
            text = raw.strip()
            votes, ambiguous = _votes(column.kind, text)
            decided |= votes
            if ambiguous:
                column.ambiguous_cells += 1
                if len(ambiguous_samples) < EXAMPLES_SHOWN and text not in ambiguous_samples:
                    ambiguous_samples.append(text)
            elif votes and len(deciding_samples) < EXAMPLES_SHOWN and text not in deciding_samples:
                deciding_samples.append(text)
        column.conflict = len(decided) > 1
        column.detected = decided.pop() if len(decided) == 1 else ""
        answer = chosen.get(column.header, "")
        column.chosen = answer if answer in dict(column.choices) else column.detected
        column.samples = (ambiguous_samples + deciding_samples)[:EXAMPLES_SHOWN]
    return columns


def format_choices_check(readings: list[ColumnReading], answers: dict[str, str]) -> dict:
    """The answers that name a mapped column and one of its formats; ValueError otherwise."""
    by_header = {r.header: r for r in readings}
    clean = {}
    for header, answer in answers.items():
        if not answer:
            continue
        reading = by_header.get(header)
        if reading is None or answer not in dict(reading.choices):
            raise ValueError(header)
        clean[header] = answer
    return clean
