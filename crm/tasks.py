from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from crm.models import DomainEvent
from crm.services.events import event_dispatch

# Events younger than this are probably still in flight from their on_commit hand-over.
REDISPATCH_AFTER = timedelta(minutes=2)
REDISPATCH_BATCH = 500


@shared_task(ignore_result=True)
def domain_events_redispatch_task():
    """Outbox sweep: hand over events that no handler has marked processed yet."""
    if not settings.GOALPOST_DOMAIN_EVENT_HANDLERS:
        return
    cutoff = timezone.now() - REDISPATCH_AFTER
    pending = DomainEvent.objects.filter(
        processed_at__isnull=True, automate=True, occurred_at__lt=cutoff
    ).values_list("pk", flat=True)[:REDISPATCH_BATCH]
    for event_id in pending:
        event_dispatch(event_id=event_id)


# Celery autodiscovery imports only crm/tasks.py: register the importer's task with it.
from crm.importing.tasks import import_job_run_task  # noqa: E402, F401
