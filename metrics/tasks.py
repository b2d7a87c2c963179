from datetime import date, timedelta

from celery import shared_task
from django.utils import timezone

from metrics.services import snapshot_day


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def kpi_snapshot_nightly_task(day: str | None = None) -> int:
    """Snapshot yesterday (the last complete day) unless a date is given; idempotent."""
    target = timezone.localdate() - timedelta(days=1) if day is None else date.fromisoformat(day)
    return snapshot_day(target)
