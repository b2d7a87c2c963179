from datetime import timedelta

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from crm.services.events import events_sweep

# Events younger than this are probably still in flight from their on_commit hand-over.
# Per handler and sweep run, at most REDISPATCH_BATCH events are handed over again.
REDISPATCH_AFTER = timedelta(minutes=2)
REDISPATCH_BATCH = 500


@shared_task(ignore_result=True)
def domain_events_redispatch_task():
    """Outbox sweep: hand each event again to every handler of its kind that has not
    recorded processing it, and close the events all of them have (`events_sweep`)."""
    events_sweep(older_than=timezone.now() - REDISPATCH_AFTER, batch=REDISPATCH_BATCH)


@shared_task(ignore_result=True)
def idempotency_keys_expire_task() -> None:
    """Daily: forget Idempotency-Keys past IDEMPOTENCY_KEY_TTL_HOURS (idempotent)."""
    from crm.api.idempotency import idempotency_keys_expire

    idempotency_keys_expire()


BULK_MAX_RETRIES = 5


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=BULK_MAX_RETRIES)
def bulk_action_run_task(self, bulk_id: int) -> None:
    """Run a queued bulk action batch by batch from its committed progress."""
    from crm.models import BulkAction, BulkStatus
    from crm.services.bulk import bulk_run_batch

    try:
        while not bulk_run_batch(bulk_id=bulk_id):
            pass
    except BulkAction.DoesNotExist:
        return
    except Exception as exc:
        if self.request.retries < BULK_MAX_RETRIES and isinstance(exc, DatabaseError | OSError):
            raise self.retry(exc=exc, countdown=2 ** (self.request.retries + 1)) from exc
        BulkAction.objects.filter(pk=bulk_id).update(
            status=BulkStatus.FAILED, error_message=f"{type(exc).__name__}: {exc}"
        )
        raise


# Celery autodiscovery imports only crm/tasks.py: register the importer's task with it.
from crm.importing.tasks import import_job_run_task  # noqa: E402, F401
