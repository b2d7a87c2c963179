"""Quota attainment: won deal value / quota, read from the goals app's `Quota` model.

The goals app owns quotas; this module looks the model up lazily
(`apps.get_model("goals", "Quota")`) so metrics answers None (denominator 0) wherever
that model does not exist. The contract with goals.Quota: `owner` (rep, nullable),
`team` (nullable), `start` and `end` (dates, end exclusive) and `amount`.

A quota overlapping the measured period counts pro rata by days, so a monthly quota
still works for a 30-day trailing snapshot. Company scope sums the reps' quotas (rows
with an owner); team scope uses the team's own quotas (rows with that team).
"""

from django.apps import apps
from django.db.models import Q, Sum

from crm.models import DealStatus
from metrics.scopes import Period, Scope, ScopeType

from .base import KpiResult, aggregate, money, prorated, rounded
from .sales import deals_in


def quota_model():
    try:
        return apps.get_model("goals", "Quota")
    except LookupError:
        return None


def quota_amount(period: Period, scope: Scope):
    """The quota share falling in the period for the scope; None without a Quota model."""
    model = quota_model()
    if model is None:
        return None
    rows = model.objects.filter(start__lt=period.end, end__gt=period.start)
    if scope.type == ScopeType.OWNER:
        rows = rows.filter(owner_id=scope.id)
    elif scope.type == ScopeType.TEAM:
        rows = rows.filter(team_id=scope.id)
    else:
        rows = rows.filter(owner__isnull=False)
    # Grouped per quota period in SQL: a handful of rows to weigh, not one per rep.
    groups = rows.values_list("start", "end").annotate(total=Sum("amount")).order_by()
    return prorated(groups, period)


def quota_attainment(period: Period, scope: Scope) -> KpiResult:
    quota = quota_amount(period, scope) or money(0)
    won = aggregate(
        deals_in(scope).filter(
            Q(status=DealStatus.WON),
            closed_at__gte=period.start_at,
            closed_at__lt=period.end_at,
        ),
        total=Sum("value"),
    )["total"]
    won = money(won)
    value = rounded(100 * won / quota) if quota else None
    return KpiResult(
        value=value,
        numerator=won,
        denominator=quota,
        money=frozenset({"numerator", "denominator"}),
    )
