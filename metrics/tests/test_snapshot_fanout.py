"""The nightly snapshots as a fan-out: a Celery group of one task per chunk of scopes
writes the same rows as the whole night in one process did (snapshot_day + restate)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction

from automation.tests.fixtures import wait_until
from crm.models import DealStatus, LeadStatus, Role
from crm.tests.factories import (
    CampaignFactory,
    DealFactory,
    LeadFactory,
    TeamFactory,
    pipeline_with_stages,
)
from metrics.models import KpiSnapshot
from metrics.scopes import Scope
from metrics.services import restate_cohorts, scope_chunks, snapshot_day, snapshot_scopes
from metrics.tasks import kpi_snapshot_chunk_task, kpi_snapshot_nightly_task
from metrics.tests.conftest import at

DAY = date(2025, 6, 30)


def _table() -> dict[tuple, tuple]:
    """Every snapshot row: (kpi, scope type, scope id, date) → (value, numerator, denominator)."""
    return {
        (row.kpi, row.scope_type, row.scope_id, row.date): (
            row.value,
            row.numerator,
            row.denominator,
        )
        for row in KpiSnapshot.objects.all()
    }


def _whole_night_in_one_process(day: date) -> dict[tuple, tuple]:
    """The table the nightly task left before the fan-out, rolled back after reading."""
    with transaction.atomic():
        snapshot_day(day)
        restate_cohorts(day)
        table = _table()
        transaction.set_rollback(True)
    return table


@pytest.fixture
def small_world(make_user):
    """Two teams of two reps, a campaign, deals created and won in June, a lead converted,
    and the night before already snapshotted (so the cohort restatement has a day)."""
    teams = [TeamFactory(name="North"), TeamFactory(name="South")]
    reps = [make_user(Role.REP, username=f"rep{i}", team=teams[i % 2]) for i in range(4)]
    campaign = CampaignFactory()
    _, stages = pipeline_with_stages()
    for i, rep in enumerate(reps):
        DealFactory(stage=stages[0], owner=rep, created_at=at(f"2025-06-{10 + i}"))
    won = DealFactory(stage=stages[1], owner=reps[0], created_at=at("2025-06-05"))
    LeadFactory(owner=reps[1], campaign=campaign, created_at=at("2025-06-12"))
    snapshot_day(DAY - timedelta(days=1))
    # Matures after the first night: the restatement must see it.
    won.status, won.closed_at, won.value = DealStatus.WON, at("2025-06-30"), Decimal("800")
    won.save()
    LeadFactory(
        owner=reps[1],
        campaign=campaign,
        created_at=at("2025-06-20"),
        status=LeadStatus.CONVERTED,
        converted_at=at("2025-06-29"),
    )
    return reps


@pytest.mark.django_db
def test_fan_out_writes_the_rows_of_the_whole_night(small_world, settings, celery_eager):
    reps = small_world
    settings.KPI_SNAPSHOT_CHUNK_SIZE = 3
    expected = _whole_night_in_one_process(DAY)

    chunks = kpi_snapshot_nightly_task(DAY.isoformat())

    # company, 4 reps, 2 teams, 1 pipeline, 2 campaigns (ours and the shipped Nurture)
    # = 10 scopes in chunks of 3.
    assert len(snapshot_scopes()) == 10
    assert chunks == 4
    assert _table() == expected
    company = ("company", 0, DAY)
    assert expected[("open_deals", *company)][0] == 4
    assert expected[("win_rate", *company)][1:] == (1, 1)
    assert expected[("close_rate", "owner", reps[0].pk, DAY - timedelta(days=1))][1:] == (1, 2)
    assert expected[("close_rate", "team", reps[0].team_id, DAY)][1:] == (1, 3)


@pytest.mark.django_db
def test_fan_out_drops_rows_of_scopes_that_no_longer_exist(small_world, celery_eager):
    leaver = small_world[3]
    kpi_snapshot_nightly_task(DAY.isoformat())
    leaver.is_active = False
    leaver.save()

    kpi_snapshot_nightly_task(DAY.isoformat())

    rows = KpiSnapshot.objects.filter(scope_type="owner", scope_id=leaver.pk)
    # Only the cohort KPIs are restated on earlier days, so only theirs go there too.
    assert not rows.filter(date=DAY).exists()
    assert not rows.filter(kpi__in=["close_rate", "conversion_rate"]).exists()
    assert rows.filter(date=DAY - timedelta(days=1), kpi="open_deals").exists()
    assert KpiSnapshot.objects.filter(scope_type="owner", scope_id=small_world[0].pk, date=DAY)


@pytest.mark.django_db
def test_a_chunk_rewrites_only_its_own_scopes(small_world):
    rep = small_world[0]
    snapshot_day(DAY)
    before = {row.pk: row.computed_at for row in KpiSnapshot.objects.all()}

    written = kpi_snapshot_chunk_task(DAY.isoformat(), [["owner", rep.pk]])

    rows = KpiSnapshot.objects.all()
    assert {row.pk for row in rows} == set(before)  # nothing added, nothing removed
    rewritten = {
        (row.kpi, row.scope_type, row.scope_id, row.date)
        for row in rows
        if row.computed_at != before[row.pk]
    }
    own_day = {
        (row.kpi, "owner", rep.pk, DAY)
        for row in rows.filter(date=DAY, scope_type="owner", scope_id=rep.pk)
    }
    own_cohorts_before = {
        (kpi, "owner", rep.pk, DAY - timedelta(days=1)) for kpi in ("close_rate", "conversion_rate")
    }
    assert written == len(own_day)
    assert rewritten == own_day | own_cohorts_before


def test_scope_chunks_keep_the_order_and_size():
    scopes = [Scope.company(), *(Scope.owner(i) for i in range(1, 6))]

    assert scope_chunks(scopes, 4) == [scopes[:4], scopes[4:]]
    assert scope_chunks(scopes, 10) == [scopes]
    with pytest.raises(ValueError):
        scope_chunks(scopes, 0)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_fan_out(small_world, settings, celery_worker_thread):
    settings.KPI_SNAPSHOT_CHUNK_SIZE = 2
    expected = _whole_night_in_one_process(DAY)
    expected_today = sum(1 for key in expected if key[3] == DAY)

    kpi_snapshot_nightly_task.delay(DAY.isoformat())

    wait_until(
        lambda: (
            KpiSnapshot.objects.filter(date=DAY).count() == expected_today and _table() == expected
        ),
        message="the chunks of the night",
    )
    assert len(scope_chunks(snapshot_scopes(), 2)) == 5  # 10 scopes, as above
