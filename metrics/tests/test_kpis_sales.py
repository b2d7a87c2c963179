from datetime import date, timedelta
from decimal import Decimal

import pytest

from crm.models import ActivityKind, Deal, DealKind, DealStatus, LeadStatus, StageChange
from crm.tests.factories import (
    ActivityFactory,
    CampaignFactory,
    DealFactory,
    LeadFactory,
    TeamFactory,
    pipeline_with_stages,
)
from metrics import registry
from metrics.scopes import Period, Scope, UnsupportedScope
from metrics.tests.conftest import at

pytestmark = pytest.mark.django_db


def won(stage, owner, created, closed, value="1000.00", **kw):
    return DealFactory(
        stage=stage,
        owner=owner,
        created_at=created,
        closed_at=closed,
        status=DealStatus.WON,
        value=Decimal(value),
        **kw,
    )


def test_close_rate_worked_example_100_deals_30_won(rep, june):
    _, stages = pipeline_with_stages()
    deals = [
        Deal(
            title=f"D{i}",
            pipeline=stages[0].pipeline,
            stage=stages[0],
            owner=rep,
            created_at=at("2025-06-02"),
            status=DealStatus.WON if i < 30 else DealStatus.OPEN,
            closed_at=at("2025-06-20") if i < 30 else None,
        )
        for i in range(100)
    ]
    Deal.objects.bulk_create(deals)

    result = registry.compute("close_rate", june)

    assert (result.value, result.numerator, result.denominator) == (Decimal("30"), 30, 100)


def test_close_rate_counts_deals_created_in_the_period_won_as_of_now(rep, june):
    _, stages = pipeline_with_stages()
    won(stages[0], rep, at("2025-05-31"), at("2025-06-03"))  # created before: not counted
    won(stages[0], rep, at("2025-06-30", 23), at("2025-07-01", 1))  # won after the end: counted
    won(stages[0], rep, at("2025-06-01", 0), at("2025-06-10"))  # created at start: counted
    DealFactory(stage=stages[0], owner=rep, created_at=at("2025-06-15"))  # still open

    result = registry.compute("close_rate", june)

    assert (result.numerator, result.denominator) == (2, 3)
    assert result.value == Decimal("66.6667")
    assert result.extra == {"open_share": Decimal("33.3333")}


def test_empty_period_gives_none_for_ratios_and_zero_for_counts(june):
    for key in (
        "close_rate",
        "win_rate",
        "conversion_rate",
        "sales_cycle_days",
        "stage_duration_days",
        "calls_per_lead",
        "quota_attainment",
    ):
        result = registry.compute(key, june)
        assert result.value is None, key
        assert result.denominator in (0, Decimal("0.00")), key
    assert registry.compute("leads", june).value == 0
    assert registry.compute("open_deals", june).value == 0


def test_win_rate_uses_deals_closed_in_the_period(rep, june):
    _, stages = pipeline_with_stages()
    won(stages[0], rep, at("2025-04-01"), at("2025-06-05"))
    won(stages[0], rep, at("2025-04-01"), at("2025-05-05"))  # closed before
    for _i in range(3):
        DealFactory(
            stage=stages[0],
            owner=rep,
            created_at=at("2025-04-01"),
            status=DealStatus.LOST,
            closed_at=at("2025-06-10"),
        )
    DealFactory(stage=stages[0], owner=rep, created_at=at("2025-06-01"))  # open

    result = registry.compute("win_rate", june)

    assert (result.value, result.numerator, result.denominator) == (Decimal("25"), 1, 4)


def test_open_deals_at_end_counts_deals_that_closed_later_and_sums_value(rep, june):
    _, stages = pipeline_with_stages()
    DealFactory(stage=stages[0], owner=rep, created_at=at("2025-05-01"), value=Decimal("100"))
    won(stages[0], rep, at("2025-06-10"), at("2025-07-02"), value="250.50")  # open at end
    won(stages[0], rep, at("2025-06-10"), at("2025-06-20"))  # closed in period
    DealFactory(stage=stages[0], owner=rep, created_at=at("2025-07-01", 1))  # after end

    result = registry.compute("open_deals", june)

    assert result.value == 2
    assert result.extra["amount"] == Decimal("350.50")


def test_sales_cycle_days_is_mean_creation_to_win_for_deals_won_in_period(rep, june):
    _, stages = pipeline_with_stages()
    won(stages[0], rep, at("2025-05-01"), at("2025-06-10"))  # 40 days, crosses the start
    won(stages[0], rep, at("2025-06-01"), at("2025-06-21"))  # 20 days
    won(stages[0], rep, at("2025-06-01"), at("2025-07-21"))  # won after end: excluded
    # A lost deal has no sales cycle, however long it ran (PRODUCT.md: won deals only).
    DealFactory(
        stage=stages[0],
        owner=rep,
        created_at=at("2025-01-01"),
        status=DealStatus.LOST,
        closed_at=at("2025-06-20"),
    )

    result = registry.compute("sales_cycle_days", june)

    assert result.value == Decimal("30")
    assert (result.numerator, result.denominator) == (Decimal("60"), 2)


def test_stage_duration_days_per_stage_for_exits_in_the_period(rep, june):
    pipeline, stages = pipeline_with_stages()
    deal = DealFactory(stage=stages[2], owner=rep, created_at=at("2025-05-01"))
    StageChange.objects.create(
        deal=deal, stage=stages[0], entered_at=at("2025-05-01"), left_at=at("2025-06-05")
    )  # 35 days, left in June
    StageChange.objects.create(
        deal=deal, stage=stages[1], entered_at=at("2025-06-05"), left_at=at("2025-06-10")
    )  # 5 days
    StageChange.objects.create(deal=deal, stage=stages[2], entered_at=at("2025-06-10"))
    other = DealFactory(stage=stages[1], owner=rep, created_at=at("2025-06-01"))
    StageChange.objects.create(
        deal=other, stage=stages[0], entered_at=at("2025-06-01"), left_at=at("2025-06-16")
    )  # 15 days
    StageChange.objects.create(
        deal=other, stage=stages[1], entered_at=at("2025-04-01"), left_at=at("2025-05-01")
    )  # left before June

    result = registry.compute("stage_duration_days", june, Scope.pipeline(pipeline))

    assert result.value == Decimal("18.3333")  # (35 + 5 + 15) / 3
    assert [(row["name"], row["days"], row["exits"]) for row in result.breakdown] == [
        ("Qualified", Decimal("25"), 2),
        ("Needs analysis", Decimal("5"), 1),
    ]


def test_leads_and_conversion_rate_by_campaign(rep, june):
    campaign = CampaignFactory()
    LeadFactory(owner=rep, campaign=campaign, created_at=at("2025-06-03"))
    LeadFactory(
        owner=rep,
        campaign=campaign,
        created_at=at("2025-06-03"),
        status=LeadStatus.CONVERTED,
        converted_at=at("2025-06-09"),
    )
    LeadFactory(
        owner=rep,
        campaign=campaign,
        created_at=at("2025-06-03"),
        status=LeadStatus.CONVERTED,
        converted_at=at("2025-07-09"),  # converted after the end: counted (cohort)
    )
    LeadFactory(owner=rep, created_at=at("2025-06-03"))  # no campaign
    LeadFactory(owner=rep, campaign=campaign, created_at=at("2025-05-03"))

    assert registry.compute("leads", june).value == 4
    assert registry.compute("leads", june, Scope.campaign(campaign)).value == 3
    result = registry.compute("conversion_rate", june, Scope.campaign(campaign))
    assert (result.numerator, result.denominator) == (2, 3)
    assert result.value == Decimal("66.6667")
    assert result.extra == {"open_share": Decimal("33.3333")}  # the lead still new


def test_calls_per_lead(rep, other_rep, june):
    lead_a, lead_b = LeadFactory(owner=rep), LeadFactory(owner=rep)
    for lead in (lead_a, lead_a, lead_b):
        ActivityFactory(lead=lead, assignee=rep, done_at=at("2025-06-04"))
    ActivityFactory(lead=lead_b, assignee=rep, kind=ActivityKind.EMAIL, done_at=at("2025-06-04"))
    ActivityFactory(lead=lead_b, assignee=rep, done_at=None)  # not done
    ActivityFactory(lead=lead_b, assignee=rep, done_at=at("2025-05-04"))  # before
    ActivityFactory(
        lead=LeadFactory(), assignee=other_rep, kind=ActivityKind.EMAIL, done_at=at("2025-06-04")
    )

    mine = registry.compute("calls_per_lead", june, Scope.owner(rep))
    company = registry.compute("calls_per_lead", june)

    assert (mine.value, mine.numerator, mine.denominator) == (Decimal("1.5"), 3, 2)
    assert (company.numerator, company.denominator) == (3, 3)
    assert company.value == Decimal("1")


def test_rep_scope_excludes_other_reps_and_team_scope_sums_members(rep, other_rep, manager, june):
    team = TeamFactory()
    rep.team = team
    rep.save()
    _, stages = pipeline_with_stages()
    won(stages[0], rep, at("2025-06-02"), at("2025-06-05"))
    DealFactory(stage=stages[0], owner=rep, created_at=at("2025-06-02"))
    won(stages[0], other_rep, at("2025-06-02"), at("2025-06-05"))
    won(stages[0], other_rep, at("2025-06-02"), at("2025-06-05"))

    mine = registry.compute("close_rate", june, Scope.owner(rep))
    theirs = registry.compute("close_rate", june, Scope.owner(other_rep))
    by_team = registry.compute("close_rate", june, Scope.team(team))

    assert (mine.value, mine.numerator, mine.denominator) == (Decimal("50"), 1, 2)
    assert (theirs.value, theirs.denominator) == (Decimal("100"), 2)
    assert (by_team.numerator, by_team.denominator) == (1, 2)


def test_pipeline_scope(rep, june):
    _, stages_a = pipeline_with_stages()
    pipeline_b, stages_b = pipeline_with_stages()
    won(stages_a[0], rep, at("2025-06-02"), at("2025-06-05"))
    DealFactory(stage=stages_b[0], owner=rep, created_at=at("2025-06-02"))

    result = registry.compute("close_rate", june, Scope.pipeline(pipeline_b))

    assert (result.value, result.denominator) == (Decimal("0"), 1)


def test_unsupported_scope_is_rejected(june):
    with pytest.raises(UnsupportedScope):
        registry.compute("close_rate", june, Scope.campaign(1))


def test_quota_attainment_without_a_quota_is_none(rep, june):
    _, stages = pipeline_with_stages()
    won(stages[0], rep, at("2025-06-02"), at("2025-06-05"))

    result = registry.compute("quota_attainment", june, Scope.owner(rep))

    # No quota covers the win, so it counts toward no attainment (metrics.kpis.quotas).
    assert (result.value, result.numerator, result.denominator) == (
        None,
        Decimal("0.00"),
        Decimal("0.00"),
    )


def test_prorated_quota_arithmetic():
    from metrics.kpis.base import prorated

    period = Period(date(2025, 6, 16), date(2025, 7, 16))
    june_quota = (date(2025, 6, 1), date(2025, 7, 1), Decimal("3000"))
    july_quota = (date(2025, 7, 1), date(2025, 8, 1), Decimal("3100"))

    # 15 of June's 30 days and 15 of July's 31 days.
    assert prorated([june_quota, july_quota], period) == Decimal("3000.00")


def test_upsell_kinds_do_not_disturb_sales_figures(rep, june):
    _, stages = pipeline_with_stages()
    won(stages[0], rep, at("2025-06-02"), at("2025-06-05"), kind=DealKind.UPSELL)
    assert registry.compute("win_rate", june).value == Decimal("100")


def test_period_rejects_end_before_start():
    with pytest.raises(ValueError):
        Period(date(2025, 6, 1), date(2025, 6, 1))
    assert Period(date(2025, 6, 1), date(2025, 7, 1)).previous() == Period(
        date(2025, 5, 2), date(2025, 6, 1)
    )
    assert timedelta(days=30) == date(2025, 7, 1) - date(2025, 6, 1)


def test_quota_attainment_against_goals_quota_pro_rata(rep, other_rep, june):
    from goals.models import Quota

    team = TeamFactory()
    rep.team = team
    rep.save()
    Quota.objects.create(
        owner=rep, period="month", start=date(2025, 6, 1), end=date(2025, 7, 1), amount=4000
    )
    Quota.objects.create(
        owner=other_rep, period="month", start=date(2025, 6, 1), end=date(2025, 7, 1), amount=1000
    )
    Quota.objects.create(
        team=team, period="quarter", start=date(2025, 4, 1), end=date(2025, 7, 1), amount=9100
    )
    _, stages = pipeline_with_stages()
    won(stages[0], rep, at("2025-06-02"), at("2025-06-05"), value="3000.00")
    won(stages[0], rep, at("2025-05-02"), at("2025-05-05"), value="7000.00")  # May

    mine = registry.compute("quota_attainment", june, Scope.owner(rep))
    company = registry.compute("quota_attainment", june)
    by_team = registry.compute("quota_attainment", june, Scope.team(team))
    half = registry.compute(
        "quota_attainment", Period(date(2025, 6, 16), date(2025, 7, 1)), Scope.owner(rep)
    )

    assert (mine.value, mine.numerator, mine.denominator) == (
        Decimal("75"),
        Decimal("3000.00"),
        Decimal("4000.00"),
    )
    # Top-level quotas: the team's (3000 of it in June, covering the rep) and other_rep's
    # 1000 (no team); the rep's own 4000 gives way to the team quota. 3000 / 4000.
    assert (company.value, company.numerator, company.denominator) == (
        Decimal("75"),
        Decimal("3000.00"),
        Decimal("4000.00"),
    )
    assert by_team.denominator == Decimal("3000.00")  # 30 of the quarter's 91 days
    assert by_team.value == Decimal("100")
    assert (half.value, half.denominator) == (Decimal("0"), Decimal("2000.00"))
