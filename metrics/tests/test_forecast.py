"""The pipeline forecast on hand-built stage histories, with hand-computed figures."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from crm.models import DealStatus, ForecastCategory, StageChange
from crm.tests.factories import DealFactory, pipeline_with_stages
from metrics.forecast.conversion import stage_conversion_list
from metrics.forecast.service import (
    PeriodKind,
    deals_needed,
    forecast_build,
    forecast_deals,
    period_containing,
)
from metrics.scopes import Scope

from .conftest import at

pytestmark = pytest.mark.django_db

NOW = at("2026-03-20", 12)


def proposal_history(stages, *, owner=None, n=100, won=40, days_to_close=20, stay=10):
    """`n` deals entered stages[2] 100 days before NOW; `won` of them were won
    `days_to_close` days later, the rest lost then; each left the stage after `stay` days."""
    entered = NOW - timedelta(days=100)
    deals = []
    for i in range(n):
        deal = DealFactory(
            stage=stages[3],
            owner=owner,
            value=Decimal("500.00"),
            status=DealStatus.WON if i < won else DealStatus.LOST,
            created_at=entered - timedelta(days=5),
            closed_at=entered + timedelta(days=days_to_close),
            stage_entered_at=entered + timedelta(days=stay),
        )
        deals.append(deal)
    StageChange.objects.bulk_create(
        StageChange(
            deal=d, stage=stages[2], entered_at=entered, left_at=entered + timedelta(days=stay)
        )
        for d in deals
    )
    return deals


@pytest.fixture
def proposal():
    _pipeline, stages = pipeline_with_stages()
    proposal_history(stages)
    return stages


def test_stage_conversion_is_measured_from_the_history(proposal):
    rows = {row.stage_name: row for row in stage_conversion_list(now=NOW)}

    row = rows["Proposal"]
    assert (row.entered, row.won, row.lost) == (100, 40, 60)
    assert row.measured_probability == 0.4
    assert row.configured_probability == 0.6
    assert row.days_to_close == 20.0
    assert row.typical_days_in_stage == 10.0
    assert row.source == "measured"
    # No history: the configured probability stands in.
    assert rows["Qualified"].measured_probability is None
    assert rows["Qualified"].probability == 0.2


def test_open_proposal_deal_contributes_its_measured_share_twenty_days_out(proposal, rep):
    # Entered Proposal today: 20 days to close from there lands on 9 April.
    DealFactory(
        stage=proposal[2],
        owner=rep,
        value=Decimal("1000.00"),
        stage_entered_at=NOW,
        created_at=NOW - timedelta(days=3),
    )

    forecast = forecast_build(kind=PeriodKind.MONTH, scope=Scope.company(), now=NOW)

    by_start = {p.start: p for p in forecast.periods}
    april, march = by_start[date(2026, 4, 1)], by_start[date(2026, 3, 1)]
    assert april.expected == Decimal("400.00")
    assert april.expected_deals == Decimal("0.40")
    assert april.open_deals == 1
    assert april.by_category == {
        "commit": Decimal("0.00"),
        "best_case": Decimal("0.00"),
        "pipeline": Decimal("400.00"),
    }
    # mu = 400, sigma = sqrt(0.4 x 0.6) x 1000 = 489.90; mu -/+ 1.2816 sigma held in [0, 1000].
    assert (april.low, april.high) == (Decimal("0.00"), Decimal("1000.00"))
    assert march.expected == Decimal("0.00")
    assert march.is_current and not april.is_current
    assert [p.start for p in forecast.periods] == [
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
        date(2026, 3, 1),
        date(2026, 4, 1),
        date(2026, 5, 1),
        date(2026, 6, 1),
    ]


def test_age_in_stage_lowers_the_chance_and_the_close_date_is_capped(proposal, rep):
    # 40 days in Proposal where deals typically stay 10: 0.4 x 10/40 = 0.1, and its
    # measured close (20 days after entering) has passed: expected today, in March.
    DealFactory(
        stage=proposal[2],
        owner=rep,
        value=Decimal("1000.00"),
        stage_entered_at=NOW - timedelta(days=40),
        created_at=NOW - timedelta(days=50),
        forecast_category=ForecastCategory.COMMIT,
    )
    # Entered today but the rep expects to close on 25 March: capped to March.
    DealFactory(
        stage=proposal[2],
        owner=rep,
        value=Decimal("2000.00"),
        stage_entered_at=NOW,
        created_at=NOW - timedelta(days=1),
        expected_close_date=date(2026, 3, 25),
        forecast_category=ForecastCategory.BEST_CASE,
    )

    forecast = forecast_build(kind=PeriodKind.QUARTER, scope=Scope.owner(rep), now=NOW)

    q1 = next(p for p in forecast.periods if p.is_current)
    assert q1.start == date(2026, 1, 1)
    assert q1.expected == Decimal("900.00")  # 1000 x 0.1 + 2000 x 0.4
    assert q1.by_category["commit"] == Decimal("100.00")
    assert q1.by_category["best_case"] == Decimal("800.00")
    drill = forecast_deals(kind=PeriodKind.QUARTER, scope=Scope.owner(rep), start=q1.start, now=NOW)
    assert [round(d.f_expected, 2) for d in drill["open"]] == [800.0, 100.0]
    assert drill["open"][1].f_close == date(2026, 3, 20)


def test_won_deals_are_the_actual_of_their_period(proposal, rep):
    DealFactory(
        stage=proposal[3],
        owner=rep,
        value=Decimal("750.00"),
        status=DealStatus.WON,
        created_at=NOW - timedelta(days=9),
        closed_at=NOW - timedelta(days=2),
    )

    forecast = forecast_build(kind=PeriodKind.MONTH, scope=Scope.owner(rep), now=NOW)

    march = next(p for p in forecast.periods if p.is_current)
    assert (march.actual, march.won_deals, march.forecast) == (
        Decimal("750.00"),
        1,
        Decimal("750.00"),
    )


def test_deals_needed_to_close_a_gap(proposal):
    # 100 deals created 105 days ago, 40 won at $500 each, 25 days after creation.
    needed = deals_needed(
        scope=Scope.company(), gap=Decimal("1000"), deadline=date(2026, 6, 30), now=NOW
    )

    # $1,000 ÷ ($500 x 0.4) = 5 new deals, created 25 days before the deadline.
    assert needed.deals == 5
    assert needed.create_by == date(2026, 6, 5)
    assert needed.average_value == Decimal("500.00")


def test_period_containing():
    assert period_containing("quarter", date(2026, 11, 30)).start == date(2026, 10, 1)
    assert period_containing("month", date(2026, 11, 30)).end == date(2026, 12, 1)


def test_foreign_deals_convert_at_their_creation_rate_or_are_named_missing(proposal, rep):
    from metrics.models import ExchangeRate

    ExchangeRate.objects.create(currency="EUR", rate=Decimal("0.8"), valid_from=date(2026, 1, 1))
    # EUR 800 = $1,000 at 0.8 EUR per dollar: $400 expected, like the dollar deal above.
    DealFactory(
        stage=proposal[2],
        owner=rep,
        value=Decimal("800.00"),
        currency="EUR",
        stage_entered_at=NOW,
        created_at=NOW - timedelta(days=3),
    )
    # No JPY rate: left out of every figure and named.
    DealFactory(
        stage=proposal[2],
        owner=rep,
        value=Decimal("100000"),
        currency="JPY",
        stage_entered_at=NOW,
        created_at=NOW - timedelta(days=3),
    )

    forecast = forecast_build(kind=PeriodKind.MONTH, scope=Scope.owner(rep), now=NOW)

    april = next(p for p in forecast.periods if p.start == date(2026, 4, 1))
    assert april.expected == Decimal("400.00")
    # 400 + 1.2816 x 489.90 = 1,027.84, held at the converted total of $1,000.
    assert april.high == Decimal("1000.00")
    assert forecast.missing_rates == [{"currency": "JPY", "date": date(2026, 3, 17)}]


def test_team_and_pipeline_scopes_take_only_their_deals(proposal, rep, other_rep):
    from crm.tests.factories import TeamFactory

    team = TeamFactory()
    rep.team = team
    rep.save(update_fields=["team"])
    DealFactory(
        stage=proposal[2],
        owner=rep,
        value=Decimal("1000.00"),
        stage_entered_at=NOW,
        created_at=NOW - timedelta(days=3),
    )
    DealFactory(
        stage=proposal[2],
        owner=other_rep,
        value=Decimal("5000.00"),
        stage_entered_at=NOW,
        created_at=NOW - timedelta(days=3),
    )
    _other_pipeline, other_stages = pipeline_with_stages(name="Renewals")
    DealFactory(stage=other_stages[0], owner=rep, value=Decimal("9000.00"))

    def april(scope):
        forecast = forecast_build(kind=PeriodKind.MONTH, scope=scope, now=NOW)
        return next(p.expected for p in forecast.periods if p.start == date(2026, 4, 1))

    assert april(Scope.team(team)) == Decimal("400.00")
    assert april(Scope.pipeline(proposal[2].pipeline_id)) == Decimal("2400.00")
