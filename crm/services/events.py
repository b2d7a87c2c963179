import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from crm.models import DomainEvent

logger = logging.getLogger(__name__)


def event_emit(
    *, kind, subject, actor=None, payload=None, automate=True, occurred_at=None
) -> DomainEvent:
    """Write a domain event in the caller's transaction and hand it over after commit.

    `occurred_at` is when the change happened when the caller knows it is not now (an
    import or the demo's history with its real dates): a rule's dry run over the last N
    days counts events by this moment.
    """
    event = DomainEvent.objects.create(
        kind=kind,
        subject_type=subject._meta.model_name,
        subject_id=subject.pk,
        actor=actor if actor is not None and actor.pk else None,
        payload=payload or {},
        automate=automate,
        occurred_at=occurred_at or timezone.now(),
    )
    if automate:
        transaction.on_commit(lambda: event_dispatch(event_id=event.pk))
    return event


def event_dispatch(*, event_id: int) -> None:
    """Send the event id to every configured handler task.

    A broker outage is logged, not raised: the change is committed and the outbox sweep
    (`crm.tasks.domain_events_redispatch_task`) sends the event again later.
    """
    from crm.celery import app

    for task_name in settings.GOALPOST_DOMAIN_EVENT_HANDLERS:
        try:
            app.send_task(task_name, args=[event_id])
        except Exception:
            logger.warning(
                "Could not hand event %s to %s; the sweep will retry", event_id, task_name
            )
