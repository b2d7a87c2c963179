"""The goals app's one door into `metrics`: the KPI catalogue, snapshots and live values.

Goals speak of a "rep" scope with an empty id for the company; metrics calls the rep
scope "owner" and stores the company's id as 0 in snapshots. The translation lives here
so nothing else in goals knows metrics' internals.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    DecimalField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from crm.policies import own_figures_only
from goals.models import ScopeType
from metrics import registry
from metrics.currency import reporting_currency
from metrics.drilldown import records_url as metrics_records_url
from metrics.forecast.service import SCOPE_TYPES, deals_needed, forecast_window
from metrics.kpis.quotas import quota_amount
from metrics.models import KpiSnapshot
from metrics.scopes import Period, Scope, UnsupportedScope
from metrics.services import snapshot_period

if TYPE_CHECKING:
    from crm.models import User
    from goals.models import Goal

# Keyed by plain str: goals and forms hand in scope types as strings.
METRICS_SCOPE: dict[str, str] = {
    ScopeType.COMPANY: "company",
    ScopeType.REP: "owner",
    ScopeType.TEAM: "team",
    ScopeType.PIPELINE: "pipeline",
    ScopeType.CAMPAIGN: "campaign",
}


@dataclass(frozen=True)
class KpiInfo:
    key: str
    name: str
    unit: str
    direction: str


def kpi_catalogue() -> list[KpiInfo]:
    return [
        KpiInfo(k.key, str(k.name), str(k.unit), str(k.direction)) for k in registry.KPIS.values()
    ]


def kpi_info(key: str) -> KpiInfo | None:
    kpi = registry.KPIS.get(key)
    return None if kpi is None else KpiInfo(kpi.key, str(kpi.name), str(kpi.unit), kpi.direction)


def kpi_exists(key: str) -> bool:
    return key in registry.KPIS


def kpi_supports(key: str, scope_type: str) -> bool:
    """Whether metrics computes the KPI for that kind of scope (CAC has no per-rep value)."""
    kpi = registry.KPIS.get(key)
    return (
        kpi is not None and scope_type in METRICS_SCOPE and kpi.supports(METRICS_SCOPE[scope_type])
    )


def lower_is_better(key: str) -> bool:
    kpi = registry.KPIS.get(key)
    return kpi is not None and kpi.direction == registry.LOWER


def natural_range(key: str) -> tuple[Decimal | None, Decimal | None]:
    """The values the KPI can take: 0-100 for a percentage, -100-100 for a score (NPS),
    ≥ 0 for money, counts, durations and ratios; (None, None) for an unknown KPI."""
    kpi = registry.KPIS.get(key)
    if kpi is None:
        return None, None
    unit = registry.Unit
    if kpi.unit == unit.PERCENT:
        return Decimal(0), Decimal(100)
    if kpi.unit == unit.SCORE:
        return Decimal(-100), Decimal(100)
    return Decimal(0), None


def _snapshot_scope(scope_type: str, scope_id: Any) -> dict[str, Any]:
    return {
        "scope_type": METRICS_SCOPE[scope_type],
        "scope_id": 0 if scope_type == ScopeType.COMPANY else int(scope_id),
    }


def snapshot_series(
    kpi: str, scope_type: str, scope_id: Any, *, since: date, until: date
) -> list[tuple[date, Decimal]]:
    """[(date, value)] of the stored snapshots in [since, until], oldest first."""
    rows = (
        KpiSnapshot.objects.filter(kpi=kpi, date__gte=since, date__lte=until, value__isnull=False)
        .filter(**_snapshot_scope(scope_type, scope_id))
        .order_by("date")
        .values_list("date", "value")
    )
    # Never None (value__isnull=False above); the check narrows the type for mypy.
    return [(day, Decimal(value)) for day, value in rows if value is not None]


def baseline_at(kpi: str, scope_type: str, scope_id: Any, start: date) -> Decimal | None:
    """A goal's baseline: the KPI computed live over the snapshot window ending at the
    start date (`[start - 30 days, start)`, the window of the snapshot dated the day
    before), never a stored snapshot, which may be old or of a cohort since matured."""
    return live_value(kpi, scope_type, scope_id, day=start - timedelta(days=1))


def _live_result(kpi: str, scope_type: str, scope_id: Any, *, day: date):
    scope = Scope(METRICS_SCOPE[scope_type], None if scope_type == ScopeType.COMPANY else scope_id)
    try:
        return registry.compute(kpi, snapshot_period(day), scope)
    except (UnsupportedScope, KeyError):
        return None


def records_url(kpi: str, scope_type: str, scope_id: Any, *, day: date, user: "User") -> str | None:
    """The page listing the records behind the KPI over the window a snapshot dated `day`
    measures (the goal's current value); None where metrics has no such figure or `user`
    may not open that scope (a rep sees only their own figures)."""
    if not kpi_supports(kpi, scope_type):
        return None

    scope = Scope(METRICS_SCOPE[scope_type], None if scope_type == ScopeType.COMPANY else scope_id)
    if own_figures_only(user) and scope != Scope.owner(user.pk):
        return None
    return metrics_records_url(kpi, snapshot_period(day), scope)


def live_value(kpi: str, scope_type: str, scope_id: Any, *, day: date) -> Decimal | None:
    """The KPI computed now over the trailing window a snapshot dated `day` measures."""
    result = _live_result(kpi, scope_type, scope_id, day=day)
    return None if result is None or result.value is None else Decimal(result.value)


def money_currency(kpi: str) -> str | None:
    """The reporting currency a money KPI is measured in; None for other KPIs."""
    info = registry.KPIS.get(kpi)
    if info is None or info.unit != registry.Unit.MONEY:
        return None

    return reporting_currency()


def latest_window_notes(kpi: str, scope_type: str, scope_id: Any, *, day: date) -> dict:
    """What a goal page says beside the KPI's latest window (the one a snapshot dated `day`
    measures), from one live computation:

    - `open_share`: for a cohort KPI (close, conversion rate), the percentage of the
      window's cohort still undecided; None for other KPIs;
    - `missing_rates`: for a money KPI, [{"currency", "date"}] of amounts left out for want
      of an exchange rate (metrics.currency); [] otherwise.
    """
    notes: dict[str, Any] = {"open_share": None, "missing_rates": []}
    info = registry.KPIS.get(kpi)
    if info is None or not (info.is_cohort or info.unit == registry.Unit.MONEY):
        return notes
    result = _live_result(kpi, scope_type, scope_id, day=day)
    if result is not None:
        notes["open_share"] = result.extra.get("open_share") if info.is_cohort else None
        notes["missing_rates"] = result.extra.get("missing_rates", [])
    return notes


def annotate_latest_value(queryset: "QuerySet[Goal]", *, until: date) -> "QuerySet[Goal]":
    """Annotate a Goal queryset with `live_current`: the latest snapshot of its KPI and
    scope on or before `until` (one correlated subquery, no query per goal)."""
    queryset = queryset.annotate(
        snapshot_scope_type=Case(
            *(When(scope_type=ours, then=Value(theirs)) for ours, theirs in METRICS_SCOPE.items()),
            output_field=CharField(),
        ),
        snapshot_scope_id=Coalesce("scope_id", Value(0), output_field=BigIntegerField()),
    )
    latest = (
        KpiSnapshot.objects.filter(
            kpi=OuterRef("kpi"),
            scope_type=OuterRef("snapshot_scope_type"),
            scope_id=OuterRef("snapshot_scope_id"),
            date__lte=until,
            value__isnull=False,
        )
        .order_by("-date")
        .values("value")[:1]
    )
    return queryset.annotate(
        live_current=Subquery(latest, output_field=DecimalField(max_digits=20, decimal_places=4))
    )


# Goals on these KPIs get the pipeline forecast at their deadline beside the trend line
# (the catalogue has no "won value" or "deals won" KPI; they would join here).
FORECASTABLE = frozenset({"new_revenue", "quota_attainment"})
FOUR_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class DeadlineForecast:
    value: Decimal  # the KPI forecast at the deadline, in the KPI's unit
    deals_needed: int | None  # new deals of the average size to create to reach the target
    create_by: date | None  # by when they must be created
    too_late: bool  # create_by has passed: at the usual pace new deals win after the deadline
    average_value: Decimal | None  # the average won deal, reporting currency
    currency: str  # the reporting currency


def forecast_at_deadline(
    kpi: str, scope_type: str, scope_id: Any, *, deadline: date, target: Decimal, today: date
) -> DeadlineForecast | None:
    """The pipeline forecast of a money goal's KPI at its deadline (metrics.forecast).

    value = the KPI computed now over the window its deadline snapshot measures (what has
    already happened in it) + the expected won value of the open deals expected to close
    in that window before the deadline; for quota attainment that sum ÷ the window's quota
    x 100. Won deal value stands in for the revenue a win brings (new revenue counts
    purchases): a proxy, said so on the page. When the forecast falls short of a target
    to raise, `deals_needed` says how many new deals of the average won size (at the
    measured win rate) must be created, and by when (deadline - median days to a win).
    None for other KPIs, scopes without deals (campaign) and deadlines already passed.
    """
    if kpi not in FORECASTABLE or deadline < today or scope_type not in METRICS_SCOPE:
        return None

    scope = Scope(METRICS_SCOPE[scope_type], None if scope_type == ScopeType.COMPANY else scope_id)
    if scope.type not in SCOPE_TYPES:
        return None
    window = snapshot_period(deadline)
    upcoming = Period(max(window.start, today), window.end)
    expected = forecast_window(scope=scope, period=upcoming).expected
    live = _live_result(kpi, scope_type, scope_id, day=deadline)
    if live is None:
        return None
    if kpi == "quota_attainment":
        quota = quota_amount(window, scope)
        if not quota:
            return None
        won = Decimal(live.numerator or 0) + expected
        value = (won / quota * 100).quantize(FOUR_PLACES)
        gap = (target - value) / 100 * quota
    else:
        value = (Decimal(live.value or 0) + expected).quantize(FOUR_PLACES)
        gap = target - value
    needed = deals_needed(scope=scope, gap=gap, deadline=deadline)
    return DeadlineForecast(
        value=value,
        deals_needed=needed.deals if needed else None,
        create_by=needed.create_by if needed else None,
        too_late=bool(needed and needed.too_late),
        average_value=needed.average_value if needed else None,
        currency=reporting_currency(),
    )
