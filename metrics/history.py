"""KPI history in SQL set operations: one KPI over many snapshot windows at once.

A backfill used to call every KPI once per day, a query or two each time. Here each
aggregate a KPI makes (`metrics.kpis.base.aggregate`) runs once for all the days: the
windows are rows of `KpiWindow`, the KPI's period bounds are references to their columns
(`OuterRef`), and the aggregate becomes a correlated subquery in one SELECT over the
windows. The KPI's own Python code (ratios, rounding) then runs per window on the numbers
that statement returned, so there is still one formula per KPI.

A KPI whose Python works on concrete dates (CAC's and quota's proration by days),
counts grouped rows (repeat and cross-sell customers) or nests its period inside a
subquery of a subquery (upsell) cannot take symbolic bounds: it fails on the first window
(TypeError, ValueError, FieldError) before anything is stored, and is computed per window
instead (`History.set_based`).
"""

import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import FieldError
from django.db.models import OuterRef, QuerySet, Subquery, Value

from metrics.kpis.base import (
    KpiResult,
    QuerySetOrBuilder,
    aggregate_source,
    built,
    built_aggregates,
)
from metrics.models import KpiWindow
from metrics.scopes import Period, Scope

# The failures of a KPI that needs concrete dates (see the module docstring).
NOT_SET_BASED = (TypeError, ValueError, FieldError, AttributeError)


class WindowBounds:
    """A period whose bounds are the current window row's columns, for use inside SQL."""

    def __init__(self, start="start", end="end"):
        self.start, self.end = OuterRef(start), OuterRef(end)
        self.start_at, self.end_at = OuterRef(f"{start}_at"), OuterRef(f"{end}_at")

    def trailing_year(self) -> "WindowBounds":
        return WindowBounds("year_start", "end")


class WindowAggregates:
    """Answers `aggregate()` for every window in one statement; then serves one day's row.

    A KPI makes the same aggregate calls, in the same order, for every window (its bounds
    are the same symbols each time), so the n-th call of a window is answered from the
    statement the n-th call of the first window ran; the names are checked to agree.
    """

    # Only the first window's calls build their querysets and aggregates (see aggregate).
    takes_builders = True

    def __init__(self, windows: QuerySet):
        self.windows = windows
        self.day: date | None = None
        self._calls = 0
        self._answers: list[tuple[tuple, dict[date, dict]]] = []

    def start_window(self, day: date) -> None:
        self.day, self._calls = day, 0

    def aggregate(self, queryset: QuerySetOrBuilder, aggregates: dict) -> dict:
        call, self._calls = self._calls, self._calls + 1
        if call == len(self._answers):
            rows = self._run(built(queryset), built_aggregates(aggregates))
            self._answers.append((tuple(aggregates), rows))
        names, rows = self._answers[call]
        if names != tuple(aggregates):
            raise ValueError("The KPI's aggregates differ between windows.")
        assert self.day is not None, "start_window() names the window first"
        return dict(rows[self.day])

    def _run(self, queryset: QuerySet, aggregates: dict) -> dict[date, dict]:
        # A select without GROUP BY: exactly one row per window, as .aggregate() gives.
        per_window = {
            name: Subquery(
                queryset.order_by()
                .annotate(_all=Value(1))
                .values("_all")
                .annotate(**{name: expression})
                .values(name)
            )
            for name, expression in aggregates.items()
        }
        statement = self.windows.annotate(**per_window).values("day", *aggregates)
        return {row.pop("day"): row for row in statement}


@dataclass
class History:
    results: dict[date, KpiResult]
    # False when the KPI needed concrete dates and was computed window by window.
    set_based: bool


@contextmanager
def _windows(periods: dict[date, Period]):
    run = uuid.uuid4()
    KpiWindow.objects.bulk_create(
        KpiWindow(
            run=run,
            day=day,
            start=period.start,
            end=period.end,
            start_at=period.start_at,
            end_at=period.end_at,
            year_start=period.trailing_year().start,
            year_start_at=period.trailing_year().start_at,
        )
        for day, period in periods.items()
    )
    try:
        yield KpiWindow.objects.filter(run=run).order_by()
    finally:
        KpiWindow.objects.filter(run=run).delete()


def kpi_history(
    function: Callable[[Period, Scope], KpiResult],
    scope: Scope,
    periods: dict[date, Period],
    *,
    try_set_based: bool = True,
) -> History:
    """`function(period, scope)` for every `{day: period}`, one statement per aggregate.

    Falls back to one call per period for a KPI that needs concrete dates (see the module
    docstring), at once with `try_set_based=False` (a KPI known to need them); the results
    are the same either way.
    """
    if not try_set_based:
        return History({day: function(p, scope) for day, p in periods.items()}, False)
    with _windows(periods) as windows:
        source = WindowAggregates(windows)
        token = aggregate_source.set(source)
        try:
            results = {}
            for day in periods:
                source.start_window(day)
                # WindowBounds stands in for a Period: the same attributes, as SQL bounds.
                results[day] = function(WindowBounds(), scope)  # type: ignore[arg-type]
            return History(results, set_based=True)
        except NOT_SET_BASED:
            pass
        finally:
            aggregate_source.reset(token)
    return History({day: function(period, scope) for day, period in periods.items()}, False)
