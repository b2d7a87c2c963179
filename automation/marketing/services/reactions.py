"""What marketing does when the CRM reports a domain event.

Each (event, purpose) pair is acted on once: the receipt row and the reaction share a
transaction, so a failure rolls both back (and the task retries), a success makes every
later delivery of the event a no-op. The handler's own receipt for the event (crm's
`DomainEventReceipt`, which the outbox sweep reads) commits with the last purpose, so the
sweep hands the event to marketing again until every purpose is done.
"""

from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction

from automation.marketing.models import EmailKind, EmailSend, EventReceipt
from automation.models import ExitReason
from crm.models import (
    Contact,
    Deal,
    DomainEvent,
    DomainEventKind,
    Interaction,
    InteractionKind,
    Lead,
    Purchase,
)
from crm.services.events import event_handled, event_handled_record

from .enrollments import contact_enrollments_exit, welcome_enroll
from .scoring import lead_score_adopt, score_refresh

# The Celery task name of this handler (automation.marketing.tasks registers it).
HANDLER_TASK = "automation.marketing.tasks.handle_domain_event_task"
# Sends this recent before a win or a purchase count as converting it.
CONVERSION_WINDOW = timedelta(days=30)
K = DomainEventKind


def _contact_id(event: DomainEvent) -> int | None:
    if event.subject_type == "contact":
        return event.subject_id
    models: dict[str, type[Interaction] | type[Purchase] | type[Deal] | type[Lead]] = {
        "interaction": Interaction,
        "purchase": Purchase,
        "deal": Deal,
        "lead": Lead,
    }
    model = models.get(event.subject_type)
    if model is None:
        return None
    return model.objects.filter(pk=event.subject_id).values_list("contact_id", flat=True).first()


def _welcome(event: DomainEvent, contact_id: int) -> None:
    contact = Contact.objects.filter(pk=contact_id).first()
    if contact is not None:
        welcome_enroll(contact=contact)


def _score(event: DomainEvent, contact_id: int) -> None:
    score_refresh(contact_ids=[contact_id])


def _lead_score(event: DomainEvent, contact_id: int) -> None:
    """A lead created with a score, or a lead score edited: that number is the contact's
    score from now on. A lead created without one takes the contact's score."""
    if event.kind == K.LEAD_CREATED and not (event.payload or {}).get("score"):
        score_refresh(contact_ids=[contact_id])
    else:
        lead_score_adopt(lead_id=event.subject_id)


def _conversion(event: DomainEvent, contact_id: int) -> None:
    EmailSend.objects.filter(
        contact_id=contact_id,
        kind=EmailKind.CAMPAIGN,
        sent_at__isnull=False,
        sent_at__lte=event.occurred_at,
        sent_at__gte=event.occurred_at - CONVERSION_WINDOW,
        converted_at__isnull=True,
    ).update(converted_at=event.occurred_at)


def _deal_won_exit(event: DomainEvent, contact_id: int) -> None:
    contact_enrollments_exit(contact_id=contact_id, reason=ExitReason.DEAL_WON)


def _reply(event: DomainEvent, contact_id: int) -> None:
    interaction = Interaction.objects.filter(pk=event.subject_id).first()
    if interaction is None or interaction.kind != InteractionKind.EMAIL_REPLIED:
        return
    sends = EmailSend.objects.filter(
        contact_id=contact_id, sent_at__isnull=False, sent_at__lte=interaction.occurred_at
    )
    send_id = (interaction.details or {}).get("email")
    if isinstance(send_id, int):
        sends = sends.filter(pk=send_id)
    latest = sends.order_by("-sent_at", "-id").first()
    if latest is not None and latest.replied_at is None:
        EmailSend.objects.filter(pk=latest.pk).update(replied_at=interaction.occurred_at)
    contact_enrollments_exit(contact_id=contact_id, reason=ExitReason.REPLIED)


REACTIONS: dict[str, tuple[tuple[str, Callable[[DomainEvent, int], None]], ...]] = {
    K.CONTACT_CREATED: (("welcome", _welcome), ("score", _score)),
    K.LEAD_CREATED: (("score", _lead_score),),
    K.LEAD_SCORE_CHANGED: (("score", _lead_score),),
    K.INTERACTION_RECORDED: (("reply", _reply), ("score", _score)),
    K.PURCHASE_RECORDED: (("conversion", _conversion), ("score", _score)),
    K.DEAL_WON: (("conversion", _conversion), ("exit", _deal_won_exit)),
}


def event_react(*, event_id: int) -> list[str]:
    """React to one domain event; returns the purposes acted on by this delivery.

    An event this handler already recorded costs one read. A reaction that raises rolls
    back with its purpose's receipt and the error propagates (the task retries, then the
    outbox sweep); purposes done before it stay done.
    """
    event = (
        DomainEvent.objects.annotate(handled=event_handled(handler=HANDLER_TASK))
        .filter(pk=event_id)
        .first()
    )
    if event is None or not event.automate or event.handled:
        return []
    contact_id = _contact_id(event) if event.kind in REACTIONS else None
    if contact_id is None:
        # Nothing to react to (the record is gone): done, or the sweep would send it forever.
        event_handled_record(event_id=event.pk, handler=HANDLER_TASK)
        return []
    done = []
    reactions = REACTIONS[event.kind]
    for index, (purpose, react) in enumerate(reactions):
        with transaction.atomic():
            try:
                with transaction.atomic():
                    EventReceipt.objects.create(event=event, purpose=purpose)
            except IntegrityError:
                pass  # an earlier delivery did this purpose
            else:
                react(event, contact_id)
                done.append(purpose)
            if index == len(reactions) - 1:
                event_handled_record(event_id=event.pk, handler=HANDLER_TASK)
    return done
