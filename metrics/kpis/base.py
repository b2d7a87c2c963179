"""The value a KPI function returns and the small arithmetic every family shares.

Numbers come out of SQL (`aggregate`, `annotate`, `Subquery`); Python only divides the
two or three totals a query returns. Money stays Decimal end to end.
"""

from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.postgres.aggregates import ArrayAgg, JSONBAgg
from django.db import connections
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import JSONObject, TruncDate

from metrics.currency import converted_sum, reporting_currency, unconverted
from metrics.scopes import Period

CENT = Decimal("0.01")
# Ratios and durations keep four decimals: 1/3 → 33.3333 %, enough for any chart or goal.
PRECISION = Decimal("0.0001")
HUNDRED = Decimal(100)
SECONDS_PER_DAY = Decimal(86400)
SECONDS_PER_HOUR = Decimal(3600)


@dataclass
class KpiResult:
    """value = numerator / denominator (scaled by the KPI's unit); None when it is undefined.

    Count and sum KPIs (leads, revenue, …) have no denominator: `denominator` is None and
    `value` is the count itself, 0 for an empty period.
    """

    value: Decimal | int | None
    numerator: Decimal | int | None
    denominator: Decimal | int | None = None
    # Extra figures a KPI carries alongside (open deal value, NPS promoters, …).
    extra: dict[str, Any] = field(default_factory=dict)
    # Per-item rows (stage_duration_days per stage).
    breakdown: list[dict[str, Any]] | None = None
    # Which of value/numerator/denominator are amounts of money (serialised as strings).
    money: frozenset[str] = frozenset()
    # The currency money figures are in (GOALPOST_REPORTING_CURRENCY); None for no money.
    currency: str | None = None


# What a part of a KPI's records stands for (`Rows.role`).
NUMERATOR = "numerator"
DENOMINATOR = "denominator"
# The rows a mean is taken over: their count is the denominator, the sum of their
# durations the numerator (sales cycle, days in stage, resolution time).
AVERAGED = "averaged"


@dataclass(frozen=True)
class Rows:
    """The records behind one part of a KPI's number ("open the number").

    Each KPI module builds the queryset once and both its aggregate and its `*_records`
    function use it (or the same base queryset and the same filter), so the list a
    manager opens has exactly as many rows as the figure counts. `sign` is -1 for rows
    subtracted from the numerator (NPS detractors). For sums, `amount`/`currency`/`on`
    name what is summed and the date its rate is taken on; `duration` is the pair of
    fields (later, earlier) whose difference is averaged, in units of `per` seconds;
    `share` gives the part of a row's amount falling in the period (spend booked per
    month, quotas pro rata by day).
    """

    key: str
    role: str
    queryset: QuerySet[Any]
    sign: int = 1
    date: str | None = None
    amount: str | None = None
    currency: str | None = None
    on: str | None = None
    duration: tuple[str, str] | None = None
    per: Decimal | None = None
    share: Callable[..., Decimal] | None = None


# Set while metrics.history computes one KPI over many windows (it answers `aggregate` for
# every window in one statement and hands each window its row), or while
# metrics.kpis.together computes many KPIs in one statement (the dashboard).
aggregate_source: ContextVar[Any] = ContextVar("kpi_aggregate_source", default=None)


# A queryset, or a function of no arguments building it (`lambda: renewals_due(period,
# scope)`): a KPI passes the function where building the queryset would cost as much as
# its SQL takes, so a cached statement (metrics.kpis.statements) skips the building too.
QuerySetOrBuilder = QuerySet[Any] | Callable[[], QuerySet[Any]]


def built(queryset: QuerySetOrBuilder) -> QuerySet[Any]:
    """The queryset itself, or the one the function builds."""
    return queryset if isinstance(queryset, QuerySet) else queryset()


def built_aggregates(aggregates: dict[str, Any]) -> dict[str, Any]:
    """The aggregates, each given as an expression or a function building it
    (`money_aggregates`), as expressions."""
    return {name: value() if callable(value) else value for name, value in aggregates.items()}


def aggregate(queryset: QuerySetOrBuilder, **aggregates: Any) -> dict[str, Any]:
    """`queryset.aggregate(**aggregates)`: a dict of the aggregates' names to their values.

    Every KPI aggregates through here, so the same formula also runs over a whole history
    of windows in one SQL statement per aggregate (metrics.history), or with other KPIs in
    one statement (metrics.kpis.together), or from a cached statement (metrics.kpis.
    statements). `queryset` may be a function building it (see `QuerySetOrBuilder`), and
    so may each aggregate.
    """
    source = aggregate_source.get()
    if getattr(source, "takes_builders", False):
        answered: dict[str, Any] = source.aggregate(queryset, aggregates)
        return answered
    aggregates = built_aggregates(aggregates)
    if source is None:
        totals: dict[str, Any] = built(queryset).aggregate(**aggregates)
        return totals
    collected: dict[str, Any] = source.aggregate(built(queryset), aggregates)
    return collected


def where(*conditions: Q | None) -> Q | None:
    """The conditions ANDed, None when there are none (an aggregate then has no FILTER)."""
    present = [condition for condition in conditions if condition is not None]
    if not present:
        return None
    combined = present[0]
    for condition in present[1:]:
        combined &= condition
    return combined


@dataclass(frozen=True)
class Parts:
    """A KPI's formula as ORM pieces, written once for its scope figure and for reports.

    `rows` picks the KPI's records out of its family's queryset (deals, leads, …):
    `Q(created_at__gte=…, created_at__lt=…)` for close rate. `totals(within)` gives the
    KPI's aggregates by name, each also restricted to `within` (None: every row of the
    queryset is the KPI's): `{"created": Count("id", filter=within), "won": Count("id",
    filter=within & WON), …}`. A KPI function aggregates `totals(None)` over its scope's
    records filtered by `rows` (`total`); a report groups a wider queryset by its
    dimension (owner, campaign, …) and annotates `grouped(prefix)`, i.e. `totals(rows)`,
    so a group's totals are those of the scope the group stands for, and the KPI's own
    `*_of(totals)` turns either into the same KpiResult.
    """

    rows: Q
    totals: Callable[[Q | None], dict[str, Any]]

    def total(self, records: Callable[[], QuerySet[Any]]) -> dict[str, Any]:
        """The totals over the `rows` of `records` (a function building a scope's
        queryset, not built at all when the statement is cached), through `aggregate`."""
        return aggregate(lambda: records().filter(self.rows), **self.totals(None))

    def grouped(self, prefix: str) -> dict[str, Any]:
        """The totals restricted to `rows`, named `prefix` + name, for `annotate`."""
        return {prefix + name: value for name, value in self.totals(self.rows).items()}

    def of_group(self, group: Mapping[str, Any] | None, prefix: str) -> dict[str, Any]:
        """The totals from a `grouped(prefix)` row, by name; for a group that has no row
        (no records at all), each aggregate's value over no rows (0 for a count, None
        for a sum), as `aggregate` answers for an empty scope."""
        if group is not None:
            return {name: group[prefix + name] for name in self.totals(None)}
        return {name: empty_value(value) for name, value in self.totals(None).items()}


def empty_value(expression: Any) -> Any:
    """What aggregating `expression` over no rows gives: 0 for a count, None for a sum."""
    value = getattr(expression, "empty_result_set_value", None)
    return None if value is NotImplemented else value


def group_counts(grouped: QuerySet[Any], **conditions: str) -> dict[str, Any]:
    """{"groups": n, name: groups meeting the condition, …} of a GROUP BY queryset.

    `grouped` is a `.values(...).annotate(...)` queryset (one row per group); each
    condition is SQL over its selected column names ("categories >= 2"). One statement:
    `SELECT count(*), count(*) FILTER (WHERE …) FROM (grouped) g`, the floor a person
    writes, where `.count()` per condition would scan the rows once per figure.
    Raises ValueError in a history run (metrics.history then computes per window).
    """
    inner, params = grouped.query.sql_with_params()
    columns = ", ".join(
        ["count(*) AS groups"]
        + [f"count(*) FILTER (WHERE {sql}) AS {name}" for name, sql in conditions.items()]
    )
    # The conditions are constants of the KPI modules, never anything a client sent.
    sql = f"SELECT {columns} FROM ({inner}) AS grouped"  # noqa: S608
    names = ["groups", *conditions]
    source = aggregate_source.get()
    if source is not None:
        result: dict[str, Any] = source.select(sql, params, names, grouped.db)
        return result
    with connections[grouped.db].cursor() as cursor:
        cursor.execute(sql, params)
        return dict(zip(names, cursor.fetchone(), strict=True))


def lists_details() -> bool:
    """Whether the figures' details are wanted (missing rates, per-stage breakdowns): yes
    for a live computation, no in a history run, which stores numbers only."""
    source = aggregate_source.get()
    return source is None or bool(getattr(source, "lists_details", False))


def spell_active_at(moment: datetime, prefix: str = "") -> Q:
    """Customer spells under way at `moment` (begun before it, not ended before it)."""
    return Q(**{f"{prefix}started_at__lt": moment}) & (
        Q(**{f"{prefix}ended_at__isnull": True}) | Q(**{f"{prefix}ended_at__gte": moment})
    )


def first_spell_in(period: Period, prefix: str = "") -> Q:
    """First customer spells begun in the period: the contact's `new customers`."""
    return Q(
        **{
            f"{prefix}first": True,
            f"{prefix}started_at__gte": period.start_at,
            f"{prefix}started_at__lt": period.end_at,
        }
    )


def money_aggregates(
    *, on: str, amount: str = "amount", currency: str = "currency"
) -> dict[str, Any]:
    """The aggregates of a converted total, to pass to `aggregate` beside others:
    `total` (in the reporting currency) and, for a live computation, `missing` (the
    currencies and days without a rate; read it with `missing_of`)."""
    # Functions building them: their rate subqueries cost more to build than a cached
    # statement (metrics.kpis.statements) takes to run, and it needs only their names.
    aggregates: dict[str, Any] = {"total": lambda: converted_sum(amount, currency, on)}
    if lists_details():
        # One aggregate beside the total rather than a second query over the same rows.
        aggregates["missing"] = lambda: JSONBAgg(
            JSONObject(currency=F(currency), date=TruncDate(on)),
            distinct=True,
            filter=unconverted(currency, on),
        )
    return aggregates


def missing_of(totals: dict[str, Any]) -> list[dict[str, Any]]:
    """[{"currency", "date"}] by date then currency, from `money_aggregates`' `missing`."""
    rows = [
        {"currency": row["currency"], "date": date.fromisoformat(row["date"])}
        for row in totals.get("missing") or []
    ]
    return sorted(rows, key=lambda row: (row["date"], row["currency"]))


def converted_total(
    queryset: QuerySetOrBuilder, *, on: str, amount: str = "amount", currency: str = "currency"
) -> tuple[Decimal | None, list[dict[str, Any]]]:
    """(total in the reporting currency, missing rates) of `amount` over `queryset`.

    Each row converts at the rate valid on its date `on` (metrics.currency); rows without
    a rate are left out of the total and listed as [{"currency", "date"}]. A history run
    (metrics.history) stores numbers only and lists no missing rates.
    """
    totals = aggregate(queryset, **money_aggregates(on=on, amount=amount, currency=currency))
    return totals["total"], missing_of(totals)


def in_reporting_currency(result: KpiResult, missing: list[dict[str, Any]]) -> KpiResult:
    """Mark `result` as money in the reporting currency, with any missing rates in `extra`."""
    result.currency = reporting_currency()
    if missing:
        result.extra["missing_rates"] = missing
    return result


def row_count(queryset: QuerySetOrBuilder) -> int:
    """`queryset.count()` through `aggregate` (for querysets without GROUP BY)."""
    return int(aggregate(queryset, n=Count("pk"))["n"])


def money(amount: Decimal | int | str | None) -> Decimal:
    return (Decimal(amount or 0)).quantize(CENT, rounding=ROUND_HALF_UP)


def rounded(number: Decimal | int | str) -> Decimal:
    return Decimal(number).quantize(PRECISION, rounding=ROUND_HALF_UP)


def percent(numerator: int | None, denominator: int | None) -> KpiResult:
    part, whole = int(numerator or 0), int(denominator or 0)
    value = rounded(HUNDRED * part / whole) if whole else None
    return KpiResult(value=value, numerator=part, denominator=whole)


def count(number: int | None, **extra: Any) -> KpiResult:
    counted = int(number or 0)
    return KpiResult(value=counted, numerator=counted, denominator=None, extra=extra)


def amount(total: Decimal | int | None) -> KpiResult:
    summed = money(total)
    return KpiResult(
        value=summed, numerator=summed, denominator=None, money=frozenset({"value", "numerator"})
    )


def mean_duration(total: timedelta | None, n: int | None, *, per: Decimal) -> KpiResult:
    """Mean of a duration in days (per=SECONDS_PER_DAY) or hours; numerator is the total."""
    rows = int(n or 0)
    seconds = Decimal(str(total.total_seconds())) if total else Decimal(0)
    total_units = rounded(seconds / per)
    value = rounded(seconds / per / rows) if rows else None
    return KpiResult(value=value, numerator=total_units, denominator=rows)


def elapsed(later: str, earlier: str) -> "ExpressionWrapper[CombinedExpression]":
    return ExpressionWrapper(F(later) - F(earlier), output_field=DurationField())


def duration_parts(rows: Q, later: str, earlier: str) -> Parts:
    """The parts of a mean-duration KPI (sales cycle, stay in a stage, resolution time):
    over `rows`, `total` (Σ later - earlier, a timedelta) and `n` (how many rows); the
    KPI's `*_of` divides them with `mean_duration`."""
    return Parts(
        rows=rows,
        totals=lambda within: {
            "total": Sum(elapsed(later, earlier), filter=within),
            "n": Count("id", filter=within),
        },
    )


def overlap_share(amount: Decimal | int | None, first: date, last: date, period: Period) -> Decimal:
    """The part of `amount` booked over `[first, last)` that falls in the period, by days
    (`prorated` for one row; not rounded, so the shares of a period's rows add up to it)."""
    span = (last - first).days
    overlap = (min(last, period.end) - max(first, period.start)).days
    if span <= 0 or overlap <= 0:
        return Decimal(0)
    return Decimal(amount or 0) * overlap / span


def booked_rows(queryset: QuerySetOrBuilder, *fields: str) -> list[tuple[Any, ...]]:
    """The (`fields`…) of every row of `queryset`, through `aggregate` (one array per field,
    in id order), so a few rows a KPI weighs in Python still come with its other figures
    in one statement. For small sets only: spend months, quota periods."""
    arrays = aggregate(queryset, **{name: ArrayAgg(name, order_by="id") for name in fields})
    return list(zip(*(arrays[name] or [] for name in fields), strict=True))


def summed_by(
    rows: Iterable[tuple[Any, ...]], key: Callable[[tuple[Any, ...]], tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """[(*key, Σ amount)] of (…, amount) `rows` grouped by `key(row)` (a tuple), in the
    order keys first appear: what `values(...).annotate(Sum(...))` gives, summed exactly."""
    totals: dict[tuple[Any, ...], Decimal] = {}
    for row in rows:
        group = key(row)
        totals[group] = totals.get(group, Decimal(0)) + row[-1]
    return [(*group, total) for group, total in totals.items()]


def prorated(groups: Iterable[tuple[date, date, Decimal]], period: Period) -> Decimal:
    """Sum amounts booked over date ranges `[first, last)`, each weighted by its overlap.

    `groups` are already aggregated in SQL (one row per month or quota period, not per
    record), so this loop is over a handful of periods, never over the rows themselves.
    """
    total = sum(
        (overlap_share(booked, first, last, period) for first, last, booked in groups), Decimal(0)
    )
    return money(total)
