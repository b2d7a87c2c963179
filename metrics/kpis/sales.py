"""Sales KPIs: leads, conversion, close and win rates, open deals, cycle and stage durations.

Deals belong to a rep through `owner` and to a pipeline; leads to a rep and a campaign.

Close rate and conversion rate are cohort KPIs (PRODUCT.md §4): of the deals (leads)
created in the period, the share that has reached the outcome *as of now*, whenever that
happened. A recent cohort is still maturing, so each carries `extra["open_share"]`: the
percentage of the cohort still undecided (deals open, leads neither converted nor
disqualified). Their snapshots are restated nightly while the cohort matures
(`metrics.services.restate_cohorts`).
"""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet

from crm.models import Activity, ActivityKind, Deal, DealStatus, Lead, LeadStatus, StageChange
from metrics.scopes import Period, Scope, ScopeType

from .base import (
    AVERAGED,
    DENOMINATOR,
    HUNDRED,
    NUMERATOR,
    SECONDS_PER_DAY,
    KpiResult,
    Parts,
    Rows,
    aggregate,
    aggregate_source,
    count,
    duration_parts,
    in_reporting_currency,
    mean_duration,
    missing_of,
    money,
    money_aggregates,
    percent,
    rounded,
    row_count,
    where,
)


def deals_in(scope: Scope) -> QuerySet[Deal]:
    if scope.type == ScopeType.PIPELINE:
        return Deal.objects.filter(pipeline_id=scope.id)  # type: ignore[misc]  # a pipeline scope has an id
    return Deal.objects.filter(scope.people_q("owner"))


def leads_in(scope: Scope) -> QuerySet[Lead]:
    if scope.type == ScopeType.CAMPAIGN:
        return Lead.objects.filter(campaign_id=scope.id)  # type: ignore[misc]  # a campaign scope has an id
    return Lead.objects.filter(scope.people_q("owner"))


def _created(period: Period) -> Q:
    return Q(created_at__gte=period.start_at, created_at__lt=period.end_at)


def _closed(period: Period) -> Q:
    return Q(closed_at__gte=period.start_at, closed_at__lt=period.end_at)


# Each KPI's rows come from one builder (and one filter for its numerator), which both
# the aggregate and the `*_records` function (the list behind the number) use; the KPIs
# the sales report shows per rep give them as `Parts` (`*_parts`), and their formula over
# the totals as `*_of`, which the report applies to each rep's grouped totals.
WON = Q(status=DealStatus.WON)
UNDECIDED_DEAL = Q(status=DealStatus.OPEN)
CONVERTED = Q(converted_at__isnull=False)
UNDECIDED_LEAD = Q(converted_at__isnull=True) & ~Q(
    status__in=[LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED]
)


def leads_created(period: Period, scope: Scope) -> QuerySet[Lead]:
    return leads_in(scope).filter(_created(period))


def deals_created(period: Period, scope: Scope) -> QuerySet[Deal]:
    return deals_in(scope).filter(close_rate_parts(period).rows)


def deals_closed(period: Period, scope: Scope) -> QuerySet[Deal]:
    """Deals won or lost in the period."""
    return deals_in(scope).filter(win_rate_parts(period).rows)


def deals_still_open(period: Period, scope: Scope) -> QuerySet[Deal]:
    """Deals created before the end and not closed before it, whatever happened later."""
    return (
        deals_in(scope)
        .filter(created_at__lt=period.end_at)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=period.end_at))
    )


def created_or_closed_in(period: Period) -> Q:
    """Deals created or closed in the period: every row of the deal KPIs that the sales
    report groups (close rate, win rate, sales cycle) lies within it, each KPI's own
    filter picking its rows out (metrics/tests/test_reports_read_kpis.py checks this).
    Two index ranges for PostgreSQL, where the OR of the KPIs' rows is four."""
    return _created(period) | _closed(period)


def won_in(period: Period) -> Q:
    """Deals won in the period (by close time): the sales cycle's rows, the report's won
    deals and value."""
    return _closed(period) & WON


def deals_won(period: Period, scope: Scope) -> QuerySet[Deal]:
    return deals_in(scope).filter(won_in(period))


def stage_stays_in(scope: Scope) -> QuerySet[StageChange]:
    """Stays in a stage of the scope's deals (a pipeline's: in its stages), at any time."""
    if scope.type == ScopeType.PIPELINE:
        return StageChange.objects.filter(stage__pipeline_id=scope.id)  # type: ignore[misc]  # a pipeline scope has an id
    return StageChange.objects.filter(scope.people_q("deal__owner"))


def stage_exits(period: Period, scope: Scope) -> QuerySet[StageChange]:
    """Stays in a stage that ended in the period."""
    return stage_stays_in(scope).filter(stage_duration_days_parts(period).rows)


def lead_activities_in(scope: Scope) -> QuerySet[Activity]:
    """Activities of the scope (a rep's: those assigned to them; a campaign's: on its
    leads), at any time."""
    if scope.type == ScopeType.CAMPAIGN:
        return Activity.objects.filter(lead__campaign_id=scope.id)  # type: ignore[misc]  # a campaign scope has an id
    return Activity.objects.filter(scope.people_q("assignee"))


def lead_activities_done(period: Period, scope: Scope) -> QuerySet[Activity]:
    """Activities on leads completed in the period (a rep's: those assigned to them)."""
    return lead_activities_in(scope).filter(calls_per_lead_parts(period).rows)


CALL = Q(kind=ActivityKind.CALL)


def leads(period: Period, scope: Scope) -> KpiResult:
    return count(row_count(leads_created(period, scope)))


def leads_records(period: Period, scope: Scope) -> list[Rows]:
    return [Rows("leads", NUMERATOR, leads_created(period, scope), date="created_at")]


def cohort(reached: int | None, undecided: int | None, created: int | None) -> KpiResult:
    """percent(reached, created) with `extra["open_share"]` = undecided / created * 100."""
    result = percent(reached, created)
    cohort_size = int(created or 0)
    result.extra["open_share"] = (
        rounded(HUNDRED * int(undecided or 0) / cohort_size) if cohort_size else None
    )
    return result


def conversion_rate(period: Period, scope: Scope) -> KpiResult:
    """Leads created in the period converted as of now / leads created * 100; open_share:
    those neither converted nor disqualified yet."""
    totals = aggregate(
        leads_created(period, scope),
        created=Count("id"),
        converted=Count("id", filter=CONVERTED),
        undecided=Count("id", filter=UNDECIDED_LEAD),
    )
    return cohort(totals["converted"], totals["undecided"], totals["created"])


def conversion_rate_records(period: Period, scope: Scope) -> list[Rows]:
    created = leads_created(period, scope)
    return [
        Rows("converted", NUMERATOR, created.filter(CONVERTED), date="created_at"),
        Rows("created", DENOMINATOR, created, date="created_at"),
    ]


def close_rate_parts(period: Period) -> Parts:
    """Deals created in the period: `created`, and of them `won` and `undecided` (open),
    as of now."""
    return Parts(
        rows=_created(period),
        totals=lambda within: {
            "created": Count("id", filter=within),
            "won": Count("id", filter=where(within, WON)),
            "undecided": Count("id", filter=where(within, UNDECIDED_DEAL)),
        },
    )


def close_rate_of(totals: dict[str, Any]) -> KpiResult:
    """won / created * 100 (%), open_share undecided / created * 100, from
    `close_rate_parts`' totals; value None for no deal created."""
    return cohort(totals["won"], totals["undecided"], totals["created"])


def close_rate(period: Period, scope: Scope) -> KpiResult:
    """Deals created in the period won as of now / deals created * 100; open_share: those
    neither won nor lost yet."""
    return close_rate_of(close_rate_parts(period).total(lambda: deals_in(scope)))


def close_rate_records(period: Period, scope: Scope) -> list[Rows]:
    created = deals_created(period, scope)
    return [
        Rows("won", NUMERATOR, created.filter(WON), date="created_at"),
        Rows("created", DENOMINATOR, created, date="created_at"),
    ]


def win_rate_parts(period: Period) -> Parts:
    """Deals won or lost in the period (by close time): `closed`, of them `won`."""
    return Parts(
        rows=_closed(period) & Q(status__in=[DealStatus.WON, DealStatus.LOST]),
        totals=lambda within: {
            "closed": Count("id", filter=within),
            "won": Count("id", filter=where(within, WON)),
        },
    )


def win_rate_of(totals: dict[str, Any]) -> KpiResult:
    """won / closed * 100 (%) from `win_rate_parts`' totals; None for no deal closed."""
    return percent(totals["won"], totals["closed"])


def win_rate(period: Period, scope: Scope) -> KpiResult:
    return win_rate_of(win_rate_parts(period).total(lambda: deals_in(scope)))


def win_rate_records(period: Period, scope: Scope) -> list[Rows]:
    closed = deals_closed(period, scope)
    return [
        Rows("won", NUMERATOR, closed.filter(WON), date="closed_at"),
        Rows("closed", DENOMINATOR, closed, date="closed_at"),
    ]


def open_deals(period: Period, scope: Scope) -> KpiResult:
    """Deals created before the end and not closed before it, whatever happened later.

    extra.amount is their value in the reporting currency.
    """
    # One pass over the open deals for their count and value; the value converts at each
    # deal's creation-day rate (metrics.currency).
    totals = aggregate(
        deals_still_open(period, scope),
        n=Count("id"),
        **money_aggregates(amount="value", on="created_at"),
    )
    return in_reporting_currency(
        count(totals["n"], amount=money(totals["total"])), missing_of(totals)
    )


def open_deals_records(period: Period, scope: Scope) -> list[Rows]:
    return [
        Rows(
            "open",
            NUMERATOR,
            deals_still_open(period, scope),
            date="created_at",
            amount="value",
            currency="currency",
            on="created_at",
        )
    ]


def sales_cycle_days_parts(period: Period) -> Parts:
    """Deals won in the period: `total` (Σ closed_at - created_at, a timedelta) and `n`."""
    return duration_parts(won_in(period), "closed_at", "created_at")


def sales_cycle_days_of(totals: dict[str, Any]) -> KpiResult:
    """total / n in days (numerator: the total in days) from `sales_cycle_days_parts`'
    totals; None for no deal won."""
    return mean_duration(totals["total"], totals["n"], per=SECONDS_PER_DAY)


def sales_cycle_days(period: Period, scope: Scope) -> KpiResult:
    return sales_cycle_days_of(sales_cycle_days_parts(period).total(lambda: deals_in(scope)))


def sales_cycle_days_records(period: Period, scope: Scope) -> list[Rows]:
    return [
        Rows(
            "won",
            AVERAGED,
            deals_won(period, scope),
            date="closed_at",
            duration=("closed_at", "created_at"),
            per=SECONDS_PER_DAY,
        )
    ]


def stage_duration_days_parts(period: Period) -> Parts:
    """Stays in a stage that ended in the period: `total` (Σ left_at - entered_at, a
    timedelta) and `n`."""
    return duration_parts(
        Q(left_at__gte=period.start_at, left_at__lt=period.end_at), "left_at", "entered_at"
    )


def stage_duration_days_of(totals: dict[str, Any]) -> KpiResult:
    """total / n in days (numerator: the total in days) from `stage_duration_days_parts`'
    totals; None for no stay ended."""
    return mean_duration(totals["total"], totals["n"], per=SECONDS_PER_DAY)


def stage_duration_days(period: Period, scope: Scope) -> KpiResult:
    """Mean stay in a stage over the stays that ended in the period; per-stage breakdown.

    Live, one grouped query gives the breakdown and the mean is taken over its rows (the
    stays are partitioned by stage, so Σ per stage is the total): one pass, not two.
    """
    parts = stage_duration_days_parts(period)
    if aggregate_source.get() is not None:
        # A history run (metrics.history) or the dashboard's one statement
        # (metrics.kpis.together) takes no per-stage breakdown.
        return stage_duration_days_of(parts.total(lambda: stage_stays_in(scope)))
    # The django-stubs see only the values() columns, not the annotated totals.
    rows: list[dict[str, Any]] = list(
        stage_exits(period, scope)
        .values("stage_id", "stage__name", "stage__position", "stage__pipeline__name")
        .annotate(**parts.totals(None))
        .order_by("stage__pipeline__name", "stage__position", "stage_id")  # type: ignore[arg-type]
    )
    total = sum((row["total"] for row in rows if row["total"] is not None), timedelta())
    result = stage_duration_days_of({"total": total, "n": sum(row["n"] for row in rows)})
    result.breakdown = [
        {
            "stage": row["stage_id"],
            "name": row["stage__name"],
            "pipeline": row["stage__pipeline__name"],
            "exits": row["n"],
            "days": stage_duration_days_of(row).value,
        }
        for row in rows
    ]
    return result


def stage_duration_days_records(period: Period, scope: Scope) -> list[Rows]:
    return [
        Rows(
            "exits",
            AVERAGED,
            stage_exits(period, scope),
            date="left_at",
            duration=("left_at", "entered_at"),
            per=SECONDS_PER_DAY,
        )
    ]


def calls_per_lead_parts(period: Period) -> Parts:
    """Activities on leads completed in the period: `calls` (completed calls) and
    `worked` (distinct leads with any of them)."""
    return Parts(
        rows=Q(lead__isnull=False, done_at__gte=period.start_at, done_at__lt=period.end_at),
        totals=lambda within: {
            "calls": Count("id", filter=where(within, CALL)),
            "worked": Count("lead", distinct=True, filter=within),
        },
    )


def calls_per_lead_of(totals: dict[str, Any]) -> KpiResult:
    """calls / worked (a ratio, 4 decimals, in exact decimal arithmetic) from
    `calls_per_lead_parts`' totals; None for no lead worked."""
    calls, worked = int(totals["calls"] or 0), int(totals["worked"] or 0)
    value = rounded(Decimal(calls) / worked) if worked else None
    return KpiResult(value=value, numerator=calls, denominator=worked)


def calls_per_lead(period: Period, scope: Scope) -> KpiResult:
    """Completed calls on leads ÷ distinct leads with any completed activity in the period.

    A rep's figure counts the activities assigned to them.
    """
    return calls_per_lead_of(calls_per_lead_parts(period).total(lambda: lead_activities_in(scope)))


def calls_per_lead_records(period: Period, scope: Scope) -> list[Rows]:
    done = lead_activities_done(period, scope)
    return [
        Rows("calls", NUMERATOR, done.filter(CALL), date="done_at"),
        Rows(
            "worked",
            DENOMINATOR,
            Lead.objects.filter(pk__in=done.values("lead")),
            date="created_at",
        ),
    ]
