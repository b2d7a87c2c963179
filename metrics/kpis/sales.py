"""Sales KPIs: leads, conversion, close and win rates, open deals, cycle and stage durations.

Deals belong to a rep through `owner` and to a pipeline; leads to a rep and a campaign.

Close rate and conversion rate are cohort KPIs (PRODUCT.md §4): of the deals (leads)
created in the period, the share that has reached the outcome *as of now*, whenever that
happened. A recent cohort is still maturing, so each carries `extra["open_share"]`: the
percentage of the cohort still undecided (deals open, leads neither converted nor
disqualified). Their snapshots are restated nightly while the cohort matures
(`metrics.services.restate_cohorts`).
"""

from django.db.models import Count, Q, Sum

from crm.models import Activity, ActivityKind, Deal, DealStatus, Lead, LeadStatus, StageChange
from metrics.scopes import Period, Scope, ScopeType

from .base import (
    HUNDRED,
    SECONDS_PER_DAY,
    KpiResult,
    aggregate,
    aggregate_source,
    converted_total,
    count,
    elapsed,
    in_reporting_currency,
    mean_duration,
    money,
    percent,
    rounded,
    row_count,
)


def deals_in(scope: Scope):
    if scope.type == ScopeType.PIPELINE:
        return Deal.objects.filter(pipeline_id=scope.id)
    return Deal.objects.filter(scope.people_q("owner"))


def leads_in(scope: Scope):
    if scope.type == ScopeType.CAMPAIGN:
        return Lead.objects.filter(campaign_id=scope.id)
    return Lead.objects.filter(scope.people_q("owner"))


def _created(period: Period) -> Q:
    return Q(created_at__gte=period.start_at, created_at__lt=period.end_at)


def _closed(period: Period) -> Q:
    return Q(closed_at__gte=period.start_at, closed_at__lt=period.end_at)


def leads(period: Period, scope: Scope) -> KpiResult:
    return count(row_count(leads_in(scope).filter(_created(period))))


def cohort(reached, undecided, created) -> KpiResult:
    """percent(reached, created) with `extra["open_share"]` = undecided / created * 100."""
    result = percent(reached, created)
    created = int(created or 0)
    result.extra["open_share"] = (
        rounded(HUNDRED * int(undecided or 0) / created) if created else None
    )
    return result


def conversion_rate(period: Period, scope: Scope) -> KpiResult:
    """Leads created in the period converted as of now / leads created * 100; open_share:
    those neither converted nor disqualified yet."""
    totals = aggregate(
        leads_in(scope).filter(_created(period)),
        created=Count("id"),
        converted=Count("id", filter=Q(converted_at__isnull=False)),
        undecided=Count(
            "id",
            filter=Q(converted_at__isnull=True)
            & ~Q(status__in=[LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED]),
        ),
    )
    return cohort(totals["converted"], totals["undecided"], totals["created"])


def close_rate(period: Period, scope: Scope) -> KpiResult:
    """Deals created in the period won as of now / deals created * 100; open_share: those
    neither won nor lost yet."""
    totals = aggregate(
        deals_in(scope).filter(_created(period)),
        created=Count("id"),
        won=Count("id", filter=Q(status=DealStatus.WON)),
        undecided=Count("id", filter=Q(status=DealStatus.OPEN)),
    )
    return cohort(totals["won"], totals["undecided"], totals["created"])


def win_rate(period: Period, scope: Scope) -> KpiResult:
    totals = aggregate(
        deals_in(scope).filter(_closed(period), status__in=[DealStatus.WON, DealStatus.LOST]),
        closed=Count("id"),
        won=Count("id", filter=Q(status=DealStatus.WON)),
    )
    return percent(totals["won"], totals["closed"])


def open_deals(period: Period, scope: Scope) -> KpiResult:
    """Deals created before the end and not closed before it, whatever happened later.

    extra.amount is their value in the reporting currency.
    """
    still_open = (
        deals_in(scope)
        .filter(created_at__lt=period.end_at)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=period.end_at))
    )
    n = row_count(still_open)
    # Open value converts at each deal's creation-day rate (metrics.currency).
    total, missing = converted_total(still_open, amount="value", on="created_at")
    return in_reporting_currency(count(n, amount=money(total)), missing)


def sales_cycle_days(period: Period, scope: Scope) -> KpiResult:
    totals = aggregate(
        deals_in(scope).filter(_closed(period), status=DealStatus.WON),
        total=Sum(elapsed("closed_at", "created_at")),
        n=Count("id"),
    )
    return mean_duration(totals["total"], totals["n"], per=SECONDS_PER_DAY)


def stage_duration_days(period: Period, scope: Scope) -> KpiResult:
    """Mean stay in a stage over the stays that ended in the period; per-stage breakdown."""
    exits = StageChange.objects.filter(left_at__gte=period.start_at, left_at__lt=period.end_at)
    if scope.type == ScopeType.PIPELINE:
        exits = exits.filter(stage__pipeline_id=scope.id)
    else:
        exits = exits.filter(scope.people_q("deal__owner"))
    stay = elapsed("left_at", "entered_at")
    totals = aggregate(exits, total=Sum(stay), n=Count("id"))
    result = mean_duration(totals["total"], totals["n"], per=SECONDS_PER_DAY)
    if aggregate_source.get() is not None:
        return result  # a history (metrics.history) stores no per-stage breakdown
    rows = (
        exits.values("stage_id", "stage__name", "stage__position", "stage__pipeline__name")
        .annotate(total=Sum(stay), n=Count("id"))
        .order_by("stage__pipeline__name", "stage__position", "stage_id")
    )
    result.breakdown = [
        {
            "stage": row["stage_id"],
            "name": row["stage__name"],
            "pipeline": row["stage__pipeline__name"],
            "exits": row["n"],
            "days": mean_duration(row["total"], row["n"], per=SECONDS_PER_DAY).value,
        }
        for row in rows
    ]
    return result


def calls_per_lead(period: Period, scope: Scope) -> KpiResult:
    """Completed calls on leads ÷ distinct leads with any completed activity in the period.

    A rep's figure counts the activities assigned to them.
    """
    done = Activity.objects.filter(
        lead__isnull=False, done_at__gte=period.start_at, done_at__lt=period.end_at
    )
    if scope.type == ScopeType.CAMPAIGN:
        done = done.filter(lead__campaign_id=scope.id)
    else:
        done = done.filter(scope.people_q("assignee"))
    totals = aggregate(
        done,
        calls=Count("id", filter=Q(kind=ActivityKind.CALL)),
        worked=Count("lead", distinct=True),
    )
    calls, worked = totals["calls"], totals["worked"]
    value = rounded(calls / worked) if worked else None
    return KpiResult(value=value, numerator=calls, denominator=worked)
