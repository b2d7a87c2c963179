from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from crm.tests.factories import LeadFactory
from goals import services
from goals.tasks import goals_recompute_nightly_task
from metrics.services import snapshot_day

pytestmark = pytest.mark.django_db


def test_nightly_recompute_is_scheduled_after_the_snapshots():
    entry = settings.CELERY_BEAT_SCHEDULE["goals-recompute-nightly"]
    assert entry["task"] == "goals.tasks.goals_recompute_nightly_task"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({2}, {30})
    assert entry["options"]["expires"] > 0


def test_snapshot_then_nightly_task_moves_a_leads_goal(manager):
    start = date(2025, 3, 1)
    with time_machine.travel(start, tick=False):
        snapshot_day(start - timedelta(days=1))  # no leads yet: baseline 0
        goal = services.goal_create(
            actor=manager,
            title="More leads",
            plan="Two webinars a month.",
            kpi="leads",
            target=Decimal("4"),
            resources="Marketing budget.",
            objective="sell_more",
            start_date=start,
            deadline=start + timedelta(days=60),
        ).goal
    assert goal.baseline == Decimal("0")

    with time_machine.travel(date(2025, 3, 31), tick=False):
        for _ in range(3):
            LeadFactory(created_at=timezone.now() - timedelta(days=10))
        # 4 snapshots over a month: enough history for a status
        for day in (date(2025, 3, 15), date(2025, 3, 22), date(2025, 3, 30)):
            snapshot_day(day)
        goals_recompute_nightly_task()

    goal.refresh_from_db()
    # 3 leads of 4 by half-time: 75 % done, 50 % expected
    assert (goal.current_value, goal.progress, goal.expected_progress) == (Decimal("3"), 75.0, 50.0)
    assert goal.status == "on_track"
