from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Contact, Deal, DomainEventKind, Lead, LeadStatus, Lifecycle, User
from crm.services.audit import audit_deleted

from .common import apply_fields, model_save, owner_change_check, owner_for_new_record
from .deals import deal_create
from .events import event_emit

LEAD_EDITABLE_FIELDS = {"source", "campaign", "status", "score", "owner", "handed_off_at"}


def _not_converted_by_hand(
    *, status: str | None, was: str | None = None, converted_at: datetime | None = None
) -> None:
    """A lead becomes converted through `lead_convert`, which opens or links its deal and
    stamps converted_at (the lead-conversion KPIs count by both). Only history brought
    in with its conversion date (an import) may arrive converted; whichever other door
    sets the status by hand (API, form, automation) gets this field error."""
    if status == LeadStatus.CONVERTED and was != LeadStatus.CONVERTED and converted_at is None:
        raise ValidationError(
            {"status": _("Convert a lead with the convert action, which creates its deal.")}
        )


@transaction.atomic
def lead_create(
    *,
    actor: User | None,
    contact: Contact,
    owner: User | None = None,
    automate: bool = True,
    **fields: Any,
) -> Lead:
    """A new lead for `contact`, owned by `owner` (or as `owner_for_new_record` decides).

    Raises ValidationError for a converted status without its conversion date (see
    `_not_converted_by_hand`), an owner the actor may not assign, or a field the model
    refuses."""
    _not_converted_by_hand(status=fields.get("status"), converted_at=fields.get("converted_at"))
    lead = model_save(
        Lead(contact=contact, owner=owner_for_new_record(actor=actor, owner=owner), **fields)
    )
    event_emit(
        kind=DomainEventKind.LEAD_CREATED,
        subject=lead,
        actor=actor,
        payload={"score": lead.score},
        automate=automate,
        occurred_at=lead.created_at,
    )
    return lead


@transaction.atomic
def lead_update(*, lead: Lead, actor: User | None, data: dict[str, Any]) -> Lead:
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if "owner" in data and data["owner"] != lead.owner:
        owner_change_check(actor=actor, owner=data["owner"])
    _not_converted_by_hand(status=data.get("status"), was=lead.status)
    old_score = lead.score
    changed = apply_fields(lead, data, LEAD_EDITABLE_FIELDS)
    model_save(lead)
    if "score" in changed:
        lead_score_changed(lead=lead, actor=actor, old_score=old_score)
    return lead


def lead_score_changed(*, lead: Lead, actor: User | None, old_score: int) -> None:
    event_emit(
        kind=DomainEventKind.LEAD_SCORE_CHANGED,
        subject=lead,
        actor=actor,
        payload={"old_score": old_score, "score": lead.score},
    )


@transaction.atomic
def lead_hand_off(
    *, lead: Lead, actor: User | None, owner: User | None, at: datetime | None = None
) -> Lead:
    """Marketing hands a qualified lead to sales: a sales owner and the moment it happened."""
    lead.owner = owner
    lead.status = LeadStatus.QUALIFIED
    lead.handed_off_at = at or timezone.now()
    return model_save(lead)


@transaction.atomic
def lead_convert(
    *,
    lead: Lead,
    actor: User | None,
    deal: Deal | None = None,
    at: datetime | None = None,
    **deal_fields: Any,
) -> Lead:
    """Convert a lead: link the given deal or open a new one for its contact."""
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if lead.status == LeadStatus.CONVERTED:
        raise ValidationError({"status": _("This lead is already converted.")})
    if lead.status == LeadStatus.DISQUALIFIED:
        raise ValidationError({"status": _("A disqualified lead cannot be converted.")})
    if deal is None:
        deal_fields.setdefault("title", str(lead.contact))
        deal_fields.setdefault("owner", lead.owner or actor)
        deal = deal_create(
            actor=actor,
            contact=lead.contact,
            company=lead.contact.company,
            **deal_fields,
        )
    lead.deal = deal
    lead.status = LeadStatus.CONVERTED
    lead.converted_at = at or timezone.now()
    model_save(lead)
    contact = lead.contact
    if contact.lifecycle == Lifecycle.LEAD:
        contact.lifecycle = Lifecycle.PROSPECT
        contact.save(update_fields=["lifecycle", "updated_at"])
    return lead


@transaction.atomic
def lead_delete(*, lead: Lead, actor: User | None) -> None:
    """Delete a lead and its tasks; a deal it was converted into stays."""
    audit_deleted(actor=actor, record=lead)
    Lead.objects.filter(pk=lead.pk).delete()
