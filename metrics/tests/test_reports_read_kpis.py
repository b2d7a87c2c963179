"""Each report figure is the registry's KPI for the scope of its row (issue 18, item 3).

The reports group the KPIs' own parts (metrics.kpis.*_parts) by rep, team, campaign,
stage or month; here every row of each report is checked against `registry.compute` for
that row's scope, and against the value worked out by hand beside the fixture.
"""

from datetime import date
from decimal import Decimal

import pytest

from crm.models import (
    ActivityKind,
    CustomerSpell,
    Deal,
    DealStatus,
    Role,
    StageChange,
    TicketStatus,
)
from crm.tests.factories import (
    ActivityFactory,
    CampaignFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    NpsResponseFactory,
    PurchaseFactory,
    SpendFactory,
    TeamFactory,
    TicketFactory,
    pipeline_with_stages,
)
from goals.models import Quota
from metrics import registry
from metrics.kpis import sales
from metrics.reports import (
    DEAL_KPIS,
    marketing_report,
    pipeline_bottlenecks,
    sales_kpis_by,
    sales_performance,
    support_report,
)
from metrics.scopes import Scope
from metrics.tests.conftest import at

pytestmark = pytest.mark.django_db

# Report column → registry KPI.
SALES = {
    "close_rate": "close_rate",
    "win_rate": "win_rate",
    "cycle_days": "sales_cycle_days",
    "calls_per_lead": "calls_per_lead",
}


def _deal(owner, created, closed=None, status=DealStatus.OPEN, value="1000.00"):
    return DealFactory(
        owner=owner,
        status=status,
        value=Decimal(value),
        created_at=at(created),
        closed_at=at(closed) if closed else None,
    )


def _activities(assignee, kind, count, day="2025-06-10"):
    lead = LeadFactory(owner=assignee)
    for _ in range(count):
        ActivityFactory(lead=lead, assignee=assignee, kind=kind, done_at=at(day))
    return lead


@pytest.fixture
def sales_world(make_user):
    """Reps a and b in one team, c in none; every figure below is worked out by hand."""
    team = TeamFactory()
    a = make_user(Role.REP, username="parity-a", team=team)
    b = make_user(Role.REP, username="parity-b", team=team)
    c = make_user(Role.REP, username="parity-c")
    won, lost = DealStatus.WON, DealStatus.LOST
    # a: created in June: won (10 days), lost, open, won only in July → close rate 2/4.
    # Closed in June: the 10-day win, the loss, a May deal won in June (24 days) → win
    # rate 2/3, cycle (10 + 24) / 2 = 17 days.
    _deal(a, "2025-06-02", "2025-06-12", won)
    _deal(a, "2025-06-03", "2025-06-20", lost)
    _deal(a, "2025-06-05")
    _deal(a, "2025-06-10", "2025-07-05", won)
    _deal(a, "2025-05-11", "2025-06-04", won)
    # b: created in June: won (20 days), open → close 1/2, win 1/1, cycle 20.
    _deal(b, "2025-06-01", "2025-06-21", won)
    _deal(b, "2025-06-07")
    # c: a May deal lost in June → no close rate, win rate 0/1, no cycle.
    _deal(c, "2025-05-01", "2025-06-15", lost)
    # Neither created nor closed in June: in no figure.
    _deal(c, "2025-05-02", "2025-07-02", won)
    # Calls per lead: a 3 calls on one lead and an email on another → 3/2; b 1 call on
    # one lead → 1; c's call was done in May → none.
    _activities(a, ActivityKind.CALL, 3)
    _activities(a, ActivityKind.EMAIL, 1)
    _activities(b, ActivityKind.CALL, 1)
    _activities(c, ActivityKind.CALL, 1, day="2025-05-20")
    # a's quota of 4,000 for June: the two June wins, 2,000 → 50 %.
    Quota.objects.create(
        owner=a, period="month", start=date(2025, 6, 1), end=date(2025, 7, 1), amount=4000
    )
    return team, a, b, c


def test_each_rep_row_of_the_sales_report_is_the_kpis_of_the_rep(sales_world, june):
    _team, a, b, c = sales_world

    rows = {row["owner"]: row for row in sales_performance(june)}

    for owner, row in rows.items():
        scope = Scope.owner(owner)
        for column, key in {**SALES, "quota_attainment": "quota_attainment"}.items():
            kpi = registry.compute(key, june, scope)
            if key == "quota_attainment" and not kpi.denominator:
                # No quota: the report leaves both cells blank.
                assert (row["quota"], row[column]) == (None, None), owner
                continue
            assert row[column] == kpi.value, (owner, column)
    figures = {
        rep.username: tuple(rows[rep.pk][column] for column in [*SALES, "quota_attainment"])
        for rep in (a, b, c)
    }
    assert figures == {
        "parity-a": (Decimal("50"), Decimal("66.6667"), Decimal("17"), Decimal("1.5"), 50),
        "parity-b": (Decimal("50"), Decimal("100"), Decimal("20"), Decimal("1"), None),
        "parity-c": (None, Decimal("0"), None, None, None),
    }
    assert (rows[a.pk]["won_count"], rows[a.pk]["won_value"]) == (2, Decimal("2000.00"))


def test_sales_figures_grouped_by_team_are_the_kpis_of_the_team(sales_world, june):
    team = sales_world[0]

    by_team = sales_kpis_by(june, by="owner__team")

    for column, key in SALES.items():
        assert by_team[team.pk][column].value == registry.compute(key, june, Scope.team(team)).value
    # a and b together: close 3/6, win 3/4, cycle (10 + 24 + 20) / 3, calls 4 on 3 leads.
    assert [by_team[team.pk][column].value for column in SALES] == [
        Decimal("50"),
        Decimal("75"),
        Decimal("18"),
        Decimal("1.3333"),
    ]


def test_each_campaign_row_of_the_marketing_report_is_the_kpis_of_the_campaign(june):
    spring, autumn = CampaignFactory(name="Spring"), CampaignFactory(name="Autumn")
    # Spring: a new customer who came as its lead and bought 100 through it; spend 300.
    new = ContactFactory()
    CustomerSpell.objects.create(contact=new, started_at=at("2025-06-03"), first=True)
    LeadFactory(contact=new, campaign=spring, created_at=at("2025-06-02"))
    PurchaseFactory(contact=new, campaign=spring, purchased_at=at("2025-06-04"), amount=100)
    SpendFactory(campaign=spring, month=date(2025, 6, 1), amount=Decimal("300.00"))
    # Autumn: a new customer from a January lead; two June leads, no spend.
    later = ContactFactory()
    CustomerSpell.objects.create(contact=later, started_at=at("2025-06-10"), first=True)
    LeadFactory(contact=later, campaign=autumn, created_at=at("2025-01-05"))
    LeadFactory(campaign=autumn, created_at=at("2025-06-05"))
    LeadFactory(campaign=autumn, created_at=at("2025-06-06"))
    columns = {
        "revenue": "campaign_revenue",
        "new_customers": "campaign_new_customers",
        "cac": "cac",
        "leads": "leads",
    }

    rows = marketing_report(june)

    for row in rows:
        scope = Scope.campaign(row["campaign"])
        for column, key in columns.items():
            assert row[column] == registry.compute(key, june, scope).value, (row, column)
    mine = {row["campaign"].name: tuple(row[c] for c in columns) for row in rows}
    assert mine["Spring"] == (Decimal("100.00"), 1, Decimal("300.00"), 1)
    assert mine["Autumn"] == (Decimal("0.00"), 1, Decimal("0.00"), 2)


def test_support_and_pipeline_rows_are_the_kpis_of_their_scope(june, make_user):
    agent = make_user(Role.SUPPORT, username="parity-agent")
    for opened, resolved in [(8, 12), (9, 11)]:  # 4 h and 2 h → 3 h
        TicketFactory(
            assignee=agent,
            status=TicketStatus.RESOLVED,
            opened_at=at("2025-06-02", opened),
            resolved_at=at("2025-06-02", resolved),
        )
    contact = ContactFactory()
    for score in (10, 9, 3):  # 2 promoters, 1 detractor of 3 → 33.3333
        NpsResponseFactory(contact=contact, score=score, responded_at=at("2025-06-07"))
    pipeline, stages = pipeline_with_stages()
    deal = DealFactory(stage=stages[1], created_at=at("2025-06-01"))
    StageChange.objects.create(
        deal=deal, stage=stages[0], entered_at=at("2025-06-01"), left_at=at("2025-06-04")
    )

    data = support_report(june)

    for row in data["agents"]:
        kpi = registry.compute("avg_resolution_hours", june, Scope.owner(row["agent"]))
        assert (row["resolved"], row["avg_hours"]) == (kpi.denominator, kpi.value)
    mine = next(row for row in data["agents"] if row["agent"] == agent.pk)
    assert (mine["resolved"], mine["avg_hours"]) == (2, Decimal("3"))
    (month,) = [m for m in data["nps_trend"] if m["month"] == date(2025, 6, 1)]
    assert month["nps"] == registry.compute("nps", june).value == Decimal("33.3333")

    stays = pipeline_bottlenecks(june, pipeline)["stages"]
    breakdown = {
        row["stage"]: row["days"]
        for row in registry.compute("stage_duration_days", june, Scope.pipeline(pipeline)).breakdown
    }
    for row in stays:
        assert row.mean_days == breakdown.get(row.stage.pk), row.stage
    assert [row.mean_days for row in stays] == [Decimal("3"), None, None, None]


def test_a_rep_with_no_rows_gets_the_kpis_over_no_rows(make_user, june):
    idle = make_user(Role.REP, username="parity-idle")

    (row,) = [r for r in sales_performance(june) if r["owner"] == idle.pk]

    for column, key in SALES.items():
        assert row[column] is registry.compute(key, june, Scope.owner(idle)).value is None


def test_the_sales_report_reads_a_superset_of_every_deal_kpis_rows(sales_world, june):
    # The report's one deal query reads the deals created or closed in the period and
    # each total picks its KPI's rows with its own FILTER: none may lie outside.
    period_deals = sales.created_or_closed_in(june)
    for column, (parts, _of) in DEAL_KPIS.items():
        rows = Deal.objects.filter(parts(june).rows)
        assert rows.exists(), column
        assert not rows.exclude(period_deals).exists(), column
    assert Deal.objects.exclude(period_deals).filter(owner__username="parity-c").exists()
