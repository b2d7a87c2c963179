"""How good past forecasts were: nightly snapshots held against what was won.

Each night `forecast_snapshot_take` stores, for every scope (company, each active rep,
each team, each pipeline) and both period kinds, the forecast of the current period and
the AHEAD_PERIODS after it. Once a period has ended, `forecast_accuracy` reads, for each
horizon (0: forecast made during the period itself, 1: during the period before, ...),
the earliest snapshot of that horizon against the period's actual won value:
absolute percentage error = |forecast - actual| ÷ actual x 100 (undefined when nothing was
won), and the mean absolute percentage error (MAPE) per horizon over the ended periods.
"""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Sum
from django.db.models.functions import Trunc, TruncDate
from django.utils import timezone

from crm.models import Pipeline, Role, Team, User
from metrics.currency import converted
from metrics.models import ForecastSnapshot
from metrics.scopes import Scope

from .service import (
    PeriodKind,
    _cents,
    forecast_build,
    period_containing,
    period_shifted,
    periods_ahead,
    won_in,
)

ENDED_PERIODS = 6
ONE_PLACE = Decimal("0.1")


def forecast_scopes() -> list[Scope]:
    reps = User.objects.filter(is_active=True, role=Role.REP).values_list("pk", flat=True)
    return [
        Scope.company(),
        *(Scope.owner(pk) for pk in reps),
        *(Scope.team(pk) for pk in Team.objects.values_list("pk", flat=True)),
        *(Scope.pipeline(pk) for pk in Pipeline.objects.values_list("pk", flat=True)),
    ]


def forecast_snapshot_take(*, now: datetime | None = None) -> int:
    """Store today's forecasts of the current and coming periods of every scope.

    Idempotent: a rerun on the same day replaces that day's rows. Returns the rows written.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    rows: list[ForecastSnapshot] = []
    for kind, _label in PeriodKind.CHOICES:
        for scope in forecast_scopes():
            forecast = forecast_build(kind=kind, scope=scope, now=now)
            rows.extend(
                ForecastSnapshot(
                    taken_on=today,
                    period_kind=kind,
                    period_start=p.start,
                    scope_type=scope.type,
                    scope_id=scope.snapshot_id,
                    forecast=p.forecast,
                    low=p.low,
                    high=p.high,
                    currency=forecast.currency,
                )
                for p in forecast.periods
                if not p.is_past
            )
    ForecastSnapshot.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["taken_on", "period_kind", "period_start", "scope_type", "scope_id"],
        update_fields=["forecast", "low", "high", "currency"],
    )
    return len(rows)


def _error(forecast: Decimal, actual: Decimal) -> Decimal | None:
    if not actual:
        return None
    return (abs(forecast - actual) / actual * 100).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def forecast_accuracy(*, kind: str, scope: Scope, now: datetime | None = None) -> dict:
    """{"rows": [{"period_start", "period_end", "taken_on", "horizon", "forecast",
    "actual", "error"}], "mape": [{"horizon", "mape", "periods"}]} for the ENDED_PERIODS
    periods before the current one that have snapshots; error and MAPE in percent (one
    decimal), money in the reporting currency. Two queries.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    current = period_containing(kind, today)
    ended = [period_shifted(kind, current, -step) for step in range(ENDED_PERIODS, 0, -1)]
    snapshots = (
        ForecastSnapshot.objects.filter(
            period_kind=kind,
            scope_type=scope.type,
            scope_id=scope.snapshot_id,
            period_start__in=[p.start for p in ended],
        )
        .order_by("period_start", "taken_on")
        .values_list("period_start", "taken_on", "forecast")
    )
    trunc_kind = "quarter" if kind == PeriodKind.QUARTER else "month"
    actuals = {
        row["bucket"]: _cents(row["actual"])
        for row in won_in(scope, ended[0].start_at, ended[-1].end_at)
        .order_by()
        .annotate(bucket=TruncDate(Trunc("closed_at", trunc_kind)))
        .values("bucket")
        .annotate(actual=Sum(converted("value", "currency", "closed_at")), n=Count("pk"))
    }
    ends = {p.start: p.end for p in ended}
    rows: list[dict[str, Any]] = []
    seen = set()
    for start, taken_on, forecast in snapshots:
        horizon = periods_ahead(kind, taken_on, start)
        if (start, horizon) in seen:
            continue  # the earliest snapshot of each horizon speaks for it
        seen.add((start, horizon))
        actual = actuals.get(start, Decimal("0.00"))
        rows.append(
            {
                "period_start": start,
                "period_end": ends[start],
                "taken_on": taken_on,
                "horizon": horizon,
                "forecast": forecast,
                "actual": actual,
                "error": _error(forecast, actual),
            }
        )
    by_horizon: dict[int, list] = {}
    for row in rows:
        if row["error"] is not None:
            by_horizon.setdefault(row["horizon"], []).append(row["error"])
    mape = [
        {
            "horizon": horizon,
            "mape": (sum(errors) / len(errors)).quantize(ONE_PLACE, rounding=ROUND_HALF_UP),
            "periods": len(errors),
        }
        for horizon, errors in sorted(by_horizon.items())
    ]
    return {"rows": rows, "mape": mape}
