"""`seed_demo --in-worker` (make run): the demo's KPI history is the worker's first job.

A real Celery worker on Redis writes the same snapshot rows the seeding would have made
itself, and a broker that refuses the task leaves the work to the seeding.
"""

from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone

from automation.tests.fixtures import wait_until
from crm.models import DealStatus, Role
from crm.tests.factories import DealFactory, pipeline_with_stages
from metrics import demo
from metrics.models import KpiSnapshot
from metrics.tests.test_snapshot_fanout import _table


@pytest.fixture
def short_history(monkeypatch, make_user):
    """A week daily and one weekly day before it, over a few deals of two reps."""
    monkeypatch.setattr(demo, "DEMO_HISTORY_DAYS", 14)
    monkeypatch.setattr(demo, "DEMO_DAILY_RECENT_DAYS", 7)
    _, stages = pipeline_with_stages()
    now = timezone.now()
    for i, rep in enumerate(make_user(Role.REP, username=f"rep{i}") for i in range(2)):
        DealFactory(stage=stages[0], owner=rep, created_at=now - timedelta(days=10 + i))
        DealFactory(
            stage=stages[1],
            owner=rep,
            created_at=now - timedelta(days=9),
            status=DealStatus.WON,
            closed_at=now - timedelta(days=3 + i),
        )


def _made_by_the_seeding_itself() -> dict:
    with transaction.atomic():
        demo.seed_demo()
        table = _table()
        transaction.set_rollback(True)
    return table


def test_the_worker_writes_the_rows_the_seeding_would_have(short_history, celery_worker_thread):
    expected = _made_by_the_seeding_itself()
    out = StringIO()

    demo.seed_demo(in_worker=True, stdout=out)

    assert out.getvalue() == (
        "KPI history of 8 days handed to the worker: the dashboard's charts fill in within "
        "a minute or two."
    )
    wait_until(lambda: _table() == expected, timeout=120, message="the worker's KPI history")
    assert len({day for (_kpi, _type, _id, day) in expected}) == 8
    assert expected[("open_deals", "company", 0, timezone.localdate() - timedelta(days=1))][0] == 2


def test_a_broker_that_refuses_the_task_leaves_the_history_to_the_seeding(
    short_history, transactional_db
):
    expected = _made_by_the_seeding_itself()
    refused = mock.patch.object(demo.kpi_history_task, "delay", side_effect=OSError("no broker"))

    with refused:
        demo.seed_demo(in_worker=True, stdout=StringIO())

    assert _table() == expected


def test_a_database_with_snapshots_is_left_as_it_is(short_history, db):
    demo.seed_demo()
    before = KpiSnapshot.objects.count()
    with mock.patch.object(demo.kpi_history_task, "delay") as delay:
        demo.seed_demo(in_worker=True)

    delay.assert_not_called()
    assert KpiSnapshot.objects.count() == before > 0
