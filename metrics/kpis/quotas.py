"""Quota attainment: won deal value ÷ quota, read from the quota model goals registers.

The goals app owns quotas, and goals sits above metrics (the import contracts in
pyproject.toml): metrics does not name it. GoalsConfig.ready() hands its model over
(`quota_source_register`); without it metrics answers None (denominator 0). The contract
with that model: `owner` (rep, nullable), `team` (nullable), `start` and `end` (dates,
end exclusive) and `amount`.

One definition for every scope, and the only implementation of it (the quotas page,
`/api/quotas/`, the sales report and the KPI all call this module):

    attainment = won value of the people who carry the quotas that apply to the scope
                 ÷ those quotas (pro rata by day) x 100

- Rep: the rep's own quotas; the rep's wins while one of them runs.
- Team: the team's own quotas; a member's own quota counts only where no quota of the
  team overlaps it (the team quota is the one that applies). So a team without a quota
  sums its members' quotas, and the wins counted are those of its members while a
  counted quota covers them (every member under the team quota).
- Company: the top-level quotas — every team quota, plus the quotas of reps whose team
  has no quota overlapping theirs — and the wins of the people they cover. Wins by users
  whom no counted quota covers (no quota of their own, no team quota) do not count.

A win is covered when a counted quota of its owner (or of its owner's current team)
runs on its close day, `start ≤ close day < end`. A quota overlapping the measured
period counts pro rata by days, so a monthly quota still works for a 30-day trailing
snapshot. Worked example: rep quota 1,000, the rep's team quota 2,000, 3,000 won by the
rep → rep 300 %, team 150 %, company 150 % (the team quota is the top-level one).
"""

from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, Exists, Model, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate

from crm.models import Deal, DealStatus
from metrics.currency import converted_sum
from metrics.scopes import Period, Scope, ScopeType

from .base import (
    DENOMINATOR,
    HUNDRED,
    NUMERATOR,
    KpiResult,
    Rows,
    booked_rows,
    converted_total,
    in_reporting_currency,
    money,
    overlap_share,
    prorated,
    rounded,
    summed_by,
)
from .sales import deals_in

MONEY_FIELD = DecimalField(max_digits=16, decimal_places=2)

_quota_model: type[Model] | None = None


def quota_source_register(model: type[Model]) -> None:
    """Read quotas from `model` (fields as in the module docstring).

    Called from GoalsConfig.ready(); registering again replaces the model.
    """
    global _quota_model
    _quota_model = model


def quota_model() -> type[Model] | None:
    """The registered quota model; None when no app registered one."""
    return _quota_model


def top_level(quotas: QuerySet[Any]) -> QuerySet[Any]:
    """Team quotas, and the rep quotas that no quota of the rep's team overlaps."""
    team_quota_over_it = quotas.model.objects.filter(
        team_id=OuterRef("owner__team_id"), start__lt=OuterRef("end"), end__gt=OuterRef("start")
    )
    return quotas.filter(Q(team__isnull=False) | ~Exists(team_quota_over_it))


def applying_quotas(scope: Scope) -> QuerySet[Any] | None:
    """The quota rows that apply to the scope (module docstring); None without the model."""
    model = quota_model()
    if model is None:
        return None
    if scope.type == ScopeType.OWNER:
        return model._default_manager.filter(owner_id=scope.id)
    if scope.type == ScopeType.TEAM:
        return top_level(
            model._default_manager.filter(Q(team_id=scope.id) | Q(owner__team_id=scope.id))
        )
    return top_level(model._default_manager.all())


def covered_wins(deals: QuerySet[Any], quotas: QuerySet[Any]) -> QuerySet[Any]:
    """Won `deals` whose owner carries one of `quotas` on the deal's close day.

    A rep quota covers its rep, a team quota the team's members. `quotas` may refer to an
    outer query (`OuterRef(OuterRef(...))`) as the quotas page does for each row.
    """
    covering = quotas.filter(
        Q(owner_id=OuterRef("owner_id")) | Q(team_id=OuterRef("owner__team_id")),
        start__lte=OuterRef("closed_on"),
        end__gt=OuterRef("closed_on"),
    )
    won: QuerySet[Any] = (
        deals.filter(status=DealStatus.WON)
        .annotate(closed_on=TruncDate("closed_at"))
        .filter(Exists(covering))
    )
    return won


def attainment_percent(won: Decimal | None, quota: Decimal | None) -> Decimal | None:
    """won ÷ quota x 100 (4 decimals); None for a zero or missing quota."""
    return rounded(HUNDRED * money(won) / quota) if quota else None


def quotas_in(period: Period, scope: Scope) -> QuerySet[Any] | None:
    """The applying quotas that overlap the period; None without a Quota model."""
    rows = applying_quotas(scope)
    if rows is None:
        return None
    return rows.filter(start__lt=period.end, end__gt=period.start)


def wins_counted(period: Period, scope: Scope, quotas: QuerySet[Any]) -> QuerySet[Any]:
    """Wins of the period covered by `quotas` (the applying quotas of the scope)."""
    return covered_wins(deals_in(scope), quotas).filter(
        closed_at__gte=period.start_at, closed_at__lt=period.end_at
    )


def quota_amount(period: Period, scope: Scope) -> Decimal | None:
    """The applying quotas' share falling in the period; None without a Quota model."""
    rows = quotas_in(period, scope)
    if rows is None:
        return None
    # Summed per quota period (a handful of rows, one per quota), then weighed by days.
    booked = booked_rows(rows, "start", "end", "amount")
    return prorated(summed_by(booked, key=lambda row: (row[0], row[1])), period)


def quota_attainment(period: Period, scope: Scope) -> KpiResult:
    """Attainment of the scope's quotas in the period (module docstring), in percent.

    numerator: won value covered by the applying quotas, closed in the period (money);
    denominator: those quotas pro rata by day (money); value None when no quota applies.
    """
    quotas = applying_quotas(scope)
    won: Decimal | None = None
    missing: list[dict[str, Any]] = []
    if quotas is not None:
        # Wins in any currency, at the rate of their close day; quotas are set in the
        # reporting currency.
        won, missing = converted_total(
            wins_counted(period, scope, quotas), on="closed_at", amount="value"
        )
    return in_reporting_currency(_result(won, quota_amount(period, scope)), missing)


def quota_attainment_records(period: Period, scope: Scope) -> list[Rows]:
    """numerator: the covered wins, at their close-day rate; denominator: the applying
    quotas, each with its share in the period."""
    quotas = applying_quotas(scope)
    if quotas is None:
        return []
    return [
        Rows(
            "won",
            NUMERATOR,
            wins_counted(period, scope, quotas),
            date="closed_at",
            amount="value",
            currency="currency",
            on="closed_at",
        ),
        Rows(
            "quotas",
            DENOMINATOR,
            quotas.filter(start__lt=period.end, end__gt=period.start),  # quotas_in's rows
            date="start",
            amount="amount",
            share=lambda quota: overlap_share(quota.amount, quota.start, quota.end, period),
        ),
    ]


def attainment_by_owner(period: Period) -> dict[int, KpiResult]:
    """`quota_attainment` of every rep with a quota in the period, in two grouped queries.

    {rep id: KpiResult} for the sales report; reps without a quota overlapping the
    period are absent. Rep scope as in the module docstring: the rep's own quotas.
    """
    model = quota_model()
    if model is None:
        return {}
    reps_quotas = model._default_manager.filter(owner__isnull=False)
    groups = (
        reps_quotas.filter(start__lt=period.end, end__gt=period.start)
        .values_list("owner", "start", "end")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    per_owner: dict[int, list[tuple[Any, Any, Any]]] = {}
    for owner, first, last, total in groups:
        per_owner.setdefault(owner, []).append((first, last, total))
    won = dict(
        covered_wins(
            Deal.objects.filter(closed_at__gte=period.start_at, closed_at__lt=period.end_at),
            reps_quotas,
        )
        .order_by()
        .values("owner")
        .annotate(total=converted_sum("value", "currency", "closed_at"))
        .values_list("owner", "total")
    )
    return {
        owner: _result(won.get(owner), prorated(rows, period)) for owner, rows in per_owner.items()
    }


def _result(won: Decimal | None, quota: Decimal | None) -> KpiResult:
    won_money, quota_money = money(won), quota or money(0)
    return KpiResult(
        value=attainment_percent(won_money, quota_money),
        numerator=won_money,
        denominator=quota_money,
        money=frozenset({"numerator", "denominator"}),
    )


def with_won_value(quotas: QuerySet[Any]) -> QuerySet[Any]:
    """Annotate each quota row with `won_value`: what it covers over its own dates.

    The same rule as `quota_attainment` for the row's rep or team over [start, end):
    deals won while this quota runs by its rep, or by the team's members.
    """
    this_row = quotas.model.objects.filter(pk=OuterRef(OuterRef("pk")))
    won = (
        covered_wins(Deal.objects.all(), this_row)
        .order_by()
        .values("status")
        .annotate(total=converted_sum("value", "currency", "closed_at"))
        .values("total")
    )
    annotated: QuerySet[Any] = quotas.annotate(
        won_value=Coalesce(Subquery(won, output_field=MONEY_FIELD), Decimal("0.00"))
    )
    return annotated
