import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from django.conf import settings
from django.db import transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, Model, OuterRef, Q, QuerySet
from django.db.models.expressions import Combinable
from django.utils import timezone

from crm.models import DomainEvent, DomainEventReceipt, User

logger = logging.getLogger(__name__)

# Task name → the event kinds it reacts to, filled by the handlers' apps (AppConfig.ready);
# a configured handler that registers nothing receives every event.
_handler_kinds: dict[str, frozenset[str]] = {}

# Per sweep run: open events closed per statement, and at most this many statements (a
# backlog past that is closed by the next runs, a minute apart).
CLOSE_BATCH = 5000
CLOSE_ROUNDS = 20


def event_handler_kinds_register(*, task_name: str, kinds: Iterable[str]) -> None:
    """Send `task_name` only the events of these kinds (it ignores the others).

    A worker runs a handful of threads: a task that reads an event only to drop it delays
    the handler that acts on it. An event of another kind never counts as pending for it.
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
    *,
    kind: str,
    subject: Model,
    actor: User | None = None,
    payload: dict[str, Any] | None = None,
    automate: bool = True,
    occurred_at: datetime | None = None,
) -> DomainEvent:
    """Write a domain event in the caller's transaction and hand it over after commit.

    `occurred_at` is when the change happened when the caller knows it is not now (an
    import or the demo's history with its real dates): a rule's dry run over the last N
    days counts events by this moment.
    """
    event = DomainEvent.objects.create(
        kind=kind,
        # Set for every model class (Options.contribute_to_class); the stubs allow None.
        subject_type=cast(str, subject._meta.model_name),
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
    (`events_sweep`) sends the event again later to each handler that did not record it.
    """
    for task_name in event_handlers_for(kind):
        _hand_over(task_name=task_name, event_id=event_id)


def _hand_over(*, task_name: str, event_id: int) -> bool:
    """Publish one (event, handler) pair; False (logged) when the broker refused it."""
    from crm.celery import app

    try:
        app.send_task(task_name, args=[event_id])
    except Exception:
        logger.warning("Could not hand event %s to %s; the sweep will retry", event_id, task_name)
        return False
    return True


def event_handled(*, handler: str) -> "ExpressionWrapper[Combinable]":
    """A boolean annotation for DomainEvent rows: True when `handler` (a task name) has
    already processed the event — its receipt exists, or the event was closed (every
    handler done, or processed before receipts existed).

    Handlers annotate the one read of their event with it, so knowing a redelivery is a
    no-op costs no query of its own.
    """
    receipt = DomainEventReceipt.objects.filter(event=OuterRef("pk"), handler=handler)
    return ExpressionWrapper(
        Q(processed_at__isnull=False) | Exists(receipt), output_field=BooleanField()
    )


def event_handled_record(*, event_id: int, handler: str) -> None:
    """Record that `handler` (a task name) has processed the event: one INSERT, ignored
    when the receipt already exists (a concurrent delivery wrote it).

    Call it inside the transaction that writes the handler's effect, so the effect and its
    receipt commit or roll back together. Raises IntegrityError if the event is gone.
    """
    DomainEventReceipt.objects.bulk_create(
        [DomainEventReceipt(event_id=event_id, handler=handler)], ignore_conflicts=True
    )


def _wanted_by(handler: str) -> Q:
    """Events of the kinds `handler` reacts to (every kind when it registered none)."""
    if handler not in _handler_kinds:
        return Q()
    return Q(kind__in=sorted(_handler_kinds[handler]))


def events_pending_for(*, handler: str, older_than: datetime) -> QuerySet[DomainEvent]:
    """Open events `handler` reacts to and has no receipt for, that occurred before
    `older_than`, oldest first (a DomainEvent queryset).

    Read by the partial index of open events and the receipts' unique (event, handler)
    index, so it stays index-backed with millions of closed events.
    """
    receipt = DomainEventReceipt.objects.filter(event=OuterRef("pk"), handler=handler)
    return (
        DomainEvent.objects.filter(processed_at__isnull=True, automate=True)
        .filter(occurred_at__lt=older_than)
        .filter(_wanted_by(handler))
        .filter(~Exists(receipt))
        .order_by("occurred_at", "id")
    )


def events_close(*, older_than: datetime) -> int:
    """Set processed_at on the open events before `older_than` that every configured
    handler of their kind has a receipt for (or that no handler reacts to); returns how
    many were closed.

    Closed events leave the sweep's index; the receipts stay as the handlers' record.
    """
    handlers = settings.GOALPOST_DOMAIN_EVENT_HANDLERS
    done = Q()
    for handler in handlers:
        wanted = _wanted_by(handler)
        receipt = Exists(DomainEventReceipt.objects.filter(event=OuterRef("pk"), handler=handler))
        # Q() (every kind) is falsy: such a handler must hold a receipt for every event.
        done &= (~wanted | Q(receipt)) if wanted else Q(receipt)
    closable = DomainEvent.objects.filter(
        done, processed_at__isnull=True, automate=True, occurred_at__lt=older_than
    ).order_by()
    closed = 0
    for _round in range(CLOSE_ROUNDS):
        ids = closable.values("pk")[:CLOSE_BATCH]
        count = DomainEvent.objects.filter(pk__in=ids, processed_at__isnull=True).update(
            processed_at=timezone.now()
        )
        closed += count
        if count < CLOSE_BATCH:
            break
    return closed


def events_sweep(*, older_than: datetime, batch: int = 500) -> dict[str, int]:
    """The outbox sweep: close finished events, then hand each open (event, handler)
    pair without a receipt to its handler again, each handler independently.

    `older_than`: events younger than this are left alone (probably still in flight from
    their on_commit hand-over or their handler's own retries). At most `batch` events per
    handler are handed over per call, oldest first. Returns {handler task name: events
    handed over} (hand-overs the broker refused are logged and left for the next sweep).
    """
    handlers = settings.GOALPOST_DOMAIN_EVENT_HANDLERS
    if not handlers:
        return {}
    events_close(older_than=older_than)
    sent = {}
    for handler in handlers:
        pending = events_pending_for(handler=handler, older_than=older_than)
        event_ids = list(pending.values_list("pk", flat=True)[:batch])
        sent[handler] = sum(_hand_over(task_name=handler, event_id=pk) for pk in event_ids)
    return sent
