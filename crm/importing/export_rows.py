"""An export's rows from one query: each column a database path or an SQL expression.

An export reads `queryset.values_list(...)` over a server-side cursor: the related names
(owner, stage, company, …) come from the same query's joins and the aggregated ones
(a contact's tags) from a correlated subquery, so no model instance is built and the
number of queries never depends on the rows. Each column has a kind, taken from the
django-import-export widget that used to render it, which says how the CSV writes it
(exactly as that widget did) and how the XLSX types it.
"""

import datetime as dt
import enum
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import DateTimeField, Expression, Func, QuerySet, Value
from django.utils import timezone
from django.utils.formats import get_format, sanitize_strftime_format
from import_export import widgets

from .formula_guard import GUARDED_FIRST_CHARACTERS, neutralise_cell

# Rows fetched from the server-side cursor at a time: memory stays flat, round trips few.
ROWS_PER_FETCH = 2000


class Kind(enum.StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"


# Checked in order: the first widget class a column's widget is an instance of.
_KIND_OF_WIDGET = (
    (widgets.DateTimeWidget, Kind.DATETIME),
    (widgets.DateWidget, Kind.DATE),
    (widgets.BooleanWidget, Kind.BOOLEAN),
    (widgets.DecimalWidget, Kind.DECIMAL),
    (widgets.IntegerWidget, Kind.INTEGER),
    # Renders the related row's primary key (a lead's deal).
    (widgets.ForeignKeyWidget, Kind.INTEGER),
)


@dataclass(frozen=True)
class ExportColumn:
    """name: the resource's column name (the header before translation); source: a
    `values_list` path ("owner__username") or an SQL expression; kind: how it is written."""

    name: str
    source: str | Expression
    kind: Kind


def _kind(widget) -> Kind:
    for widget_class, kind in _KIND_OF_WIDGET:
        if isinstance(widget, widget_class):
            return kind
    return Kind.TEXT


def export_columns(resource) -> list[ExportColumn]:
    """The columns of a ModelResource instance, in its export order.

    A column without a model attribute (a `dehydrate_…` value in django-import-export)
    must be named in the resource's `export_expressions` {column name: expression};
    KeyError otherwise.
    """
    expressions = getattr(resource, "export_expressions", {})
    columns = []
    for field in resource.get_export_fields():
        name = resource.get_field_name(field)
        source = expressions.get(name, field.attribute)
        if source is None:
            raise KeyError(f"{type(resource).__name__}.export_expressions has no {name!r}")
        columns.append(ExportColumn(name, source, _kind(field.widget)))
    return columns


class WallClock(Func):
    """A timestamptz as the clock of a time zone shows it: `timestamp without time zone`.

    PostgreSQL converts it; Python then reads a naive datetime through psycopg's C loader,
    several times faster than Django's Python loader of aware ones (bench/README.md).
    """

    template = "(%(expressions)s)"
    arg_joiner = " AT TIME ZONE "
    output_field = DateTimeField()


def export_value_rows(queryset: QuerySet, columns: list[ExportColumn]) -> Iterator[tuple]:
    """One tuple of Python values per row (None for an empty related column), in the
    columns' order, from a single query iterated over a server-side cursor.

    Datetimes come naive, as the active time zone's clock shows them (as the CSV writes
    them; Excel has no time zones).
    """
    zone = timezone.get_current_timezone_name()
    annotations = {}
    paths = []
    for column in columns:
        source = column.source
        if column.kind is Kind.DATETIME:
            source = WallClock(source, Value(zone))
        if isinstance(source, str):
            paths.append(source)
        else:
            annotations[f"export_{column.name}"] = source
            paths.append(f"export_{column.name}")
    # Related rows come from the joins of values_list, not from select/prefetch_related.
    rows = queryset.select_related(None).prefetch_related(None).annotate(**annotations)
    return rows.values_list(*paths).iterator(chunk_size=ROWS_PER_FETCH)


# --- CSV cells ----------------------------------------------------------------------------
# Each column's text as its django-import-export widget rendered it (`Widget.render`),
# chosen once per export instead of per cell: numbers in the active language's decimal
# separator (django.utils.formats.number_format, without grouping as USE_THOUSAND_SEPARATOR
# is off), dates and times in the first DATE_INPUT_FORMATS / DATETIME_INPUT_FORMATS entry,
# booleans as 1/0. csv.writer itself writes None as "" and integers as digits.


def _decimal(separator: str) -> Callable[[Decimal], str]:
    if separator == ".":
        return lambda value: f"{value:f}"
    return lambda value: f"{value:f}".replace(".", separator)


def _strftime(setting: list[str], iso_format: str, iso: Callable) -> Callable:
    """The widget's strftime format from `setting`, or `iso` when that format is the ISO
    one it writes (the same text, several times faster than strftime)."""
    if setting[0] == iso_format:
        return iso
    date_format = sanitize_strftime_format(setting[0])
    return lambda value: value.strftime(date_format)


def _converters() -> dict[Kind, Callable]:
    return {
        Kind.DECIMAL: _decimal(get_format("DECIMAL_SEPARATOR")),
        Kind.BOOLEAN: lambda value: "1" if value else "0",
        Kind.DATE: _strftime(settings.DATE_INPUT_FORMATS, "%Y-%m-%d", dt.date.isoformat),
        Kind.DATETIME: _strftime(
            settings.DATETIME_INPUT_FORMATS,
            "%Y-%m-%d %H:%M:%S",
            lambda value: value.isoformat(" ", "seconds"),
        ),
    }


def csv_rows(rows: Iterable[tuple], columns: list[ExportColumn]) -> Iterator[list]:
    """Each row of `export_value_rows` as the list csv.writer writes, in the active
    language (call it inside the export's language override); formula-like text quoted."""
    converters = _converters()
    text_at = [index for index, column in enumerate(columns) if column.kind is Kind.TEXT]
    converted = [
        (index, converters[column.kind])
        for index, column in enumerate(columns)
        if column.kind in converters
    ]
    for values in rows:
        cells = list(values)
        for index in text_at:
            value = cells[index]
            if value and value[0] in GUARDED_FIRST_CHARACTERS:
                cells[index] = neutralise_cell(value)
        for index, convert in converted:
            value = cells[index]
            if value is not None:
                cells[index] = convert(value)
        yield cells
