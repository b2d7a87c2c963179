import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from crm.models import DomainEvent

logger = logging.getLogger(__name__)

# Task name → the event kinds it reacts to, filled by the handlers' apps (AppConfig.ready);
# a configured handler that registers nothing receives every event.
_handler_kinds: dict[str, frozenset[str]] = {}


def event_handler_kinds_register(*, task_name: str, kinds) -> None:
    """Send `task_name` only the events of these kinds (it ignores the others).

    A worker runs a handful of threads: a task that reads an event only to drop it delays
    the handler that acts on it.
    """
    _handler_kinds[task_name] = frozenset(kinds)


def event_handlers_for(kind: str | None) -> list[str]:
    """The configured handler tasks that react to events of `kind` (None: all of them)."""
    return [
        task_name
        for task_name in settings.GOALPOST_DOMAIN_EVENT_HANDLERS
        if kind is None or task_name not in _handler_kinds or kind in _handler_kinds[task_name]
    ]


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
        transaction.on_commit(lambda: event_dispatch(event_id=event.pk, kind=kind))
    return event


def event_dispatch(*, event_id: int, kind: str | None = None) -> None:
    """Send the event id to every configured handler task that reacts to `kind` (to every
    one when the kind is not given).

    A broker outage is logged, not raised: the change is committed and the outbox sweep
    (`crm.tasks.domain_events_redispatch_task`) sends the event again later.
    """
    from crm.celery import app

    for task_name in event_handlers_for(kind):
        try:
            app.send_task(task_name, args=[event_id])
        except Exception:
            logger.warning(
                "Could not hand event %s to %s; the sweep will retry", event_id, task_name
            )
