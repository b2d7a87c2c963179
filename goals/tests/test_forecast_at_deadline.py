"""Goals on money KPIs show the pipeline forecast at their deadline and the deals missing."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from crm.tests.factories import DealFactory, pipeline_with_stages
from goals.models import Objective
from goals.tests.factories import GoalFactory
from metrics.tests.test_forecast import NOW, proposal_history

pytestmark = pytest.mark.django_db


def test_new_revenue_goal_shows_forecast_and_deals_needed(client, api_as, time_machine, manager):
    time_machine.move_to(NOW)
    _pipeline, stages = pipeline_with_stages()
    proposal_history(stages)  # 40 of 100 won at $500, 25 days from creation to a win
    DealFactory(
        stage=stages[2],
        value=Decimal("1000.00"),
        stage_entered_at=NOW,
        created_at=NOW - timedelta(days=3),
    )
    goal = GoalFactory(
        kpi="new_revenue",
        objective=Objective.SELL_MORE,
        baseline=Decimal("0"),
        target=Decimal("5000"),
        start_date=date(2026, 3, 1),
        deadline=date(2026, 4, 14),
        owner=manager,
    )
    client.force_login(manager)

    response = client.get(reverse("goals:detail", args=[goal.pk]))

    forecast = response.context["forecast"]
    # No revenue yet in the deadline's window; the open deal is expected on 9 April at 0.4.
    assert forecast.value == Decimal("400.0000")
    # (5,000 - 400) ÷ ($500 x 0.4) = 23 deals, created 25 days before 14 April.
    assert (forecast.deals_needed, forecast.create_by) == (23, date(2026, 3, 20))
    html = response.content.decode()
    assert "About 23 more deals of the average size ($500.00) must be created by" in html
    api = api_as(manager).get(f"/api/goals/{goal.pk}/").json()
    assert api["forecast_at_deadline"] == {
        "value": "400.0000",
        "deals_needed": 23,
        "create_by": "2026-03-20",
        "too_late": False,
        "average_value": "500.00",
        "currency": "USD",
    }


def test_a_deadline_nearer_than_the_usual_time_to_win_says_so(
    client, api_as, time_machine, manager
):
    time_machine.move_to(NOW)
    _pipeline, stages = pipeline_with_stages()
    proposal_history(stages)  # 25 days from creation to a win
    goal = GoalFactory(
        kpi="new_revenue",
        objective=Objective.SELL_MORE,
        baseline=Decimal("0"),
        target=Decimal("5000"),
        start_date=NOW.date() - timedelta(days=20),
        deadline=NOW.date() + timedelta(days=10),
        owner=manager,
    )
    client.force_login(manager)

    forecast = client.get(reverse("goals:detail", args=[goal.pk])).context["forecast"]
    api = api_as(manager).get(f"/api/goals/{goal.pk}/").json()["forecast_at_deadline"]

    # 5,000 ÷ ($500 x 0.4) = 25 deals, which should have been created 15 days ago.
    assert (forecast.deals_needed, forecast.too_late) == (25, True)
    assert (api["deals_needed"], api["too_late"]) == (25, True)
    html = client.get(reverse("goals:detail", args=[goal.pk])).content.decode()
    assert "deals created now are won after the deadline" in html
    assert "must be created by" not in html


def test_other_kpis_have_no_pipeline_forecast(client, manager):
    goal = GoalFactory(owner=manager)  # churn rate
    client.force_login(manager)

    assert client.get(reverse("goals:detail", args=[goal.pk])).context["forecast"] is None
