"""The whole loop through every app: lead → deal → automation → KPI snapshot → goal.

Everything goes through the public API, as an integration would drive it, with a real
Celery worker on Redis reacting to the domain events.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from automation.defaults import default_rules_seed
from automation.tests.fixtures import events_unhandled, wait_until
from crm.models import Activity, ActivityKind, StageChange
from crm.tests.factories import pipeline_with_stages
from goals.models import Goal
from metrics.models import KpiSnapshot
from metrics.services import snapshot_day

pytestmark = [pytest.mark.worker]


@pytest.fixture
def sales_pipeline(transactional_db):
    pipeline, stages = pipeline_with_stages(is_default=True)
    default_rules_seed()
    return pipeline, stages


def test_a_converted_lead_is_called_won_measured_and_moves_its_goal(
    sales_pipeline, celery_worker_thread, rep, manager, api_as
):
    _pipeline, stages = sales_pipeline
    as_rep, as_manager = api_as(rep), api_as(manager)

    # Given a rep's lead for a new contact
    contact = as_rep.post(
        "/api/contacts/", {"first_name": "Defne", "email": "defne@example.com"}, format="json"
    )
    assert contact.status_code == 201, contact.data
    lead = as_rep.post("/api/leads/", {"contact": contact.data["id"]}, format="json")
    assert lead.status_code == 201, lead.data

    # When it converts into a $900 deal
    converted = as_rep.post(
        f"/api/leads/{lead.data['id']}/convert/",
        {"title": "Defne: annual plan", "value": "900.00"},
        format="json",
    )
    assert converted.status_code == 200, converted.data
    deal_id = converted.data["deal"]

    # Then automation gives the owner exactly one call task (value over $500)
    wait_until(
        lambda: events_unhandled() == 0,
        message="automation to process the deal's events",
    )
    calls = Activity.objects.filter(deal_id=deal_id, kind=ActivityKind.CALL)
    assert [(c.assignee_id, c.done_at) for c in calls] == [(rep.pk, None)]

    # When the rep moves it on and wins it
    moved = as_rep.patch(f"/api/deals/{deal_id}/", {"stage": stages[1].pk}, format="json")
    assert moved.status_code == 200, moved.data
    won = as_rep.patch(f"/api/deals/{deal_id}/", {"status": "won"}, format="json")
    assert won.status_code == 200, won.data
    assert StageChange.objects.filter(deal_id=deal_id).count() == 2

    # Then tonight's snapshot measures it for the rep: 1 won of 1 closed
    today = timezone.localdate()
    snapshot_day(today)
    win_rate = as_manager.get(
        f"/api/kpi-snapshots/?kpi=win_rate&scope_type=owner&scope_id={rep.pk}"
    )
    assert [(r["date"], Decimal(r["value"])) for r in win_rate.data["results"]] == [
        (today.isoformat(), Decimal("100"))
    ]

    # And a manager's win-rate goal for the rep reads it as achieved (on three weeks of
    # earlier snapshots: with less history a goal is "too early to tell")
    KpiSnapshot.objects.bulk_create(
        KpiSnapshot(
            kpi="win_rate",
            scope_type="owner",
            scope_id=rep.pk,
            date=today - timedelta(days=days),
            value=Decimal("50"),
        )
        for days in (21, 14, 7)
    )
    goal = as_manager.post(
        "/api/goals/",
        {
            "title": "Win every deal we close",
            "plan": "Qualify in needs analysis; propose within two days.",
            "resources": "Weekly pipeline review.",
            "kpi": "win_rate",
            "scope": {"type": "rep", "id": rep.pk},
            "baseline": "50",
            "target": "90",
            "objective": "sell_more",
            "start_date": (today - timedelta(days=1)).isoformat(),
            "deadline": (today + timedelta(days=60)).isoformat(),
        },
        format="json",
    )
    assert goal.status_code == 201, goal.data
    assert Decimal(goal.data["current_value"]) == Decimal("100")
    assert goal.data["status"] == "achieved"
    assert Goal.objects.get(pk=goal.data["id"]).owner == rep
