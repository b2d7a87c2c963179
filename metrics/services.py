"""Snapshots: every KPI for every scope, stored per day so goals and charts have history.

A snapshot dated D measures the KPI_SNAPSHOT_WINDOW_DAYS (default 30) days ending with D,
i.e. `[D - 29, D + 1)`: a trailing window, so a goal's "current value" is always a full
month of evidence however early in a calendar month it is read.
"""

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from crm.models import Campaign, Pipeline, Role, Team, User
from metrics import registry
from metrics.history import kpi_history
from metrics.models import KpiSnapshot
from metrics.scopes import Period, Scope

UPDATED_FIELDS = [
    "value",
    "numerator",
    "denominator",
    "window_days",
    "definition_version",
    "computed_at",
]


def snapshot_window_days() -> int:
    return int(getattr(settings, "KPI_SNAPSHOT_WINDOW_DAYS", 30))


def snapshot_period(day: date) -> Period:
    return Period(day - timedelta(days=snapshot_window_days() - 1), day + timedelta(days=1))


def snapshot_scopes() -> list[Scope]:
    """Company, each active rep, each team, each pipeline and each campaign."""
    reps = User.objects.filter(is_active=True, role=Role.REP).values_list("pk", flat=True)
    return [
        Scope.company(),
        *(Scope.owner(pk) for pk in reps),
        *(Scope.team(pk) for pk in Team.objects.values_list("pk", flat=True)),
        *(Scope.pipeline(pk) for pk in Pipeline.objects.values_list("pk", flat=True)),
        *(Scope.campaign(pk) for pk in Campaign.objects.values_list("pk", flat=True)),
    ]


def _snapshot_row(kpi, scope: Scope, day: date, result, *, stamp, window: int) -> KpiSnapshot:
    return KpiSnapshot(
        kpi=kpi.key,
        scope_type=scope.type,
        scope_id=scope.snapshot_id,
        date=day,
        value=result.value,
        numerator=result.numerator,
        denominator=result.denominator,
        window_days=window,
        definition_version=kpi.version,
        computed_at=stamp,
    )


def _store(rows: list[KpiSnapshot], days: list[date], stamp) -> None:
    """Upsert the rows; rows of those days this run did not produce (a deleted team, a KPI
    no longer defined) are removed, so each day is exactly this run."""
    KpiSnapshot.objects.bulk_create(
        rows,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["kpi", "scope_type", "scope_id", "date"],
        update_fields=UPDATED_FIELDS,
    )
    KpiSnapshot.objects.filter(date__in=days).exclude(computed_at=stamp).delete()


@transaction.atomic
def snapshot_day(day: date, *, scopes: list[Scope] | None = None) -> int:
    """Compute and upsert every KPI x scope for `day`; a rerun replaces that day's rows.

    Returns the number of rows written.
    """
    scopes = snapshot_scopes() if scopes is None else scopes
    period = snapshot_period(day)
    stamp, window = timezone.now(), snapshot_window_days()
    rows = [
        _snapshot_row(kpi, scope, day, kpi.function(period, scope), stamp=stamp, window=window)
        for scope in scopes
        for kpi in registry.KPIS.values()
        if kpi.supports(scope.type)
    ]
    _store(rows, [day], stamp)
    return len(rows)


@transaction.atomic
def snapshot_history(days: list[date], *, scopes: list[Scope] | None = None, progress=None) -> int:
    """`snapshot_day` for many days at once: each KPI x scope in one SQL statement per
    aggregate over all the days (metrics.history), not one pass per day.

    `progress`, if given, is called with each KPI's key after it is done (a progress bar).
    Returns the number of rows written; the rows equal snapshot_day's, day by day.
    """
    scopes = snapshot_scopes() if scopes is None else scopes
    periods = {day: snapshot_period(day) for day in days}
    stamp, window = timezone.now(), snapshot_window_days()
    rows = []
    for kpi in registry.KPIS.values():
        set_based = True
        for scope in scopes:
            if not kpi.supports(scope.type):
                continue
            history = kpi_history(kpi.function, scope, periods, try_set_based=set_based)
            set_based = history.set_based
            rows += [
                _snapshot_row(kpi, scope, day, result, stamp=stamp, window=window)
                for day, result in history.results.items()
            ]
        if progress is not None:
            progress(kpi.key)
    _store(rows, days, stamp)
    return len(rows)


def backfill_days(first: date, last: date, *, daily_recent_days: int | None = None) -> list[date]:
    """The days a backfill of `[first, last]` snapshots, newest last.

    With `daily_recent_days`, only that many most recent days are daily; older history is
    weekly (every 7th day counted back from `last`): a 12-month demo backfill computes 78
    days instead of 365, and charts still get a point per week.
    """
    days = []
    day = last
    while day >= first:
        days.append(day)
        recent = daily_recent_days is None or (last - day).days < daily_recent_days
        day -= timedelta(days=1 if recent else 7)
    return days[::-1]
