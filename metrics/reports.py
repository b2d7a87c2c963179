"""Report queries: each report is a fixed handful of grouped SQL queries, whatever the rows.

Sales performance groups the period's deals by owner and its lead activities by assignee;
pipeline bottlenecks group open deals and stage exits by stage and count the period's
cohort per stage reached; support groups tickets by agent and NPS answers by month;
marketing groups purchases, leads, new customers and spend by campaign. No report runs a
subquery per deal, ticket or campaign row (issue 20; bench/reports.py measures growth),
but for metrics.currency's exchange-rate lookup: one index probe per foreign amount.

A figure that is a KPI is the registry's KPI for the scope its row stands for (a rep, a
team, a campaign, a stage's exits, a month), by construction: the report groups the KPI's
own parts (metrics.kpis.base.Parts: the rows it reads and its totals, from `*_parts` in
metrics.kpis.sales, support) or its own rows (metrics.kpis.marketing), and turns each
group's totals into the figure with the KPI's own formula (`*_of`). No KPI formula is
written here (issue 18); metrics/tests/test_reports_read_kpis.py checks every row.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import connections
from django.db.models import Count, F, Max, Q, Sum
from django.db.models.functions import Coalesce, Greatest, TruncMonth
from django.utils import timezone

from crm.models import (
    Campaign,
    Deal,
    DealStatus,
    Purchase,
    Role,
    Stage,
    Ticket,
    TicketStatus,
    User,
)
from metrics.currency import converted_sum, missing_rates
from metrics.kpis import marketing, quotas, sales, support
from metrics.kpis.base import money, rounded
from metrics.scopes import Period, Scope


def _ratio(numerator, denominator):
    """numerator / denominator in percent (4 decimals), None over nothing: the reports'
    own shares, which are no KPI (share of open deals, stage-to-stage conversion, leads
    converted by the period's end)."""
    return rounded(Decimal(100) * numerator / denominator) if denominator else None


# --- Sales performance per rep ---------------------------------------------------------


def _by_day(*found: list[dict]) -> list[dict]:
    """[{"currency", "date"}] once each, by date then currency."""
    rows = {(row["currency"], row["date"]) for rows in found for row in rows}
    return [{"currency": c, "date": d} for c, d in sorted(rows, key=lambda r: (r[1], r[0]))]


def sales_missing_rates(period: Period, *, only_owner=None) -> list[dict]:
    """[{"currency", "date"}] of deals won in the period (by close day) that the sales
    report and its quota attainment leave out for want of an exchange rate."""
    scope = Scope.company() if only_owner is None else Scope.owner(only_owner)
    won = sales.deals_won(period, scope)
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


# The KPIs the sales report shows per rep (metrics.kpis.sales): column → (the KPI's parts,
# its formula over their totals). The report's figure is the KPI's by construction.
DEAL_KPIS = {
    "close_rate": (sales.close_rate_parts, sales.close_rate_of),
    "win_rate": (sales.win_rate_parts, sales.win_rate_of),
    "cycle_days": (sales.sales_cycle_days_parts, sales.sales_cycle_days_of),
}
ACTIVITY_KPIS = {"calls_per_lead": (sales.calls_per_lead_parts, sales.calls_per_lead_of)}


def sales_kpis_by(period: Period, *, by: str, scope: Scope | None = None) -> dict:
    """{group: {column: KpiResult}}: the close rate, win rate, sales cycle and calls per
    lead (metrics.kpis.sales) of each group of `by` — "owner" (reps) or "owner__team"
    (teams) — plus "won_value" (of the deals won in the period, the sales cycle's rows:
    their value in the reporting currency at each deal's close-day rate). `scope`
    narrows the rows (one rep's).

    Each group's figures are the KPI's for the scope the group stands for: every KPI's
    rows and totals come from its `*_parts` and its value from its `*_of`. Set-based
    (issue 20): two grouped queries, one over the deals any of the KPIs reads in the
    period (`GROUP BY` the dimension, one `FILTER` per total), one over the period's lead
    activities (grouped by the same dimension through their assignee) — the same two
    queries at 1,000 or 50,000 deals. Groups without any such row are absent.
    """
    scope = scope or Scope.company()
    won = sales.won_in(period)
    parts = {column: make(period) for column, (make, _of) in DEAL_KPIS.items()}
    deals = (
        sales.deals_in(scope)
        # A superset of every part's rows (each total has its own FILTER): the OR of
        # the parts' rows themselves, with the sales cycle's inside the win rate's, made
        # PostgreSQL read four index ranges and the report 1.4x slower.
        .filter(sales.created_or_closed_in(period))
        .order_by()
        .values(by)
        .annotate(
            # Converted at each deal's close-day rate (metrics.currency).
            won_value=Coalesce(
                converted_sum("value", "currency", "closed_at", filter=won), Decimal(0)
            ),
            **{
                name: total
                for column, part in parts.items()
                for name, total in part.grouped(f"{column}__").items()
            },
        )
    )
    figures: dict = {}
    for row in deals:
        figures[row[by]] = {
            column: of(parts[column].of_group(row, f"{column}__"))
            for column, (_make, of) in DEAL_KPIS.items()
        } | {"won_value": money(row["won_value"])}
    # A rep's activities are those assigned to them (sales.lead_activities_in), so the
    # same dimension is read through the assignee.
    dimension = by.replace("owner", "assignee", 1)
    for column, (make, of) in ACTIVITY_KPIS.items():
        part = make(period)
        for row in (
            sales.lead_activities_in(scope)
            .filter(part.rows)
            .order_by()
            .values(dimension)
            .annotate(**part.grouped(f"{column}__"))
        ):
            figures.setdefault(row[dimension], {})[column] = of(part.of_group(row, f"{column}__"))
    return figures


def sales_performance(period: Period, *, only_owner=None) -> list[dict]:
    """One row per rep: [{"owner": user id, "name", "won_count", "won_value" (Decimal, in
    the reporting currency at each deal's close-day rate), "close_rate" / "win_rate" (%),
    "cycle_days", "calls_per_lead", "quota", "quota_attainment" (%)}], best first.

    Each figure is the value of the registry's KPI of that name (close_rate, win_rate,
    sales_cycle_days, calls_per_lead, quota_attainment) for the rep's scope, grouped
    per rep by `sales_kpis_by` and metrics.kpis.quotas.attainment_by_owner. Set-based
    (issue 20): their grouped queries, one for the reps, then quotas — the same handful
    of queries at 1,000 or 50,000 deals, each reading the period's rows only.
    """
    scope = None if only_owner is None else Scope.owner(only_owner)
    figures = sales_kpis_by(period, by="owner", scope=scope)
    # IN (owners of any deal), not EXISTS per user: PostgreSQL expected an owner's deal
    # within a few rows and read all 50,000 deals for each user who owns none (issue 20).
    reps = User.objects.filter(
        Q(role=Role.REP, is_active=True)
        | Q(pk__in=Deal.objects.filter(owner__isnull=False).values("owner"))
    )
    if only_owner is not None:
        reps = User.objects.filter(pk=only_owner.pk)
    attainments = quotas.attainment_by_owner(period)
    # A rep without any of a KPI's rows gets the KPI over no rows (None for each ratio).
    nothing = {
        column: of(make(period).of_group(None, ""))
        for column, (make, of) in (DEAL_KPIS | ACTIVITY_KPIS).items()
    } | {"won_value": money(0)}
    table = []
    for rep in reps.only("pk", "username", "first_name", "last_name").order_by("username"):
        kpis = nothing | figures.get(rep.pk, {})
        attainment = attainments.get(rep.pk)
        table.append(
            {
                "owner": rep.pk,
                "name": rep.get_full_name() or rep.username,
                # The deals won in the period: the sales cycle's rows.
                "won_count": kpis["cycle_days"].denominator,
                "won_value": kpis["won_value"],
                **{column: kpis[column].value for column in (*DEAL_KPIS, *ACTIVITY_KPIS)},
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
    mean_days: Decimal | int | None
    exits: int
    reached: int
    conversion: Decimal | None
    is_biggest: bool = False


def pipeline_bottlenecks(period: Period, pipeline, *, deals=None) -> dict:
    """Open deals per stage (share, value), mean days in stage over exits in the period,
    the funnel of deals created in the period, and stuck deals (past rotting_days).

    Returns {"stages": [StageRow] in stage order, "total_open", "cohort" (deals created in
    the period), "won" (of those, won now), "won_conversion" (%), "stuck"}. `deals`
    narrows every figure to a queryset of deals (all deals when None).

    Set-based (issue 20): the stages, the open deals grouped by stage, the period's stage
    exits grouped by stage, one aggregate over the period's cohort (each deal's furthest
    stage from a GROUP BY over its stage history, counted per stage with FILTER), and the
    stuck deals — the same handful of queries at 1,000 or 50,000 deals.
    """
    narrowed = deals is not None
    deals = Deal.objects.all() if deals is None else deals
    stages = list(Stage.objects.filter(pipeline=pipeline).order_by("position", "id"))
    open_by_stage = _open_deals_by_stage(deals, stages)
    exit_parts = sales.stage_duration_days_parts(period)
    exits = _stage_exits(exit_parts, pipeline, deals if narrowed else None)
    funnel = _cohort_funnel(period, pipeline, deals, stages)
    total_open = sum(row["n"] for row in open_by_stage.values())
    rows, previous = [], None
    for stage in stages:
        opened = open_by_stage.get(stage.pk, {"n": 0, "value": Decimal(0)})
        reached = funnel[f"reached_{stage.pk}"]
        # The stage_duration_days KPI over this stage's exits.
        stage_exits = sales.stage_duration_days_of(exit_parts.of_group(exits.get(stage.pk), ""))
        rows.append(
            StageRow(
                stage=stage,
                open_count=opened["n"],
                open_value=money(opened["value"]),
                share=_ratio(opened["n"], total_open),
                mean_days=stage_exits.value,
                exits=int(stage_exits.denominator or 0),
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
        "cohort": funnel["cohort"],
        "won": funnel["won"],
        "won_conversion": _ratio(funnel["won"], previous) if previous else None,
        "stuck": stuck_deals(pipeline, stages, deals=deals),
    }


def _open_deals_by_stage(deals, stages) -> dict:
    """{stage id: {"n", "value"}} of the open deals in `stages`; value in the reporting
    currency at each deal's creation-day rate (metrics.currency), Decimal(0) when none."""
    return {
        row.pop("stage"): row
        for row in deals.filter(stage__in=[stage.pk for stage in stages], status=DealStatus.OPEN)
        .order_by()
        .values("stage")
        .annotate(
            n=Count("pk"),
            value=Coalesce(converted_sum("value", "currency", "created_at"), Decimal(0)),
        )
    }


def _stage_exits(parts, pipeline, deals) -> dict:
    """{stage id: stage_duration_days' totals ({"total" (timedelta), "n"})}: stays in the
    pipeline's stages that ended in the period (`parts`' rows), of `deals` (every deal
    when None, with no semi-join to read them all)."""
    exits = sales.stage_stays_in(Scope.pipeline(pipeline)).filter(parts.rows)
    if deals is not None:
        exits = exits.filter(deal__in=deals)
    return {
        row.pop("stage"): row  # type: ignore[misc]  # a values() row is a plain dict
        for row in exits.order_by().values("stage").annotate(**parts.totals(None))
    }


def _cohort_funnel(period: Period, pipeline, deals, stages) -> dict:
    """{"cohort", "won", "reached_<stage id>"} over the deals created in the period: how
    many, how many are won now, and how many ever reached each stage or a later one.

    A deal's furthest stage is the furthest its history entered (MAX over its stage
    changes, grouped per deal) or its current stage, whichever is further (deals imported
    without history); one aggregate over those per-deal rows counts each stage with FILTER.
    """
    cohort = (
        deals.filter(
            pipeline=pipeline, created_at__gte=period.start_at, created_at__lt=period.end_at
        )
        .order_by()
        .annotate(history_top=Max("stage_changes__stage__position"))
        .annotate(
            furthest=Greatest(Coalesce("history_top", F("stage__position")), F("stage__position"))
        )
    )
    counts = {
        f"reached_{stage.pk}": Count("pk", filter=Q(furthest__gte=stage.position))
        for stage in stages
    }
    return cohort.aggregate(
        cohort=Count("pk"), won=Count("pk", filter=Q(status=DealStatus.WON)), **counts
    )


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
    """{"agents": [{"agent": user id, "name", "resolved", "avg_hours" (mean resolution,
    Decimal hours or None), "breached" (resolved after the SLA), "overdue" (unresolved
    and past the SLA now)}] by username, "nps_trend": nps_by_month(period)}.

    Agents are the active support users and anyone ever assigned a ticket. Set-based
    (issue 20): one grouped query over the tickets resolved in the period or overdue now
    (never every ticket ever), one for the agents, one for the NPS trend.
    """
    by_agent = _tickets_by_agent(period)
    agents = (
        # IN, not EXISTS per user: the same full read of tickets per user as in sales.
        User.objects.filter(
            Q(role=Role.SUPPORT, is_active=True)
            | Q(pk__in=Ticket.objects.filter(assignee__isnull=False).values("assignee"))
        )
        .values("pk", "username", "first_name", "last_name")
        .order_by("username")
    )
    resolution = support.avg_resolution_hours_parts(period)
    rows = []
    for agent in agents:
        tickets = by_agent.get(agent["pk"])
        # The avg_resolution_hours KPI of the agent's scope, from its own parts.
        hours = support.avg_resolution_hours_of(resolution.of_group(tickets, "resolution__"))
        name = f"{agent['first_name']} {agent['last_name']}".strip() or agent["username"]
        rows.append(
            {
                "agent": agent["pk"],
                "name": name,
                "resolved": hours.denominator,
                "avg_hours": hours.value,
                "breached": tickets["breached"] if tickets else 0,
                "overdue": tickets["overdue"] if tickets else 0,
            }
        )
    return {"agents": rows, "nps_trend": nps_by_month(period)}


def _tickets_by_agent(period: Period) -> dict:
    """{assignee id: {"resolution__total" (timedelta), "resolution__n" (the
    avg_resolution_hours KPI's totals), "breached", "overdue"}} over the tickets resolved
    in the period or unresolved past their SLA now."""
    resolution = support.avg_resolution_hours_parts(period)
    resolved = resolution.rows
    overdue = Q(resolved_at__isnull=True, sla_due_at__lt=timezone.now()) & Q(
        status__in=[TicketStatus.OPEN, TicketStatus.PENDING]
    )
    return {
        row.pop("assignee"): row  # type: ignore[misc]  # a values() row is a plain dict
        for row in support.tickets_in(Scope.company())
        .filter(resolved | overdue, assignee__isnull=False)
        .order_by()
        .values("assignee")
        .annotate(
            **resolution.grouped("resolution__"),
            breached=Count("pk", filter=resolved & Q(resolved_at__gt=F("sla_due_at"))),
            overdue=Count("pk", filter=overdue),
        )
    }


def nps_by_month(period: Period, months: int = 12) -> list[dict]:
    """[{"month" (date, its first day), "responses", "nps"}] for the `months` calendar
    months up to the period's end (the last one cut at the end), oldest first, months
    without an answer left out: the nps KPI (metrics.kpis.support) company-wide over
    each month, from its parts grouped by month in one query."""
    since = (period.end - relativedelta(months=months)).replace(day=1)
    parts = support.nps_parts(Period(since, period.end))
    groups = (
        support.nps_responses_in(Scope.company())
        .filter(parts.rows)
        .annotate(month=TruncMonth("responded_at"))
        .values("month")
        .annotate(**parts.grouped("nps__"))
        .order_by("month")
    )
    trend = []
    for group in groups:
        score = support.nps_of(parts.of_group(group, "nps__"))
        month = group["month"]
        trend.append(
            {
                "month": month.date() if hasattr(month, "date") else month,
                "responses": score.denominator,
                "nps": score.value,
            }
        )
    return trend


# --- Marketing -------------------------------------------------------------------------


def marketing_report(period: Period) -> list[dict]:
    """One row per campaign by name: [{"campaign": Campaign, "revenue" (the
    campaign_revenue KPI: standing purchases in the period, in the reporting currency at
    each purchase-day rate), "new_customers" (campaign_new_customers: contacts whose
    first customer spell began in the period and who bought through or came as a lead
    from the campaign), "spend" (prorated to the period), "cac" (the cac KPI: spend per
    new customer, None without any), "leads" (the leads KPI: created in the period),
    "conversion" (% of those leads converted by the period's end)}].

    Each KPI figure is the registry KPI for the campaign's scope: its rows are the KPI
    module's company-wide rows (metrics.kpis.marketing, sales) grouped by campaign, its
    value the KPI's formula. "conversion" is not the conversion_rate KPI (a cohort, read
    as of now): it is the period's own reading, converted before the period's end, so a
    past period's marketing report stays put.

    Set-based (issue 20): the campaigns, then one grouped query each for revenue, leads,
    new customers and spend, each over the period's rows only — no subquery per campaign.
    """
    revenue = _revenue_by_campaign(period)
    leads = _leads_by_campaign(period)
    new_customers = _new_customers_by_campaign(period)
    spend = _spend_by_campaign(period)
    rows = []
    for campaign in Campaign.objects.order_by("name"):
        spent = spend.get(campaign.pk, money(0))
        won = new_customers.get(campaign.pk, 0)
        created, converted = leads.get(campaign.pk, (0, 0))
        rows.append(
            {
                "campaign": campaign,
                "revenue": money(revenue.get(campaign.pk)),
                "new_customers": won,
                "spend": spent,
                "cac": marketing.cac_of(spent, won).value,
                "leads": created,
                "conversion": _ratio(converted, created),
            }
        )
    return rows


def _revenue_by_campaign(period: Period) -> dict:
    """{campaign id: Decimal or None (no purchase had a rate)}: campaign_revenue's
    purchases, each at its purchase-day rate as the KPI's converted_total takes them."""
    return dict(
        marketing.campaign_purchases(period, Scope.company())
        .order_by()
        .values_list("campaign")
        .annotate(total=converted_sum("amount", "currency", "purchased_at"))
    )


def _leads_by_campaign(period: Period) -> dict:
    """{campaign id: (the leads KPI's leads created in the period, of those converted
    before its end)}."""
    groups = (
        sales.leads_created(period, Scope.company())
        .filter(campaign__isnull=False)
        .order_by()
        .values_list("campaign")
        .annotate(
            created=Count("pk"), converted=Count("pk", filter=Q(converted_at__lt=period.end_at))
        )
    )
    return {campaign: (created, converted) for campaign, created, converted in groups}


def _new_customers_by_campaign(period: Period) -> dict:
    """{campaign id: new customers}: the period's new customers (marketing.acquired)
    attributed to the campaign as marketing.attributing defines it, at any time. The
    (campaign, contact) pairs of both ways are one UNION (which drops duplicates),
    counted per campaign in SQL."""
    new = marketing.acquired(period, Scope.company()).values("pk")
    purchases, leads = marketing.attributing(Q(campaign__isnull=False))
    pairs = (
        purchases.filter(contact__in=new)
        .order_by()
        .values_list("campaign", "contact")
        .union(leads.filter(contact__in=new).order_by().values_list("campaign", "contact"))
    )
    sql, params = pairs.query.sql_with_params()
    with connections[pairs.db].cursor() as cursor:
        cursor.execute(
            f"SELECT campaign, COUNT(*) FROM ({sql}) AS pairs (campaign, contact) "  # noqa: S608
            "GROUP BY campaign",
            params,
        )
        return dict(cursor.fetchall())


def _spend_by_campaign(period: Period) -> dict:
    """{campaign id: spend in the period}: cac's spend rows summed per campaign and month
    in SQL, each campaign's months prorated as the KPI prorates them."""
    groups = (
        marketing.spend_rows(period, Scope.company())
        .filter(campaign__isnull=False)
        .values_list("campaign", "month")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    per_campaign: dict = {}
    for campaign, month, total in groups:
        per_campaign.setdefault(campaign, []).append((month, total))
    return {c: marketing.spend_over_months(rows, period) for c, rows in per_campaign.items()}
