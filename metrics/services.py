"""Snapshots: every KPI for every scope, stored per day so goals and charts have history.

A snapshot dated D measures the KPI_SNAPSHOT_WINDOW_DAYS (default 30) days ending with D,
i.e. `[D - 29, D + 1)`: a trailing window, so a goal's "current value" is always a full
month of evidence however early in a calendar month it is read.

Cohort KPIs (close and conversion rate, `registry.COHORT`) count outcomes as of now, so a
snapshot's cohort keeps maturing after the night it was taken: `restate_cohorts` recomputes
the stored snapshots of the last COHORT_RESTATE_DAYS days every night, so a goal's history
converges to the cohort's truth instead of freezing at what was known on the first night.

The nightly run is fanned out (metrics.tasks): `scope_chunks` splits the scopes, each chunk
is snapshotted and restated by its own task on whichever worker is free, and
`prune_departed_scopes` removes beforehand what no chunk will rewrite.
"""

from collections.abc import Callable, Collection
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from crm.db_router import reading_from_replica
from crm.models import Campaign, Pipeline, Role, Team, User
from metrics import registry
from metrics.history import kpi_history
from metrics.kpis.base import KpiResult
from metrics.models import KpiSnapshot
from metrics.registry import Kpi
from metrics.scopes import Period, Scope

UPDATED_FIELDS = [
    "value",
    "numerator",
    "denominator",
    "window_days",
    "definition_version",
    "computed_at",
]


# A cohort is restated nightly while this young (days since its snapshot date).
COHORT_RESTATE_DAYS = 180


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


def _snapshot_row(
    kpi: Kpi, scope: Scope, day: date, result: KpiResult, *, stamp: datetime, window: int
) -> KpiSnapshot:
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


def scopes_q(scopes: list[Scope]) -> Q:
    """A filter on KpiSnapshot matching the rows of exactly these scopes (one IN per type)."""
    ids_by_type: dict[str, list[int]] = {}
    for scope in scopes:
        ids_by_type.setdefault(scope.type, []).append(scope.snapshot_id)
    matching = Q(pk__in=[])
    for scope_type, ids in ids_by_type.items():
        matching |= Q(scope_type=scope_type, scope_id__in=ids)
    return matching


def _store(
    rows: list[KpiSnapshot],
    days: list[date],
    stamp: datetime,
    *,
    kpis: list[str] | None = None,
    scopes: list[Scope] | None = None,
) -> None:
    """Upsert the rows; rows of those days this run did not produce (a deleted team, a KPI
    no longer defined) are removed, so each day is exactly this run. With `kpis` (keys),
    the run covered only those KPIs and only their rows are replaced; with `scopes`, only
    those scopes' rows (one chunk of the nightly fan-out)."""
    KpiSnapshot.objects.bulk_create(
        rows,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["kpi", "scope_type", "scope_id", "date"],
        update_fields=UPDATED_FIELDS,
    )
    stale = KpiSnapshot.objects.filter(date__in=days).exclude(computed_at=stamp)
    if kpis is not None:
        stale = stale.filter(kpi__in=kpis)
    if scopes is not None:
        stale = stale.filter(scopes_q(scopes))
    stale.delete()


def snapshot_day(day: date, *, scopes: list[Scope] | None = None) -> int:
    """Compute and upsert every KPI x scope for `day`; a rerun replaces that day's rows.

    Without `scopes` the day is exactly this run (rows of scopes gone since are removed);
    with `scopes` only those scopes' rows are replaced, other scopes' rows stay. The KPIs
    are read in reading_from_replica() (the read replica when one is configured), before
    and outside the transaction that stores them. Returns the number of rows written.
    """
    chosen = snapshot_scopes() if scopes is None else scopes
    period = snapshot_period(day)
    stamp, window = timezone.now(), snapshot_window_days()
    with reading_from_replica():
        rows = [
            _snapshot_row(kpi, scope, day, kpi.function(period, scope), stamp=stamp, window=window)
            for scope in chosen
            for kpi in registry.KPIS.values()
            if kpi.supports(scope.type)
        ]
    with transaction.atomic():
        _store(rows, [day], stamp, scopes=scopes)
    return len(rows)


@transaction.atomic
def snapshot_history(
    days: list[date],
    *,
    scopes: list[Scope] | None = None,
    progress: Callable[[str], object] | None = None,
    kpis: Collection[str] | None = None,
) -> int:
    """`snapshot_day` for many days at once: each KPI x scope in one SQL statement per
    aggregate over all the days (metrics.history), not one pass per day.

    `progress`, if given, is called with each KPI's key after it is done (a progress bar).
    `kpis` (keys) limits the run to those KPIs; the other KPIs' rows of the days stay;
    `scopes` likewise (the other scopes' rows stay). Everything runs on the primary: the
    statements join the scratch windows this transaction writes (metrics.history).
    Returns the number of rows written; the rows equal snapshot_day's, day by day.
    """
    chosen_scopes = snapshot_scopes() if scopes is None else scopes
    periods = {day: snapshot_period(day) for day in days}
    stamp, window = timezone.now(), snapshot_window_days()
    chosen = [k for k in registry.KPIS.values() if kpis is None or k.key in kpis]
    rows = []
    for kpi in chosen:
        set_based = True
        for scope in chosen_scopes:
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
    chosen_keys = None if kpis is None else [k.key for k in chosen]
    _store(rows, days, stamp, kpis=chosen_keys, scopes=scopes)
    return len(rows)


def cohort_kpis() -> list[str]:
    return [kpi.key for kpi in registry.KPIS.values() if kpi.is_cohort]


def _restate_window(until: date, days: int = COHORT_RESTATE_DAYS) -> Q:
    return Q(kpi__in=cohort_kpis(), date__gt=until - timedelta(days=days), date__lte=until)


def restate_cohorts(
    until: date, *, days: int = COHORT_RESTATE_DAYS, scopes: list[Scope] | None = None
) -> int:
    """Recompute the cohort KPIs' stored snapshots dated in `(until - days, until]`.

    Only days that already have snapshots (of any scope) are restated (a weekly backfill
    stays weekly), each KPI x scope in one statement per aggregate over all those days
    (snapshot_history); `scopes` limits the run to those scopes (a chunk of the night).
    Returns the number of rows written.
    """
    restated = sorted(
        KpiSnapshot.objects.filter(_restate_window(until, days))
        .values_list("date", flat=True)
        .distinct()
    )
    if not restated:
        return 0
    return snapshot_history(restated, kpis=cohort_kpis(), scopes=scopes)


def scope_chunks(scopes: list[Scope], size: int) -> list[list[Scope]]:
    """`scopes` in consecutive chunks of at most `size` (>= 1), in their order: the company
    first, so the largest single computation starts first."""
    if size < 1:
        raise ValueError("A chunk holds at least one scope.")
    return [scopes[i : i + size] for i in range(0, len(scopes), size)]


def prune_departed_scopes(day: date, scopes: list[Scope]) -> int:
    """Delete the snapshot rows of scopes not in `scopes` (an inactive rep, a deleted
    team) that a whole-night snapshot_day + restate_cohorts of `day` would have removed:
    every KPI's on `day`, the cohort KPIs' on the days restated. Chunks only replace
    their own scopes' rows, so the fan-out calls this first. Returns rows deleted.
    """
    gone = KpiSnapshot.objects.filter(Q(date=day) | _restate_window(day)).exclude(scopes_q(scopes))
    return gone.delete()[0]


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
