from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from crm.models import Role
from crm.tests.factories import CampaignFactory, DealFactory, TeamFactory, pipeline_with_stages
from metrics import registry
from metrics.models import KpiSnapshot
from metrics.scopes import Scope
from metrics.services import backfill_days, snapshot_day, snapshot_period, snapshot_scopes
from metrics.tasks import kpi_snapshot_nightly_task
from metrics.tests.conftest import at

pytestmark = pytest.mark.django_db
DAY = date(2025, 6, 30)


def _expected_rows(scopes):
    return sum(1 for s in scopes for kpi in registry.KPIS.values() if kpi.supports(s.type))


def test_snapshot_day_stores_every_kpi_for_every_scope(rep, other_rep, manager):
    TeamFactory()
    CampaignFactory()
    _pipeline, stages = pipeline_with_stages()
    DealFactory(stage=stages[0], owner=rep, created_at=at("2025-06-20"))

    written = snapshot_day(DAY)

    scopes = snapshot_scopes()
    assert {s.type for s in scopes} == {"company", "owner", "team", "pipeline", "campaign"}
    assert Scope.owner(manager) not in scopes  # only reps get a per-owner row
    assert written == _expected_rows(scopes) == KpiSnapshot.objects.count()
    open_deals = KpiSnapshot.objects.get(kpi="open_deals", scope_type="owner", scope_id=rep.pk)
    assert (open_deals.value, open_deals.window_days, open_deals.definition_version) == (1, 30, 1)
    company = KpiSnapshot.objects.get(kpi="close_rate", scope_type="company")
    assert company.scope_id == 0 and company.value == 0 and company.denominator == 1
    assert KpiSnapshot.objects.get(kpi="nps", scope_type="company").value is None


def test_rerunning_a_day_replaces_its_rows(rep):
    _, stages = pipeline_with_stages()
    DealFactory(stage=stages[0], owner=rep, created_at=at("2025-06-20"))
    snapshot_day(DAY)
    first = KpiSnapshot.objects.count()
    DealFactory(stage=stages[0], owner=rep, created_at=at("2025-06-21"))

    snapshot_day(DAY)
    snapshot_day(DAY - timedelta(days=1))

    assert KpiSnapshot.objects.filter(date=DAY).count() == first
    assert KpiSnapshot.objects.get(kpi="open_deals", scope_type="company", date=DAY).value == 2
    per_key = KpiSnapshot.objects.values("kpi", "scope_type", "scope_id", "date").distinct()
    assert per_key.count() == KpiSnapshot.objects.count()


def test_rerun_drops_rows_of_scopes_that_no_longer_exist(rep, make_user):
    gone = make_user(Role.REP, username="leaver")
    snapshot_day(DAY)
    gone.is_active = False
    gone.save()

    snapshot_day(DAY)

    assert not KpiSnapshot.objects.filter(scope_type="owner", scope_id=gone.pk).exists()
    assert KpiSnapshot.objects.filter(scope_type="owner", scope_id=rep.pk).exists()


def test_snapshot_window_is_trailing_and_configurable(settings):
    assert snapshot_period(DAY).start == date(2025, 6, 1)
    assert snapshot_period(DAY).end == date(2025, 7, 1)
    settings.KPI_SNAPSHOT_WINDOW_DAYS = 7
    assert snapshot_period(DAY).start == date(2025, 6, 24)


def test_nightly_task_snapshots_yesterday(time_machine, celery_eager):
    time_machine.move_to("2025-07-01 02:00:00+00:00")
    kpi_snapshot_nightly_task()
    assert set(KpiSnapshot.objects.values_list("date", flat=True)) == {DAY}


def test_backfill_is_daily_recently_weekly_before():
    days = backfill_days(date(2025, 1, 1), DAY, daily_recent_days=60)
    assert days[-1] == DAY and days[-60] == DAY - timedelta(days=59)
    assert days[-61] == DAY - timedelta(days=60) and days[-62] == DAY - timedelta(days=67)
    assert all(day >= date(2025, 1, 1) for day in days)
    assert len(backfill_days(date(2025, 6, 1), DAY)) == 30


def test_command_backfills_a_range_and_validates_input(rep):
    out = StringIO()
    call_command(
        "snapshot_kpis", "--from", "2025-06-28", "--to", "2025-06-30", stdout=out, verbosity=0
    )
    assert sorted(set(KpiSnapshot.objects.values_list("date", flat=True))) == [
        date(2025, 6, 28),
        date(2025, 6, 29),
        date(2025, 6, 30),
    ]
    assert "3 days" in out.getvalue()
    call_command("snapshot_kpis", "--days", "2", "--to", "2025-06-30", stdout=out, verbosity=0)
    assert KpiSnapshot.objects.filter(date=DAY).count() == _expected_rows(snapshot_scopes())
    with pytest.raises(CommandError):
        call_command("snapshot_kpis", "--from", "2025-07-01", "--to", "2025-06-30", verbosity=0)
    with pytest.raises(CommandError):
        call_command("snapshot_kpis", "--from", "yesterday", verbosity=0)


def test_beat_schedule_runs_nightly_with_an_expiry(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["metrics-snapshot-kpis"]
    assert entry["task"] == "metrics.tasks.kpi_snapshot_nightly_task"
    assert entry["schedule"] == settings.KPI_SNAPSHOT_CRONTAB
    assert 0 < entry["options"]["expires"] < 24 * 3600
