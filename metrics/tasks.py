from datetime import date, timedelta

from celery import group, shared_task
from django.conf import settings
from django.utils import timezone

from metrics.scopes import Scope
from metrics.services import (
    prune_departed_scopes,
    restate_cohorts,
    scope_chunks,
    snapshot_day,
    snapshot_history,
    snapshot_scopes,
)

# A chunk not started within this many seconds is dropped, as the beat entry's own run
# is (crm/settings/base.py): the next night rewrites every row anyway.
CHUNK_EXPIRES_SECONDS = 6 * 60 * 60


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def kpi_snapshot_nightly_task(day: str | None = None) -> int:
    """Snapshot yesterday (the last complete day) unless a date is given, and restate the
    cohort KPIs' snapshots of the maturing months before it; idempotent.

    The work is fanned out: a Celery group of kpi_snapshot_chunk_task, one per
    KPI_SNAPSHOT_CHUNK_SIZE scopes, so every worker (and every pool process) takes a
    share of the night. Rows of scopes that no longer exist are removed first, here.
    Returns the number of chunks sent.
    """
    target = timezone.localdate() - timedelta(days=1) if day is None else date.fromisoformat(day)
    scopes = snapshot_scopes()
    prune_departed_scopes(target, scopes)
    chunks = scope_chunks(scopes, settings.KPI_SNAPSHOT_CHUNK_SIZE)
    group(
        kpi_snapshot_chunk_task.s(target.isoformat(), [[s.type, s.id] for s in chunk])
        for chunk in chunks
    ).apply_async(expires=CHUNK_EXPIRES_SECONDS)
    return len(chunks)


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def kpi_snapshot_chunk_task(day: str, scopes: list[list]) -> int:
    """Snapshot `day` (ISO date) for these scopes (`[type, id]` pairs, id None for the
    company), then restate their cohort KPIs' maturing snapshots.

    Idempotent: rows are upserted on their unique (KPI, scope, day) key and only these
    scopes' rows are replaced, so a retry or a rerun leaves the same rows.
    Returns the number of rows written for the day itself.
    """
    target = date.fromisoformat(day)
    chunk = [Scope(scope_type, scope_id) for scope_type, scope_id in scopes]
    written = snapshot_day(target, scopes=chunk)
    restate_cohorts(target, scopes=chunk)
    return written


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def kpi_history_task(days: list[str]) -> int:
    """Snapshot every KPI and scope for `days` (ISO dates), each KPI x scope in one pass
    over all of them (`snapshot_history`): a backfill handed to the worker, such as the
    demo's year. Idempotent (a day's rows are replaced); returns the rows written."""
    return snapshot_history([date.fromisoformat(day) for day in days])


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def forecast_snapshot_nightly_task() -> int:
    """Store today's pipeline forecast of every scope (idempotent); returns rows written."""
    from metrics.forecast.accuracy import forecast_snapshot_take

    return forecast_snapshot_take()
