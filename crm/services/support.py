import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.languages import in_language_of
from crm.limits import MAX_DATE, MIN_DATE, as_date
from crm.models import DomainEventKind, Role, Ticket, TicketReply, TicketStatus, User

from .common import model_save
from .events import event_emit
from .workspace import sla_hours

logger = logging.getLogger(__name__)


def sla_due(*, priority: str, opened_at: datetime) -> datetime | None:
    """When a ticket of `priority` opened at `opened_at` (aware datetime) must be resolved.

    None when `opened_at` lies outside the supported dates (`crm.limits`): the ticket's own
    validation then refuses it, rather than the deadline overflowing `datetime` first.
    """
    day = as_date(opened_at)
    if day is None or not MIN_DATE <= day <= MAX_DATE:
        return None
    _first_response, resolution = sla_hours(priority)
    return opened_at + timedelta(hours=resolution)


CLOSED_STATUSES = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


def ticket_moments_check(
    *, status: str | None, opened_at: datetime | None, moments: Mapping[str, Any]
) -> None:
    """The rules on a ticket's moments, whichever door (API, import, email) sets them.

    `moments` holds the resolution and first-response times being set (a key absent or
    None is not being set); `opened_at` is the opening time they are compared with, None
    when none was given (a new ticket opened now). A new ticket's `status` is None when
    not given: it is then resolved if it has a resolution time (see `ticket_open`).
    """
    if moments.get("resolved_at") and status is not None and status not in CLOSED_STATUSES:
        raise ValidationError(
            {"resolved_at": _("Only a resolved or closed ticket has a resolution time.")}
        )
    if opened_at is None:
        return
    for name in ("resolved_at", "first_response_at"):
        moment = moments.get(name)
        if moment is not None and moment < opened_at:
            raise ValidationError({name: _("This cannot be before the ticket was opened.")})


@transaction.atomic
def ticket_open(
    *,
    actor: User | None,
    subject: str,
    opened_at: datetime | None = None,
    status: str | None = None,
    resolved_at: datetime | None = None,
    automate: bool = True,
    **fields: Any,
) -> Ticket:
    """Open a ticket. Without a status it is open, or resolved when a resolution time is
    given (a ticket migrated from another tool)."""
    ticket_moments_check(
        status=status,
        opened_at=opened_at,
        moments={"resolved_at": resolved_at, "first_response_at": fields.get("first_response_at")},
    )
    if status is None:
        status = TicketStatus.RESOLVED if resolved_at else TicketStatus.OPEN
    opened_at = opened_at or timezone.now()
    ticket = Ticket(
        subject=subject, opened_at=opened_at, status=status, resolved_at=resolved_at, **fields
    )
    ticket.sla_due_at = sla_due(priority=ticket.priority, opened_at=opened_at)
    if status in CLOSED_STATUSES and resolved_at is None:
        ticket.resolved_at = timezone.now()
    model_save(ticket)
    if ticket.resolved_at is not None:
        _emit_resolved(ticket, actor, automate=automate)
    return ticket


def _emit_resolved(ticket: Ticket, actor: User | None, *, automate: bool = True) -> None:
    event_emit(
        kind=DomainEventKind.TICKET_RESOLVED,
        subject=ticket,
        actor=actor,
        automate=automate,
        occurred_at=ticket.resolved_at,
    )


@transaction.atomic
def ticket_update(*, ticket: Ticket, actor: User | None, data: dict[str, Any]) -> Ticket:
    """Edit a ticket; reaching resolved stamps `resolved_at`, reopening clears it."""
    ticket_moments_check(
        status=data.get("status", ticket.status),
        opened_at=data.get("opened_at", ticket.opened_at),
        moments=data,
    )
    was_resolved = ticket.resolved_at is not None
    for name, value in data.items():
        setattr(ticket, name, value)
    # Derived, never edited: follows its inputs whichever of them changed.
    if "priority" in data or "opened_at" in data:
        ticket.sla_due_at = sla_due(priority=ticket.priority, opened_at=ticket.opened_at)
    if ticket.status in CLOSED_STATUSES:
        ticket.resolved_at = ticket.resolved_at or timezone.now()
    elif "status" in data:
        ticket.resolved_at = None
    model_save(ticket)
    if ticket.resolved_at is not None and not was_resolved:
        _emit_resolved(ticket, actor)
    return ticket


# Who can work a ticket: the roles that may write tickets (crm/policies.py).
TICKET_ASSIGNEE_ROLES = (Role.SUPPORT, Role.MANAGER, Role.ADMIN)


@transaction.atomic
def ticket_assign(*, ticket: Ticket, actor: User | None, assignee: User) -> Ticket:
    """Give a ticket to an active agent (support, manager or admin)."""
    if not assignee.is_active or not assignee.has_role(*TICKET_ASSIGNEE_ROLES):
        raise ValidationError({"assignee": _("Tickets go to an active support agent or manager.")})
    if ticket.assignee_id == assignee.pk:
        return ticket
    return ticket_update(ticket=ticket, actor=actor, data={"assignee": assignee})


@transaction.atomic
def ticket_respond(
    *,
    ticket: Ticket,
    actor: User | None,
    body: str,
    at: datetime | None = None,
    send_email: bool | None = None,
) -> TicketReply:
    """Reply to the customer: emailed to them, and the first reply stamps the first
    response time.

    A reply written now is emailed (after commit) unless `send_email=False`; a historical
    one (`at` given: a migration from another tool) is recorded only, unless asked.
    """
    if at is not None and at < ticket.opened_at:
        raise ValidationError({"created_at": _("This cannot be before the ticket was opened.")})
    if send_email is None:
        send_email = at is None
    at = at or timezone.now()
    reply = TicketReply(ticket=ticket, author=actor, body=body, created_at=at)
    contact = ticket.contact
    if send_email:
        if contact is None or not contact.email:
            reply.email_error = _("The ticket has no customer email address.")
        else:
            reply.emailed_to = contact.email
    model_save(reply)
    if reply.emailed_to:
        transaction.on_commit(lambda: ticket_reply_deliver(reply_id=reply.pk))
    if ticket.first_response_at is None:
        ticket.first_response_at = at
    if ticket.status == TicketStatus.OPEN:
        ticket.status = TicketStatus.PENDING
    if ticket.assignee_id is None:
        ticket.assignee = actor
    ticket.save(update_fields=["first_response_at", "status", "assignee"])
    return reply


def ticket_reply_deliver(*, reply_id: int) -> bool:
    """Email one reply unless it already went out; True when this call sent it.

    Goes through `outbound_email_send` (kind "contact"), so a suppressed or opted-out
    address is refused and the refusal is
    shown on the ticket instead of "emailed". A sent reply is logged as an email on the
    ticket and the contact's timeline, with a Message-ID and Reply-To that let the
    customer's answer be matched to it.
    """
    from .emails import outgoing_identity, ticket_reply_log
    from .outbound_email import EmailRefused, MailKind, outbound_email_send

    with transaction.atomic():
        reply = (
            TicketReply.objects.select_for_update(of=("self",))
            .select_related("ticket")
            .filter(pk=reply_id)
            .first()
        )
        if reply is None or reply.emailed_at is not None or not reply.emailed_to:
            return False
        ticket = reply.ticket
        # Our subject line in the customer's language; the agent's reply as they wrote it.
        with in_language_of(ticket.contact):
            subject = _("Re: %(subject)s [ticket #%(id)s]") % {
                "subject": ticket.subject,
                "id": ticket.pk,
            }
        token, message_id, headers = outgoing_identity()
        try:
            outbound_email_send(
                kind=MailKind.CONTACT,
                to=reply.emailed_to,
                subject=subject,
                body=reply.body,
                headers=headers,
                contact_id=ticket.contact_id,
            )
        except EmailRefused as refused:
            if refused.refusal.code == "suppressed":
                reply.email_error = _("Not emailed: the address is on the suppression list.")
            else:
                reply.email_error = _("Not emailed: the contact opted out of email.")
            reply.save(update_fields=["email_error"])
            return False
        except Exception as exc:  # SMTP down: say so on the ticket, the agent can resend
            logger.warning("Ticket reply %s not emailed: %s", reply.pk, exc)
            reply.email_error = _("Not emailed: the mail server refused it.")
            reply.save(update_fields=["email_error"])
            return False
        reply.emailed_at = timezone.now()
        reply.email_error = ""
        reply.save(update_fields=["emailed_at", "email_error"])
        ticket_reply_log(reply=reply, subject=subject, token=token, message_id=message_id)
        return True


@transaction.atomic
def ticket_resolve(*, ticket: Ticket, actor: User | None, at: datetime | None = None) -> Ticket:
    return ticket_update(
        ticket=ticket,
        actor=actor,
        data={"status": TicketStatus.RESOLVED, "resolved_at": at or timezone.now()},
    )
