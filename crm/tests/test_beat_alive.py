"""`manage.py beat_alive`, the beat container's health check, reads beat's stamps."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django_celery_beat.models import IntervalSchedule, PeriodicTask

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _task(name: str, *, last_run_at, enabled: bool = True) -> PeriodicTask:
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    return PeriodicTask.objects.create(
        name=name,
        task="crm.tasks.domain_events_redispatch_task",
        interval=every_minute,
        last_run_at=last_run_at,
        enabled=enabled,
    )


def _beat_alive(*args) -> str:
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("beat_alive", *args, stdout=out)
    return out.getvalue()


def test_a_recent_send_is_healthy():
    PeriodicTask.objects.all().delete()
    _task("stale", last_run_at=NOW - timedelta(days=1))
    _task("fresh", last_run_at=NOW - timedelta(seconds=240))

    assert _beat_alive() == "Celery beat sent a periodic task 240 s ago.\n"


def test_no_send_within_the_limit_fails():
    PeriodicTask.objects.all().delete()
    _task("old", last_run_at=NOW - timedelta(seconds=601))
    # A disabled task's stamp says nothing about beat now.
    _task("disabled", last_run_at=NOW, enabled=False)

    with pytest.raises(CommandError) as raised:
        _beat_alive()

    assert str(raised.value) == "Celery beat's newest recorded send is 601 s old (limit 600 s)."


def test_the_limit_is_an_argument():
    PeriodicTask.objects.all().delete()
    _task("old", last_run_at=NOW - timedelta(seconds=601))

    assert _beat_alive("--max-age", "900") == "Celery beat sent a periodic task 601 s ago.\n"


def test_a_beat_that_never_sent_fails():
    PeriodicTask.objects.all().delete()
    _task("never", last_run_at=None)

    with pytest.raises(CommandError) as raised:
        _beat_alive()

    assert str(raised.value) == "Celery beat has not recorded sending any periodic task."
