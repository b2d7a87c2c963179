"""Email from a deal, contact or ticket: compose (templates, placeholders), send, log, replies.

Every send goes through `outbound_email.outbound_email_send` (kind "contact"), which asks
the one consent check again at send time. A sent email carries a Message-ID and, when an inbound domain is configured, a
`Reply-To: reply+<token>@<domain>`; the inbound webhook (crm/api/views/emails.py) and a
rep pasting a reply by hand both end in `email_reply_record`, which logs the received
email and records an `email_replied` interaction — the domain event nurture exits and
lead scoring react to.
"""

import logging
import re
from datetime import datetime
from email.utils import getaddresses, parseaddr
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import policies
from crm.models import (
    Contact,
    Deal,
    EmailDirection,
    EmailMessage,
    EmailSource,
    EmailTemplate,
    InteractionKind,
    Ticket,
    TicketReply,
    User,
    email_normalize,
    reply_token_new,
)
from crm.placeholders import placeholders_fill
from crm.services.audit import audit_deleted

from .common import apply_fields, model_save
from .consent import contacts_with_address, suppression_describe, suppression_for
from .contacts import interaction_record
from .outbound_email import EmailRefused, MailKind, contact_consent_refusal, outbound_email_send
from .workspace import sender_from_email

logger = logging.getLogger(__name__)

# `reply+<24 hex digits>@…`: the reply token of one sent email.
REPLY_ADDRESS = re.compile(r"reply\+([0-9a-f]{24})@", re.IGNORECASE)
MESSAGE_ID = re.compile(r"<([^<>\s]+)>")


# --- placeholders ----------------------------------------------------------------------


def email_placeholders(
    *,
    contact: Contact,
    deal: Deal | None = None,
    ticket: Ticket | None = None,
    sender: User | None = None,
) -> dict[str, str]:
    """Values for `{name}` in a template on this record (the names automation uses too)."""
    from crm.templatetags.crm_web import money

    owner = deal.owner if deal is not None else contact.owner
    return {
        "record": deal.title if deal else (ticket.subject if ticket else contact.full_name),
        "contact": contact.full_name,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "company": contact.company.name if contact.company is not None else "",
        "deal": deal.title if deal else "",
        "value": money(deal.value, deal.currency) if deal else "",
        "ticket": ticket.subject if ticket else "",
        "owner": str(owner) if owner else "",
        "sender": (sender.get_full_name() or sender.get_username()) if sender else "",
    }


PLACEHOLDER_NAMES = (
    "first_name",
    "last_name",
    "contact",
    "company",
    "deal",
    "value",
    "ticket",
    "record",
    "owner",
    "sender",
)


def email_render(*, subject: str, body: str, values: dict[str, str]) -> tuple[str, str]:
    return placeholders_fill(subject, values), placeholders_fill(body, values)


# --- who may email from which record -------------------------------------------------


def email_record_check(
    *,
    actor: User | None,
    contact: Contact | None = None,
    deal: Deal | None = None,
    ticket: Ticket | None = None,
) -> Contact:
    """The contact an email from this record goes to, if `actor` may email from it.

    One record: a ticket (support, managers, admins), else a deal (its owner, managers,
    admins), else a contact (who may edit it). ValidationError names the field at fault,
    so the API answers 400 and the page shows a form error.
    """
    if ticket is not None:
        if deal is not None:
            raise ValidationError({"deal": _("Email from a ticket or from a deal, not both.")})
        visible = policies.scope(actor, "tickets", Ticket.objects.filter(pk=ticket.pk))
        if not policies.can_write(actor, "tickets") or not visible.exists():
            raise ValidationError({"ticket": _("You may not email from this ticket.")})
        record_contact = ticket.contact
        field = "ticket"
    elif deal is not None:
        visible = policies.scope(actor, "deals", Deal.objects.filter(pk=deal.pk))
        if not policies.can_write(actor, "deals") or not visible.exists():
            raise ValidationError({"deal": _("You may not email from this deal.")})
        record_contact = deal.contact
        field = "deal"
    elif contact is not None:
        if not policies.can_read(actor, "contacts") or not policies.can_edit_row(
            actor, "contacts", contact
        ):
            raise ValidationError({"contact": _("You may not email this contact.")})
        return contact
    else:
        raise ValidationError({"contact": _("Choose the contact, deal or ticket to email from.")})
    if record_contact is None:
        raise ValidationError({field: _("This record has no contact to email.")})
    if contact is not None and contact.pk != record_contact.pk:
        raise ValidationError({"contact": _("The email goes to the record's own contact.")})
    return record_contact


def email_address_check(contact: Contact) -> None:
    """A contact we can write to (the consent check, asked early to explain a refusal on
    the form): an address, not suppressed, not opted out. Raises ValidationError."""
    refusal = contact_consent_refusal(contact)
    if refusal is None:
        return
    if refusal.code == "no_address":
        raise ValidationError(
            {"contact": _("%(name)s has no email address.") % {"name": contact.full_name}}
        )
    if refusal.code == "suppressed":
        suppression = suppression_for(contact.email)
        why = suppression_describe(suppression) if suppression else refusal.reason
        raise ValidationError(
            {
                "contact": _("%(email)s is on the suppression list (%(why)s); nothing was sent.")
                % {"email": contact.email, "why": why}
            }
        )
    raise ValidationError(
        {
            "contact": _("%(name)s opted out of email; nothing was sent.")
            % {"name": contact.full_name}
        }
    )


# --- sending -----------------------------------------------------------------------------


def _mail_domain() -> str:
    domain = settings.GOALPOST_INBOUND_EMAIL_DOMAIN
    if not domain:
        domain = parseaddr(sender_from_email())[1].rpartition("@")[2]
    return domain or "goalpost.invalid"


def outgoing_identity() -> tuple[str, str, dict[str, str]]:
    """A new reply token, its Message-ID and the headers that let a reply find its email."""
    token = reply_token_new()
    message_id = f"<goalpost.{token}@{_mail_domain()}>"
    headers = {"Message-ID": message_id}
    if settings.GOALPOST_INBOUND_EMAIL_DOMAIN:
        headers["Reply-To"] = f"reply+{token}@{settings.GOALPOST_INBOUND_EMAIL_DOMAIN}"
    return token, message_id, headers


def _deliver(*, to: str, subject: str, body: str, headers: dict[str, str], contact_id: int) -> None:
    """Send, turning refusals into a ValidationError (nothing sent, nothing logged)."""
    try:
        outbound_email_send(
            kind=MailKind.CONTACT,
            to=to,
            subject=subject,
            body=body,
            headers=headers,
            contact_id=contact_id,
        )
    except EmailRefused as exc:
        raise ValidationError(
            {
                "contact": _("%(email)s is on the suppression list; nothing was sent.")
                % {"email": to}
            }
        ) from exc
    except Exception as exc:  # SMTP down or refusing: the sender sees it and may retry
        logger.warning("Email to contact not sent: %s", exc)
        raise ValidationError(_("The mail server refused the email; nothing was sent.")) from exc


@transaction.atomic
def email_send(
    *,
    actor: User | None,
    subject: str,
    body: str,
    contact: Contact | None = None,
    deal: Deal | None = None,
    ticket: Ticket | None = None,
) -> EmailMessage:
    """Email the record's contact now and log it on the record and the contact's timeline.

    `{name}` placeholders are filled for this record. From a ticket this is a ticket reply (first response time, status pending), emailed
    here rather than after commit so a refusal can be shown on the form.
    """
    contact = email_record_check(actor=actor, contact=contact, deal=deal, ticket=ticket)
    email_address_check(contact)
    values = email_placeholders(contact=contact, deal=deal, ticket=ticket, sender=actor)
    subject, body = email_render(subject=subject.strip(), body=body.strip(), values=values)
    errors = {}
    if not subject:
        errors["subject"] = _("Write a subject.")
    if not body:
        errors["body"] = _("Write a message.")
    if errors:
        raise ValidationError(errors)
    reply = None
    if ticket is not None:
        from .support import ticket_respond

        reply = ticket_respond(ticket=ticket, actor=actor, body=body, send_email=False)
    token, message_id, headers = outgoing_identity()
    message = EmailMessage(
        direction=EmailDirection.SENT,
        source=EmailSource.COMPOSED,
        contact=contact,
        deal=deal,
        ticket=ticket,
        ticket_reply=reply,
        author=actor,
        from_address=sender_from_email(),
        to_address=contact.email,
        subject=subject,
        body=body,
        sent_at=timezone.now(),
        message_id=message_id,
        reply_token=token,
    )
    message.full_clean()
    _deliver(to=contact.email, subject=subject, body=body, headers=headers, contact_id=contact.pk)
    message.save()
    if reply is not None:
        reply.emailed_to = contact.email
        reply.emailed_at = message.sent_at
        reply.save(update_fields=["emailed_to", "emailed_at"])
    return message


def ticket_reply_log(*, reply: TicketReply, subject: str, token: str, message_id: str) -> None:
    """Log a ticket reply that was just emailed, so it shows (and can be answered) like
    any email from a record. Called by `support.ticket_reply_deliver` in its transaction."""
    ticket = reply.ticket
    if ticket.contact_id is None or hasattr(reply, "email"):
        return
    EmailMessage.objects.create(
        direction=EmailDirection.SENT,
        source=EmailSource.TICKET_REPLY,
        contact_id=ticket.contact_id,
        ticket=ticket,
        ticket_reply=reply,
        author=reply.author,
        from_address=sender_from_email(),
        to_address=reply.emailed_to,
        subject=subject[:300],
        body=reply.body,
        sent_at=reply.emailed_at or timezone.now(),
        message_id=message_id,
        reply_token=token,
    )


# --- replies -----------------------------------------------------------------------------


@transaction.atomic
def email_reply_record(
    *,
    actor: User | None,
    contact: Contact,
    body: str,
    parent: EmailMessage | None = None,
    subject: str = "",
    from_address: str = "",
    received_at: datetime | None = None,
    message_id: str = "",
    source: str = EmailSource.MANUAL,
) -> EmailMessage:
    """Log a reply from the contact and record it as an `email_replied` interaction.

    The interaction goes through `interaction_record`, whose domain event ends the
    contact's nurture enrollments ("replied") and rescores them. Idempotent on the
    reply's own Message-ID: a webhook delivered twice records one reply.
    """
    if message_id:
        existing = EmailMessage.objects.filter(message_id=message_id).first()
        if existing is not None:
            return existing
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("Paste the text of the reply.")})
    received_at = received_at or timezone.now()
    if received_at > timezone.now():
        raise ValidationError({"received_at": _("A reply cannot arrive in the future.")})
    if not subject and parent is not None:
        subject = (
            parent.subject
            if parent.subject.lower().startswith("re:")
            else (f"Re: {parent.subject}")
        )
    message = model_save(
        EmailMessage(
            direction=EmailDirection.RECEIVED,
            source=source,
            contact=contact,
            deal=parent.deal if parent else None,
            ticket=parent.ticket if parent else None,
            parent=parent,
            author=actor if actor is not None and actor.pk else None,
            from_address=(from_address or contact.email)[:320],
            to_address=parent.from_address if parent else "",
            subject=subject[:300],
            body=body,
            sent_at=received_at,
            message_id=message_id[:400],
        )
    )
    interaction_record(
        actor=actor if actor is not None and actor.pk else None,
        contact=contact,
        kind=InteractionKind.EMAIL_REPLIED,
        occurred_at=received_at,
        details={"email_message": message.pk, "subject": message.subject},
    )
    return message


def email_reply_by_hand(
    *, actor: User | None, parent: EmailMessage, body: str, received_at: datetime | None = None
) -> EmailMessage:
    """A rep pastes a reply they got elsewhere (Outlook) under the email it answers."""
    if not parent.is_sent:
        raise ValidationError(_("Replies are recorded under an email that was sent."))
    email_record_check(
        actor=actor,
        contact=parent.contact if parent.deal_id is None and parent.ticket_id is None else None,
        deal=parent.deal,
        ticket=parent.ticket,
    )
    return email_reply_record(
        actor=actor,
        contact=parent.contact,
        parent=parent,
        body=body,
        received_at=received_at,
        source=EmailSource.MANUAL,
    )


def _message_ids(*values: str) -> list[str]:
    found = []
    for value in values:
        found += [f"<{m}>" for m in MESSAGE_ID.findall(value or "")]
    return found


def email_reply_match(
    *, recipients: str, in_reply_to: str, references: str, sender: str
) -> tuple[Contact | None, EmailMessage | None]:
    """Which contact (and which of our emails) an inbound email answers.

    In order: the token in our Reply-To address, the Message-IDs it cites, and finally
    the sender's address — the contact with that address and our latest email to them.
    """
    sent = EmailMessage.objects.filter(direction=EmailDirection.SENT).select_related(
        "contact", "deal", "ticket"
    )
    tokens = REPLY_ADDRESS.findall(recipients or "")
    if tokens:
        parent = sent.filter(reply_token__in=[t.lower() for t in tokens]).first()
        if parent is not None:
            return parent.contact, parent
    cited = _message_ids(in_reply_to, references)
    if cited:
        parent = sent.filter(message_id__in=cited).order_by("-sent_at").first()
        if parent is not None:
            return parent.contact, parent
    address = email_normalize(parseaddr(sender or "")[1])
    if not address:
        return None, None
    contact = contacts_with_address(address).order_by("pk").first()
    if contact is None:
        return None, None
    parent = sent.filter(contact=contact).order_by("-sent_at", "-id").first()
    return contact, parent


def email_inbound_receive(
    *,
    sender: str,
    recipients: str,
    subject: str,
    body: str,
    in_reply_to: str = "",
    references: str = "",
    message_id: str = "",
) -> EmailMessage | None:
    """Record an email a provider's inbound route posted to us; None when it answers
    nothing of ours (nobody to put it on)."""
    contact, parent = email_reply_match(
        recipients=recipients, in_reply_to=in_reply_to, references=references, sender=sender
    )
    if contact is None:
        return None
    return email_reply_record(
        actor=None,
        contact=contact,
        parent=parent,
        body=body,
        subject=subject,
        from_address=parseaddr(sender)[1] or sender,
        message_id=message_id,
        source=EmailSource.INBOUND,
    )


def inbound_recipients(*values: str) -> str:
    """Every address of To/Cc/recipient fields, joined (the token may be in any)."""
    return " ".join(address for _name, address in getaddresses([v for v in values if v]))


# --- templates -------------------------------------------------------------------------

TEMPLATE_FIELDS = {"name", "subject", "body"}


@transaction.atomic
def email_template_create(
    *, actor: User | None, name: str, subject: str, body: str
) -> EmailTemplate:
    return model_save(EmailTemplate(name=name.strip(), subject=subject, body=body))


@transaction.atomic
def email_template_update(
    *, template: EmailTemplate, actor: User | None, data: dict[str, Any]
) -> EmailTemplate:
    apply_fields(template, data, TEMPLATE_FIELDS)
    return model_save(template)


@transaction.atomic
def email_template_delete(*, template: EmailTemplate, actor: User | None) -> None:
    audit_deleted(actor=actor, record=template)
    template.delete()
