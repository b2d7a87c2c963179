from datetime import date, timedelta

from celery import shared_task
from django.utils import timezone

from metrics.services import restate_cohorts, snapshot_day


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def kpi_snapshot_nightly_task(day: str | None = None) -> int:
    """Snapshot yesterday (the last complete day) unless a date is given, then restate the
    cohort KPIs' snapshots of the maturing months before it; idempotent.

    Returns the number of rows written for the day itself.
    """
    target = timezone.localdate() - timedelta(days=1) if day is None else date.fromisoformat(day)
    written = snapshot_day(target)
    restate_cohorts(target)
    return written


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def forecast_snapshot_nightly_task() -> int:
    """Store today's pipeline forecast of every scope (idempotent); returns rows written."""
    from metrics.forecast.accuracy import forecast_snapshot_take

    return forecast_snapshot_take()
