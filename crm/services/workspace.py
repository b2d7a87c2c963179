"""Workspace settings kept in the database: lost reasons, SLA targets, the email sender.

Admins change them in Settings (the browser) or through the API; both call these.
"""

from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.models import EmailSender, LostReason, SlaTarget, TicketPriority

from .common import apply_fields, model_save

SENDER_PK = 1


@transaction.atomic
def lost_reason_create(*, actor, name: str) -> LostReason:
    """Add a reason at the end of the list. ValidationError: blank or already listed."""
    last = LostReason.objects.order_by("-position").values_list("position", flat=True).first()
    position = 0 if last is None else last + 1
    return model_save(LostReason(name=name.strip(), position=position))


@transaction.atomic
def lost_reason_update(*, reason: LostReason, actor, data: dict) -> LostReason:
    """Rename (`name`) or move (`position`). Deals already lost keep the text they got."""
    data = {**data, "name": data["name"].strip()} if "name" in data else data
    apply_fields(reason, data, {"name", "position"})
    return model_save(reason)


@transaction.atomic
def lost_reason_delete(*, reason: LostReason, actor) -> None:
    """Stop suggesting a reason; lost deals keep it as their text."""
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
    *, actor, priority: str, first_response_hours: int, resolution_hours: int
) -> SlaTarget:
    """Create or change the target of one priority.

    Applies to tickets opened (or re-prioritised) afterwards; open tickets keep their due
    time. ValidationError: unknown priority, hours below 1, response later than resolution.
    """
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
