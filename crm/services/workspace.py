"""Workspace settings kept in the database: lost reasons, SLA targets, the email sender.

Admins change them in Settings (the browser) or through the API; both call these.
"""

from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.models import (
    DEFAULT_LOST_REASONS,
    EmailSender,
    LostReason,
    SlaTarget,
    TicketPriority,
    User,
)
from crm.services.audit import audit_deleted, audit_settings_changed

from .common import apply_fields, model_save

SENDER_PK = 1


@transaction.atomic
def lost_reason_create(*, actor: User | None, name: str) -> LostReason:
    """Add a reason at the end of the list. ValidationError: blank or already listed."""
    audit_settings_changed(actor=actor, record=None, what="lost_reason_create")
    last = LostReason.objects.order_by("-position").values_list("position", flat=True).first()
    position = 0 if last is None else last + 1
    return model_save(LostReason(name=name.strip(), position=position))


@transaction.atomic
def lost_reason_update(
    *, reason: LostReason, actor: User | None, data: dict[str, Any]
) -> LostReason:
    """Rename (`name`) or move (`position`). Deals already lost keep the text they got."""
    audit_settings_changed(actor=actor, record=reason, what="lost_reason_update")
    data = {**data, "name": data["name"].strip()} if "name" in data else data
    apply_fields(reason, data, {"name", "position"})
    return model_save(reason)


@transaction.atomic
def lost_reason_delete(*, reason: LostReason, actor: User | None) -> None:
    """Stop suggesting a reason; lost deals keep it as their text."""
    audit_deleted(actor=actor, record=reason)
    reason.delete()


def sla_hours(priority: str) -> tuple[int, int]:
    """(first response hours, resolution hours) for a ticket priority.

    The SlaTarget row when there is one, else the settings defaults.
    """
    row = (
        SlaTarget.objects.filter(priority=priority)
        .values_list("first_response_hours", "resolution_hours")
        .first()
    )
    if row is not None:
        return row
    resolution = settings.GOALPOST_TICKET_SLA_HOURS[priority]
    return (
        min(settings.GOALPOST_TICKET_FIRST_RESPONSE_HOURS[priority], resolution),
        resolution,
    )


@transaction.atomic
def sla_target_set(
    *, actor: User | None, priority: str, first_response_hours: int, resolution_hours: int
) -> SlaTarget:
    """Create or change the target of one priority.

    Applies to tickets opened (or re-prioritised) afterwards; open tickets keep their due
    time. ValidationError: unknown priority, hours below 1, response later than resolution.
    """
    audit_settings_changed(actor=actor, record=None, what="sla_target_set")
    if priority not in TicketPriority.values:
        raise ValidationError({"priority": _("Pick one of the ticket priorities.")})
    target = SlaTarget.objects.select_for_update().filter(priority=priority).first()
    target = target or SlaTarget(priority=priority)
    target.first_response_hours = first_response_hours
    target.resolution_hours = resolution_hours
    for name in ("first_response_hours", "resolution_hours"):
        if (getattr(target, name) or 0) < 1:
            raise ValidationError({name: _("Give at least one hour.")})
    if first_response_hours > resolution_hours:
        raise ValidationError(
            {"first_response_hours": _("The first response cannot be due after the resolution.")}
        )
    return model_save(target)


def email_sender() -> EmailSender:
    """The stored sender identity (unsaved and empty when none was set)."""
    return EmailSender.objects.filter(pk=SENDER_PK).first() or EmailSender(pk=SENDER_PK)


def sender_from_email() -> str:
    """The From header of outgoing email: the stored identity, else DEFAULT_FROM_EMAIL.

    A stored name without an address keeps the default address under that name (and the
    other way round).
    """
    sender = email_sender()
    default_from: str = settings.DEFAULT_FROM_EMAIL
    if not sender.from_name and not sender.from_address:
        return default_from
    default_name, default_address = parseaddr(default_from)
    return formataddr((sender.from_name or default_name, sender.from_address or default_address))


@transaction.atomic
def email_sender_set(*, actor: User | None, from_name: str, from_address: str) -> EmailSender:
    """Store the sender identity; blank fields fall back to DEFAULT_FROM_EMAIL's parts.

    ValidationError: an address that is not an email address.
    """
    audit_settings_changed(actor=actor, record=None, what="email_sender_set")
    sender = EmailSender.objects.select_for_update().filter(pk=SENDER_PK).first()
    sender = sender or EmailSender(pk=SENDER_PK)
    sender.from_name = from_name.strip()
    sender.from_address = from_address.strip()
    return model_save(sender)


@transaction.atomic
def workspace_defaults_seed() -> None:
    """Give a workspace the default lost reasons and SLA targets it lacks (idempotent).

    Migration 0012 does the same for existing databases; the demo seeding and tests call
    this (a flushed test database has lost the migration's rows).
    """
    if not LostReason.objects.exists():
        LostReason.objects.bulk_create(
            LostReason(name=name, position=position)
            for position, name in enumerate(DEFAULT_LOST_REASONS)
        )
    for priority in TicketPriority.values:
        if not SlaTarget.objects.filter(priority=priority).exists():
            first_response, resolution = sla_hours(priority)
            SlaTarget.objects.create(
                priority=priority,
                first_response_hours=first_response,
                resolution_hours=resolution,
            )
