from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from crm.models import DomainEvent
from crm.services.events import event_dispatch, event_handlers_for

# Events younger than this are probably still in flight from their on_commit hand-over.
REDISPATCH_AFTER = timedelta(minutes=2)
REDISPATCH_BATCH = 500


@shared_task(ignore_result=True)
def domain_events_redispatch_task():
    """Outbox sweep: hand over events that no handler has marked processed yet.

    An event of a kind that no configured handler reacts to has nothing left to do: it is
    marked processed, so it does not come back in every sweep's batch.
    """
    if not settings.GOALPOST_DOMAIN_EVENT_HANDLERS:
        return
    cutoff = timezone.now() - REDISPATCH_AFTER
    pending = DomainEvent.objects.filter(
        processed_at__isnull=True, automate=True, occurred_at__lt=cutoff
    ).values_list("pk", "kind")[:REDISPATCH_BATCH]
    unwanted = []
    for event_id, kind in pending:
        if event_handlers_for(kind):
            event_dispatch(event_id=event_id, kind=kind)
        else:
            unwanted.append(event_id)
    if unwanted:
        DomainEvent.objects.filter(pk__in=unwanted, processed_at__isnull=True).update(
            processed_at=timezone.now()
        )


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
