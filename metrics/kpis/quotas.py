"""Quota attainment: won deal value ÷ quota, read from the goals app's `Quota` model.

The goals app owns quotas. This module looks the model up lazily so metrics works (and
answers None) before that app has one. Expected fields on `goals.Quota`:

- `owner` (FK to the user, nullable) and/or `team` (FK to crm.Team, nullable);
- a period: `period_start` / `period_end` (also accepted: `start_date`/`end_date`,
  `start`/`end`). The end is the quota's LAST day (inclusive: January is 01-01..01-31),
  except when both ends fall on the 1st of a month, which reads as `[start, end)`;
- `amount` (also accepted: `target`, `value`), a decimal.

A quota overlapping the measured period counts pro rata by days, so a monthly quota
still works for a 30-day trailing snapshot. Company scope sums the reps' quotas (rows
with an owner); team scope uses the team's own quotas (rows with that team).
"""

from datetime import timedelta

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, Sum

from crm.models import DealStatus
from metrics.scopes import Period, Scope, ScopeType

from .base import KpiResult, money, prorated, rounded
from .sales import deals_in

START_FIELDS = ("period_start", "start_date", "start")
END_FIELDS = ("period_end", "end_date", "end")
AMOUNT_FIELDS = ("amount", "target", "value")


def quota_model():
    try:
        return apps.get_model("goals", "Quota")
    except LookupError:
        return None


def _field(model, names) -> str | None:
    for name in names:
        try:
            model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        return name
    return None


def quota_amount(period: Period, scope: Scope):
    """The quota falling in the period for the scope, or None when there is no Quota model."""
    model = quota_model()
    if model is None:
        return None
    start, end, amount = (
        _field(model, START_FIELDS),
        _field(model, END_FIELDS),
        _field(model, AMOUNT_FIELDS),
    )
    if not (start and end and amount):
        return None
    has_team = _field(model, ("team",)) is not None
    rows = model.objects.filter(
        **{f"{start}__lt": period.end, f"{end}__gte": period.start - timedelta(days=1)}
    )
    if scope.type == ScopeType.OWNER:
        rows = rows.filter(owner_id=scope.id)
    elif scope.type == ScopeType.TEAM:
        rows = rows.filter(team_id=scope.id) if has_team else rows.filter(owner__team_id=scope.id)
    else:
        rows = rows.filter(owner__isnull=False)
    groups = rows.values_list(start, end).annotate(total=Sum(amount)).order_by()
    return prorated(
        ((first, _exclusive_end(first, last), total) for first, last, total in groups), period
    )


def _exclusive_end(first, last):
    if first.day == 1 and last.day == 1 and last > first:
        return last
    return last + timedelta(days=1)


def quota_attainment(period: Period, scope: Scope) -> KpiResult:
    quota = quota_amount(period, scope) or money(0)
    won = (
        deals_in(scope)
        .filter(
            Q(status=DealStatus.WON),
            closed_at__gte=period.start_at,
            closed_at__lt=period.end_at,
        )
        .aggregate(total=Sum("value"))["total"]
    )
    won = money(won)
    value = rounded(100 * won / quota) if quota else None
    return KpiResult(
        value=value,
        numerator=won,
        denominator=quota,
        money=frozenset({"numerator", "denominator"}),
    )
