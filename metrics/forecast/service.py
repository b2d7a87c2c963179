"""The forecast of won value per month or quarter, for a scope, from the open pipeline.

For each open deal of the scope (one SQL statement annotates them all):

- P(won) = the measured conversion of its stage (`conversion.py`) x an age factor:
  `min(1, typical ÷ age)` where `age` is the days since the deal entered its stage and
  `typical` the stage's median finished stay (each at least 1 day). A deal twice as long
  in the stage as usual counts half; without a measured typical stay, no adjustment.
  This is a documented heuristic, not a fitted survival model.
- expected close date = the day it entered the stage + the stage's median days to close
  (GOALPOST_FORECAST_DEFAULT_DAYS_TO_CLOSE without won history), capped by the deal's
  `expected_close_date` where set, and never before today (an overdue deal is expected
  any day now).
- value in the reporting currency at the rate of its creation day (like every open deal
  total, metrics.currency); a deal without a rate is left out and listed in
  `missing_rates`.

Per period: `expected` = Σ P(won) x value of the deals expected to close in it; the
interval is the normal approximation of that sum of independent Bernoulli x value terms,
mean mu = Σ p·v, variance sigma^2 = Σ p(1-p)·v², 10th and 90th percentiles mu -/+ 1.2816 sigma, held
within [0, Σ v]. With few deals the true distribution is lumpy and the band is only a
guide. Won deals closed in the period (`actual`, at their close day's rate) are added to
both ends: `forecast = actual + expected`. Sums are aggregated in SQL per period
(GROUP BY the truncated expected close date); Python only loops over the few periods.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from math import ceil, sqrt

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import (
    Avg,
    Case,
    Count,
    DateField,
    DateTimeField,
    F,
    FloatField,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Trunc, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import Deal, DealStatus, ForecastCategory
from metrics.currency import converted, missing_rates, reporting_currency
from metrics.kpis.base import money
from metrics.scopes import Period, Scope, ScopeType

from .conversion import StageConversion, lookback_days, stage_conversion_list
from .sql import Days, Greatest, Least, Median, PlusDays

# The standard normal quantile at 0.9: mu ± Z90·sigma spans the 10th to the 90th percentile.
Z90 = 1.2815515655446004
PAST_PERIODS = 3
AHEAD_PERIODS = 3
SCOPE_TYPES = (ScopeType.COMPANY, ScopeType.TEAM, ScopeType.OWNER, ScopeType.PIPELINE)


class PeriodKind:
    MONTH = "month"
    QUARTER = "quarter"
    CHOICES = [(MONTH, _("Month")), (QUARTER, _("Quarter"))]
    MONTHS = {MONTH: 1, QUARTER: 3}


def period_containing(kind: str, day: date) -> Period:
    """The calendar month or quarter that contains `day`."""
    months = PeriodKind.MONTHS[kind]
    start = day.replace(month=(day.month - 1) // months * months + 1, day=1)
    return Period(start, start + relativedelta(months=months))


def period_shifted(kind: str, period: Period, steps: int) -> Period:
    months = PeriodKind.MONTHS[kind] * steps
    return period_containing(kind, period.start + relativedelta(months=months))


def periods_ahead(kind: str, earlier: date, later: date) -> int:
    """How many periods `later`'s period lies after `earlier`'s (0: the same period)."""
    a, b = period_containing(kind, earlier).start, period_containing(kind, later).start
    return ((b.year - a.year) * 12 + b.month - a.month) // PeriodKind.MONTHS[kind]


@dataclass
class PeriodForecast:
    start: date
    end: date
    actual: Decimal  # won value closed in the period so far
    won_deals: int
    expected: Decimal  # Σ p·v of the open deals expected to close in it
    low: Decimal  # 10th percentile of actual + open
    high: Decimal  # 90th percentile
    open_deals: int
    expected_deals: Decimal  # Σ p: the deals expected to be won
    by_category: dict  # {commit, best_case, pipeline: expected value}
    target: Decimal | None  # the scope's quotas in the period (people scopes)
    is_past: bool
    is_current: bool

    @property
    def forecast(self) -> Decimal:
        return self.actual + self.expected


@dataclass
class Forecast:
    kind: str
    scope: Scope
    today: date
    currency: str
    periods: list[PeriodForecast]
    conversions: list[StageConversion]
    missing_rates: list = field(default_factory=list)


def deals_of(scope: Scope) -> QuerySet[Deal]:
    """The deals of a company, team, rep (owner) or pipeline scope."""
    if scope.type == ScopeType.PIPELINE:
        return Deal.objects.filter(pipeline_id=scope.id)  # type: ignore[misc]  # a pipeline scope has an id
    return Deal.objects.filter(scope.people_q("owner"))


def _per_stage(conversions, value_of, output_field, default=None):
    whens = [
        When(stage_id=c.stage_id, then=Value(value_of(c), output_field=output_field))
        for c in conversions
    ]
    # Cast: with every branch NULL PostgreSQL would type the CASE as text.
    return Cast(
        Case(*whens, default=Value(default, output_field=output_field), output_field=output_field),
        output_field,
    )


def _days_to_close(c: StageConversion) -> int:
    if c.days_to_close is None:
        return settings.GOALPOST_FORECAST_DEFAULT_DAYS_TO_CLOSE
    return round(c.days_to_close)


def _typical_days(c: StageConversion) -> float | None:
    if c.typical_days_in_stage is None:
        return None
    return max(c.typical_days_in_stage, 1.0)


def open_deals_weighted(
    *, scope: Scope, now: datetime, conversions: list[StageConversion]
) -> QuerySet:
    """The scope's open deals annotated (module docstring) with:

    `f_p` (float 0..1, P(won) after the age factor), `f_close` (date, expected close),
    `f_value` (float, value in the reporting currency, NULL without a rate),
    `f_expected` (float, f_p x f_value), `f_age_days` (float).
    """
    today = timezone.localdate(now)
    entered = Coalesce("stage_entered_at", "created_at")
    age = Greatest(Days(Value(now, output_field=DateTimeField()) - entered), Value(1.0))
    typical = _per_stage(conversions, _typical_days, FloatField())
    return (
        deals_of(scope)
        .filter(status=DealStatus.OPEN)
        .annotate(
            f_age_days=age,
            f_p=_per_stage(conversions, lambda c: c.probability, FloatField(), 0.0)
            * Least(Value(1.0), Coalesce(typical, age) / age, output_field=FloatField()),
            f_close=Greatest(
                Least(
                    PlusDays(
                        TruncDate(entered),
                        _per_stage(conversions, _days_to_close, IntegerField(), 0),
                    ),
                    F("expected_close_date"),
                    output_field=DateField(),
                ),
                Value(today, output_field=DateField()),
                output_field=DateField(),
            ),
            f_value=Cast(converted("value", "currency", "created_at"), FloatField()),
            f_expected=F("f_p") * F("f_value"),
        )
    )


def _cents(number) -> Decimal:
    return money(Decimal(str(number or 0)))


def _interval(actual: Decimal, mean: float, variance: float, total: float):
    spread = Z90 * sqrt(max(variance, 0.0))
    low = max(0.0, mean - spread)
    high = min(total, mean + spread)
    return actual + _cents(low), actual + _cents(high)


def _open_totals() -> dict:
    categories = {
        f"cat_{key}": Sum("f_expected", filter=Q(forecast_category=key))
        for key in ForecastCategory.values
    }
    return dict(
        expected=Sum("f_expected"),
        variance=Sum(F("f_p") * (Value(1.0) - F("f_p")) * F("f_value") * F("f_value")),
        total=Sum("f_value"),
        n=Count("pk"),
        expected_n=Sum("f_p"),
        **categories,
    )


def won_in(scope: Scope, start: datetime, end: datetime) -> QuerySet:
    return deals_of(scope).filter(status=DealStatus.WON, closed_at__gte=start, closed_at__lt=end)


def _targets(periods: list[Period], scope: Scope) -> list:
    if scope.type == ScopeType.PIPELINE:
        return [None] * len(periods)
    from metrics.kpis.quotas import quota_amount

    return [quota_amount(p, scope) for p in periods]


def forecast_build(*, kind: str, scope: Scope, now: datetime | None = None) -> Forecast:
    """The forecast of `scope` for PAST_PERIODS periods before the current one, the current
    one and AHEAD_PERIODS after it; `kind` is PeriodKind.MONTH or QUARTER.

    Money is Decimal in the reporting currency, rounded to cents. A fixed number of
    queries whatever the number of deals (two grouped aggregates, the stage conversion,
    the missing rates and one quota read per period). Raises KeyError for an unknown kind
    and ValueError for a scope type outside SCOPE_TYPES.
    """
    if scope.type not in SCOPE_TYPES:
        raise ValueError(f"no forecast for the {scope.type} scope")
    now = now or timezone.now()
    today = timezone.localdate(now)
    current = period_containing(kind, today)
    periods = [
        period_shifted(kind, current, step) for step in range(-PAST_PERIODS, AHEAD_PERIODS + 1)
    ]
    conversions = stage_conversion_list(now=now)
    weighted = open_deals_weighted(scope=scope, now=now, conversions=conversions)
    trunc_kind = "quarter" if kind == PeriodKind.QUARTER else "month"
    bucket = Trunc("f_close", trunc_kind, output_field=DateField())
    open_rows = {
        row["bucket"]: row
        for row in weighted.filter(f_close__lt=periods[-1].end)
        .order_by()
        .annotate(bucket=bucket)
        .values("bucket")
        .annotate(**_open_totals())
    }
    won = won_in(scope, periods[0].start_at, periods[-1].end_at)
    won_rows = {
        row["bucket"]: row
        for row in won.order_by()
        .annotate(bucket=TruncDate(Trunc("closed_at", trunc_kind)))
        .values("bucket")
        .annotate(actual=Sum(converted("value", "currency", "closed_at")), n=Count("pk"))
    }
    result = []
    for period, target in zip(periods, _targets(periods, scope), strict=True):
        o, w = open_rows.get(period.start, {}), won_rows.get(period.start, {})
        actual = _cents(w.get("actual"))
        low, high = _interval(
            actual, o.get("expected") or 0.0, o.get("variance") or 0.0, o.get("total") or 0.0
        )
        result.append(
            PeriodForecast(
                start=period.start,
                end=period.end,
                actual=actual,
                won_deals=w.get("n", 0),
                expected=_cents(o.get("expected")),
                low=low,
                high=high,
                open_deals=o.get("n", 0),
                expected_deals=Decimal(str(o.get("expected_n") or 0)).quantize(Decimal("0.01")),
                by_category={key: _cents(o.get(f"cat_{key}")) for key in ForecastCategory.values},
                # No quota covering the period is no target, not a target of zero.
                target=money(target) if target else None,
                is_past=period.end <= today,
                is_current=period == current,
            )
        )
    missing = missing_rates(weighted, currency="currency", on="created_at") + missing_rates(
        won, currency="currency", on="closed_at"
    )
    return Forecast(
        kind=kind,
        scope=scope,
        today=today,
        currency=reporting_currency(),
        periods=result,
        conversions=conversions,
        missing_rates=missing,
    )


def forecast_deals(
    *, kind: str, scope: Scope, start: date, now: datetime | None = None, limit: int = 100
) -> dict:
    """The deals behind one period's numbers: {"period", "open", "won", "open_count",
    "won_count"}; `open` are the open deals expected to close in it, biggest expected value
    first, annotated as in `open_deals_weighted`; `won` the deals won in it. At most
    `limit` of each (the counts are the full numbers). Raises KeyError for an unknown kind.
    """
    now = now or timezone.now()
    period = period_containing(kind, start)
    conversions = stage_conversion_list(now=now)
    weighted = open_deals_weighted(scope=scope, now=now, conversions=conversions).filter(
        f_close__gte=period.start, f_close__lt=period.end
    )
    won = won_in(scope, period.start_at, period.end_at)
    related = ("owner", "stage")
    return {
        "period": period,
        "open": list(
            weighted.select_related(*related).order_by(F("f_expected").desc(nulls_last=True), "id")[
                :limit
            ]
        ),
        "won": list(won.select_related(*related).order_by("-closed_at", "id")[:limit]),
        "open_count": weighted.count(),
        "won_count": won.count(),
    }


@dataclass(frozen=True)
class WindowForecast:
    actual: Decimal
    expected: Decimal
    low: Decimal
    high: Decimal

    @property
    def forecast(self) -> Decimal:
        return self.actual + self.expected


def forecast_window(*, scope: Scope, period: Period, now: datetime | None = None):
    """Won value expected in any `[start, end)` (a goal's KPI window): won so far in it
    plus the open deals expected to close in it (same model as `forecast_build`)."""
    now = now or timezone.now()
    conversions = stage_conversion_list(now=now)
    weighted = open_deals_weighted(scope=scope, now=now, conversions=conversions).filter(
        f_close__gte=period.start, f_close__lt=period.end
    )
    o = weighted.aggregate(**_open_totals())
    actual = _cents(
        won_in(scope, period.start_at, period.end_at).aggregate(
            total=Sum(converted("value", "currency", "closed_at"))
        )["total"]
    )
    low, high = _interval(actual, o["expected"] or 0.0, o["variance"] or 0.0, o["total"] or 0.0)
    return WindowForecast(actual, _cents(o["expected"]), low, high)


@dataclass(frozen=True)
class DealsNeeded:
    deals: int  # new deals of the average size to create
    create_by: date  # the deadline less the median days from creation to a win
    too_late: bool  # create_by has passed: deals created now usually win after the deadline
    average_value: Decimal  # of the deals won in the lookback, reporting currency
    win_rate: float  # won ÷ closed, deals created in the lookback


def deals_needed(
    *, scope: Scope, gap: Decimal, deadline: date, now: datetime | None = None
) -> DealsNeeded | None:
    """How many new deals of the average won size must be created, and by when, to add
    `gap` (reporting currency) of won value by `deadline`:
    ceil(gap ÷ (average won value x win rate of new deals)), created by
    deadline - median days from creation to win; all measured over the lookback.
    `too_late` when that day is already past: at the usual pace, deals created now win
    after the deadline. None when the gap is not positive or the history has no win.
    """
    if gap <= 0:
        return None
    now = now or timezone.now()
    since = now - timedelta(days=lookback_days())
    won = Q(status=DealStatus.WON)
    row = (
        deals_of(scope)
        .filter(created_at__gte=since, created_at__lt=now)
        .aggregate(
            average=Avg(converted("value", "currency", "closed_at"), filter=won),
            won=Count("pk", filter=won),
            closed=Count("pk", filter=~Q(status=DealStatus.OPEN)),
            days=Median(Days(F("closed_at") - F("created_at")), filter=won),
        )
    )
    if not row["won"] or not row["average"]:
        return None
    rate = row["won"] / row["closed"]
    average = money(row["average"])
    per_deal = Decimal(str(rate)) * average
    create_by = deadline - timedelta(days=round(row["days"] or 0))
    return DealsNeeded(
        deals=ceil(gap / per_deal),
        create_by=create_by,
        too_late=create_by < timezone.localdate(now),
        average_value=average,
        win_rate=rate,
    )


def quantize_share(value: float) -> Decimal:
    """A 0..1 probability as a percent number with one decimal (40.0 means 40 %)."""
    return (Decimal(str(value)) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
