"""Report queries: each report is a fixed handful of grouped SQL queries, whatever the rows.

Sales performance groups the period's deals by owner and its lead activities by assignee;
pipeline bottlenecks group open deals and stage exits by stage; support groups tickets
by agent and NPS answers by month; marketing annotates campaigns with subqueries.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, Greatest, TruncMonth
from django.utils import timezone

from crm.models import (
    Activity,
    ActivityKind,
    Campaign,
    Contact,
    Deal,
    DealStatus,
    Lead,
    NpsResponse,
    Purchase,
    Role,
    Spend,
    Stage,
    StageChange,
    TicketStatus,
    User,
)
from metrics.currency import converted_sum, missing_rates
from metrics.kpis import quotas
from metrics.kpis.base import (
    SECONDS_PER_DAY,
    SECONDS_PER_HOUR,
    elapsed,
    first_spell_in,
    mean_duration,
    money,
    prorated,
    rounded,
)
from metrics.kpis.support import DETRACTOR, PROMOTER
from metrics.scopes import Period


def _ratio(numerator, denominator, scale=100):
    return rounded(Decimal(scale) * numerator / denominator) if denominator else None


def _count_of(queryset):
    """A correlated COUNT(*) subquery (no GROUP BY: COUNT is a plain Func here)."""
    return Subquery(
        queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"),
        output_field=IntegerField(),
    )


# --- Sales performance per rep ---------------------------------------------------------


def _by_day(*found: list[dict]) -> list[dict]:
    """[{"currency", "date"}] once each, by date then currency."""
    rows = {(row["currency"], row["date"]) for rows in found for row in rows}
    return [{"currency": c, "date": d} for c, d in sorted(rows, key=lambda r: (r[1], r[0]))]


def sales_missing_rates(period: Period, *, only_owner=None) -> list[dict]:
    """[{"currency", "date"}] of deals won in the period (by close day) that the sales
    report and its quota attainment leave out for want of an exchange rate."""
    won = Deal.objects.filter(
        status=DealStatus.WON, closed_at__gte=period.start_at, closed_at__lt=period.end_at
    )
    if only_owner is not None:
        won = won.filter(owner=only_owner)
    return _by_day(missing_rates(won, currency="currency", on="closed_at"))


def pipeline_missing_rates(pipeline, *, deals=None) -> list[dict]:
    """[{"currency", "date"}] of the pipeline's open deals (by creation day) that its open
    values leave out for want of an exchange rate."""
    deals = Deal.objects.all() if deals is None else deals
    open_deals = deals.filter(pipeline=pipeline, status=DealStatus.OPEN)
    return _by_day(missing_rates(open_deals, currency="currency", on="created_at"))


def marketing_missing_rates(period: Period) -> list[dict]:
    """[{"currency", "date"}] of purchases in the period (by purchase day) that campaign
    revenue leaves out for want of an exchange rate."""
    bought = Purchase.objects.filter(
        purchased_at__gte=period.start_at, purchased_at__lt=period.end_at
    )
    return _by_day(missing_rates(bought, currency="currency", on="purchased_at"))


def sales_performance(period: Period, *, only_owner=None) -> list[dict]:
    """One row per rep: [{"owner": user id, "name", "won_count", "won_value" (Decimal, in
    the reporting currency at each deal's close-day rate), "close_rate" / "win_rate" (%),
    "cycle_days", "calls_per_lead", "quota", "quota_attainment" (%)}], best first.

    Set-based (issue 20): one grouped query over the deals created or closed in the period,
    one over the period's done lead activities, one for the reps, then quotas — the same
    handful of queries at 1,000 or 50,000 deals, each reading the period's rows only.
    Formulas as in metrics.kpis.sales (close rate: of the deals created in the period,
    those won as of now; win rate: won / (won + lost) closed in the period).
    """
    start, end = period.start_at, period.end_at
    created = Q(created_at__gte=start, created_at__lt=end)
    closed = Q(closed_at__gte=start, closed_at__lt=end)
    won = closed & Q(status=DealStatus.WON)
    deals = Deal.objects.filter(created | closed)
    activities = Activity.objects.filter(lead__isnull=False, done_at__gte=start, done_at__lt=end)
    reps = User.objects.filter(
        Q(role=Role.REP, is_active=True) | Exists(Deal.objects.filter(owner=OuterRef("pk")))
    )
    if only_owner is not None:
        deals, activities = deals.filter(owner=only_owner), activities.filter(assignee=only_owner)
        reps = User.objects.filter(pk=only_owner.pk)
    by_owner = {
        row.pop("owner"): row
        for row in deals.order_by()
        .values("owner")
        .annotate(
            won_count=Count("pk", filter=won),
            # Won value converts at each deal's close-day rate (metrics.currency).
            won_value=Coalesce(
                converted_sum("value", "currency", "closed_at", filter=won), Decimal(0)
            ),
            closed_count=Count(
                "pk", filter=closed & Q(status__in=[DealStatus.WON, DealStatus.LOST])
            ),
            created_count=Count("pk", filter=created),
            # Close rate reads its cohort as the KPI does: won as of now (metrics.kpis.sales).
            created_won=Count("pk", filter=created & Q(status=DealStatus.WON)),
            cycle_total=Sum(elapsed("closed_at", "created_at"), filter=won),
        )
    }
    work = {
        row.pop("assignee"): row
        for row in activities.order_by()
        .values("assignee")
        .annotate(
            calls=Count("pk", filter=Q(kind=ActivityKind.CALL)),
            leads_worked=Count("lead", distinct=True),
        )
    }
    attainments = quotas.attainment_by_owner(period)
    nothing = {"won_count": 0, "won_value": Decimal(0), "closed_count": 0, "created_count": 0}
    table = []
    for rep in reps.only("pk", "username", "first_name", "last_name").order_by("username"):
        row = by_owner.get(rep.pk, nothing)
        calls = work.get(rep.pk, {})
        attainment = attainments.get(rep.pk)
        table.append(
            {
                "owner": rep.pk,
                "name": rep.get_full_name() or rep.username,
                "won_count": row["won_count"],
                "won_value": money(row["won_value"]),
                "close_rate": _ratio(row.get("created_won", 0), row["created_count"]),
                "win_rate": _ratio(row["won_count"], row["closed_count"]),
                "cycle_days": mean_duration(
                    row.get("cycle_total"), row["won_count"], per=SECONDS_PER_DAY
                ).value,
                "calls_per_lead": _ratio(
                    calls.get("calls", 0), calls.get("leads_worked", 0), scale=1
                ),
                # metrics.kpis.quotas, the one definition of attainment.
                "quota": attainment.denominator if attainment else None,
                "quota_attainment": attainment.value if attainment else None,
            }
        )
    table.sort(key=lambda row: -row["won_value"])  # stable: ties stay by username
    return table


# --- Pipeline bottlenecks --------------------------------------------------------------


@dataclass
class StageRow:
    stage: Stage
    open_count: int
    open_value: Decimal
    share: Decimal | None
    mean_days: Decimal | None
    exits: int
    reached: int
    conversion: Decimal | None
    is_biggest: bool = False


def pipeline_bottlenecks(period: Period, pipeline, *, deals=None) -> dict:
    """Open deals per stage (share, value), mean days in stage over exits in the period,
    the funnel of deals created in the period, and stuck deals (past rotting_days)."""
    deals = Deal.objects.all() if deals is None else deals
    open_in = Q(deals__status=DealStatus.OPEN, deals__in=deals)
    stages = list(
        Stage.objects.filter(pipeline=pipeline)
        .annotate(
            open_count=Count("deals", filter=open_in),
            # Open value converts at each deal's creation-day rate (metrics.currency).
            open_value=Coalesce(
                converted_sum(
                    "deals__value", "deals__currency", "deals__created_at", filter=open_in
                ),
                Decimal(0),
            ),
        )
        .order_by("position", "id")
    )
    exits = {
        row["stage"]: row
        for row in StageChange.objects.filter(
            stage__pipeline=pipeline,
            deal__in=deals,
            left_at__gte=period.start_at,
            left_at__lt=period.end_at,
        )
        .values("stage")
        .annotate(total=Sum(elapsed("left_at", "entered_at")), n=Count("id"))
        .order_by()
    }
    # Funnel: for each deal created in the period, the furthest stage it ever entered
    # (its history, or its current stage for deals imported without history).
    furthest = (
        StageChange.objects.filter(deal=OuterRef("pk"))
        .order_by("-stage__position")
        .values("stage__position")[:1]
    )
    cohort = deals.filter(
        pipeline=pipeline, created_at__gte=period.start_at, created_at__lt=period.end_at
    )
    by_furthest = dict(
        cohort.annotate(
            furthest=Greatest(
                Coalesce(Subquery(furthest), F("stage__position")), F("stage__position")
            )
        )
        .values_list("furthest")
        .annotate(n=Count("id"))
        .order_by()
    )
    won_in_cohort = cohort.filter(status=DealStatus.WON).count()
    total_open = sum(s.open_count for s in stages)
    rows, previous = [], None
    for stage in stages:
        reached = sum(
            n for pos, n in by_furthest.items() if pos is not None and pos >= stage.position
        )
        stage_exits = exits.get(stage.pk)
        rows.append(
            StageRow(
                stage=stage,
                open_count=stage.open_count,
                open_value=money(stage.open_value),
                share=_ratio(stage.open_count, total_open),
                mean_days=(
                    mean_duration(stage_exits["total"], stage_exits["n"], per=SECONDS_PER_DAY).value
                    if stage_exits
                    else None
                ),
                exits=stage_exits["n"] if stage_exits else 0,
                reached=reached,
                conversion=None if previous is None else _ratio(reached, previous),
            )
        )
        previous = reached
    if total_open:
        max(rows, key=lambda r: r.open_count).is_biggest = True
    return {
        "stages": rows,
        "total_open": total_open,
        "cohort": sum(by_furthest.values()),
        "won": won_in_cohort,
        "won_conversion": _ratio(won_in_cohort, previous) if previous else None,
        "stuck": stuck_deals(pipeline, stages, deals=deals),
    }


def stuck_deals(pipeline, stages, *, deals, limit=50) -> dict:
    """Open deals idle in their stage past its rotting_days (oldest first)."""
    now = timezone.now()
    rotting = Q()
    for stage in stages:  # stage configuration rows, not deals
        if stage.rotting_days:
            rotting |= Q(stage=stage, stage_entered_at__lt=now - timedelta(days=stage.rotting_days))
    if not rotting:
        return {"count": 0, "deals": []}
    stuck = deals.filter(rotting, pipeline=pipeline, status=DealStatus.OPEN)
    return {
        "count": stuck.count(),
        "deals": list(stuck.select_related("stage", "owner").order_by("stage_entered_at")[:limit]),
    }


# --- Support ---------------------------------------------------------------------------


def support_report(period: Period) -> dict:
    start, end, now = period.start_at, period.end_at, timezone.now()
    resolved = Q(tickets__resolved_at__gte=start, tickets__resolved_at__lt=end)
    agents = (
        User.objects.filter(Q(role=Role.SUPPORT, is_active=True) | Q(tickets__isnull=False))
        .values("pk", "username", "first_name", "last_name")
        .annotate(
            resolved=Count("tickets", filter=resolved, distinct=True),
            total=Sum(elapsed("tickets__resolved_at", "tickets__opened_at"), filter=resolved),
            breached=Count(
                "tickets",
                filter=resolved & Q(tickets__resolved_at__gt=F("tickets__sla_due_at")),
                distinct=True,
            ),
            overdue=Count(
                "tickets",
                filter=Q(
                    tickets__resolved_at__isnull=True,
                    tickets__status__in=[TicketStatus.OPEN, TicketStatus.PENDING],
                    tickets__sla_due_at__lt=now,
                ),
                distinct=True,
            ),
        )
        .order_by("username")
    )
    rows = [
        {
            "agent": a["pk"],
            "name": f"{a['first_name']} {a['last_name']}".strip() or a["username"],
            "resolved": a["resolved"],
            "avg_hours": mean_duration(a["total"], a["resolved"], per=SECONDS_PER_HOUR).value,
            "breached": a["breached"],
            "overdue": a["overdue"],
        }
        for a in agents
    ]
    return {"agents": rows, "nps_trend": nps_by_month(period)}


def nps_by_month(period: Period, months: int = 12) -> list[dict]:
    since = period.end - relativedelta(months=months)
    since = since.replace(day=1)
    window = Period(since, period.end)
    groups = (
        NpsResponse.objects.filter(
            responded_at__gte=window.start_at, responded_at__lt=window.end_at
        )
        .annotate(month=TruncMonth("responded_at"))
        .values("month")
        .annotate(
            responses=Count("id"),
            promoters=Count("id", filter=PROMOTER),
            detractors=Count("id", filter=DETRACTOR),
        )
        .order_by("month")
    )
    return [
        {
            "month": g["month"].date() if hasattr(g["month"], "date") else g["month"],
            "responses": g["responses"],
            "nps": _ratio(g["promoters"] - g["detractors"], g["responses"]),
        }
        for g in groups
    ]


# --- Marketing -------------------------------------------------------------------------


def marketing_report(period: Period) -> list[dict]:
    start, end = period.start_at, period.end_at
    campaign = OuterRef("pk")
    revenue = (
        Purchase.objects.filter(campaign=campaign, purchased_at__gte=start, purchased_at__lt=end)
        .order_by()
        .values("campaign")
        .annotate(total=converted_sum("amount", "currency", "purchased_at"))
        .values("total")
    )
    leads = Lead.objects.filter(campaign=campaign, created_at__gte=start, created_at__lt=end)
    # New customers: first customer spell begun in the period (metrics.kpis.base).
    new_customers = Contact.objects.filter(
        first_spell_in(period, prefix="customer_spells__")
    ).filter(
        Exists(Purchase.objects.filter(contact=OuterRef("pk"), campaign=OuterRef(campaign)))
        | Exists(Lead.objects.filter(contact=OuterRef("pk"), campaign=OuterRef(campaign)))
    )
    campaigns = Campaign.objects.annotate(
        revenue=Subquery(revenue),
        leads_created=_count_of(leads),
        leads_converted=_count_of(leads.filter(converted_at__lt=end)),
        new_customers=_count_of(new_customers),
    ).order_by("name")
    spend = _spend_by_campaign(period)
    rows = []
    for c in campaigns:
        spent = spend.get(c.pk, money(0))
        rows.append(
            {
                "campaign": c,
                "revenue": money(c.revenue),
                "new_customers": c.new_customers or 0,
                "spend": spent,
                "cac": money(spent / c.new_customers) if c.new_customers else None,
                "leads": c.leads_created or 0,
                "conversion": _ratio(c.leads_converted or 0, c.leads_created or 0),
            }
        )
    return rows


def _spend_by_campaign(period: Period) -> dict:
    groups = (
        Spend.objects.filter(
            campaign__isnull=False,
            month__lt=period.end,
            month__gte=period.start.replace(day=1),
        )
        .values_list("campaign", "month")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    per_campaign: dict = {}
    for campaign, month, total in groups:
        per_campaign.setdefault(campaign, []).append(
            (month, month + relativedelta(months=1), total)
        )
    return {c: prorated(rows, period) for c, rows in per_campaign.items()}
