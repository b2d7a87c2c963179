from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import policies
from crm.limits import tags_check
from crm.models import (
    Company,
    Contact,
    DomainEventKind,
    Interaction,
    Lifecycle,
    NpsResponse,
    Referral,
    Tag,
    User,
)
from crm.services.audit import audit_deleted

from .common import apply_fields, model_save, owner_change_check, owner_for_new_record
from .consent import address_suppress, contact_email_check, suppression_describe, suppression_for
from .events import event_emit
from .spells import customer_spells_follow

CONTACT_EDITABLE_FIELDS = {
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "owner",
    "lifecycle",
    "customer_since",
    "churned_at",
    "source",
    "referred_by",
    "opted_out",
    "birth_date",
    "occupation",
    "gender",
    "marital_status",
    "income_band",
    "education",
    "language",
}


@transaction.atomic
def company_create(
    *, actor: User | None, name: str, owner: User | None = None, **fields: Any
) -> Company:
    return model_save(
        Company(name=name, owner=owner_for_new_record(actor=actor, owner=owner), **fields)
    )


@transaction.atomic
def company_update(*, company: Company, actor: User | None, data: dict[str, Any]) -> Company:
    if "owner" in data and data["owner"] != company.owner:
        owner_change_check(actor=actor, owner=data["owner"])
    for name, value in data.items():
        setattr(company, name, value)
    return model_save(company)


def contact_lifecycle_stamp(contact: Contact) -> None:
    """Keep customer_since / churned_at in step with the lifecycle a user picked."""
    now = timezone.now()
    if contact.lifecycle == Lifecycle.CUSTOMER and contact.customer_since is None:
        contact.customer_since = now
    if contact.lifecycle == Lifecycle.CHURNED and contact.churned_at is None:
        contact.churned_at = now
        contact.customer_since = contact.customer_since or now


def contact_set_tags(
    *, contact: Contact, actor: User | None, tags: Iterable[Tag | str], at: datetime | None = None
) -> None:
    """Replace the contact's tags; each newly added tag is a `contact.tagged` event (at `at`).

    `tags` are Tag rows or names; more than `limits.MAX_TAGS_PER_RECORD`, or a name over
    `limits.MAX_TAG_LENGTH` characters, raises ValidationError on "tags".
    """
    names = list(dict.fromkeys(t.name if isinstance(t, Tag) else str(t).strip() for t in tags))
    try:
        tags_check(names)
    except ValidationError as error:
        raise ValidationError({"tags": error.messages}) from None
    rows = [
        t if isinstance(t, Tag) else Tag.objects.get_or_create(name=str(t).strip())[0] for t in tags
    ]
    before = set(contact.tags.values_list("pk", flat=True))
    contact.tags.set(rows)
    for tag in rows:
        if tag.pk not in before:
            event_emit(
                kind=DomainEventKind.CONTACT_TAGGED,
                subject=contact,
                actor=actor,
                payload={"tag": tag.name},
                occurred_at=at,
            )


def _consent_follow_address(contact: Contact, *, actor: User | None, asked: bool = False) -> None:
    """A suppressed address stays suppressed for every contact that has it: the contact is
    opted out, and clearing the flag is done on the suppression list, not here."""
    suppression = suppression_for(contact.email)
    if suppression is None:
        return
    if asked and not contact.opted_out:
        raise ValidationError(
            {
                "opted_out": _(
                    "%(email)s is on the suppression list (%(why)s); marketing or an admin "
                    "can remove it there."
                )
                % {"email": suppression.email, "why": suppression_describe(suppression)}
            }
        )
    contact.opted_out = True


def _consent_record(contact: Contact, *, actor: User | None, was_opted_out: bool) -> None:
    """Opting a contact out opts the address out, for every contact with it."""
    if contact.opted_out and not was_opted_out and contact.email:
        note = _("Marked opted out by %(user)s.") % {"user": actor} if actor else ""
        address_suppress(
            email=contact.email, reason="unsubscribe", actor=actor, contact=contact, note=note
        )


def contact_rules_check(contact: Contact) -> None:
    """A contact's own rules, whichever door (API, import, automation) writes it; checked
    on the values given, before the lifecycle stamps fill any in."""
    since, churned = contact.customer_since, contact.churned_at
    if since is not None and churned is not None and churned < since:
        raise ValidationError({"churned_at": _("A customer cannot churn before becoming one.")})
    if contact.pk is not None and contact.referred_by_id == contact.pk:
        raise ValidationError({"referred_by": _("A contact cannot refer themselves.")})


def referral_check(*, referrer: Contact, referred: Contact) -> None:
    if referrer == referred:
        raise ValidationError({"referred": _("A contact cannot refer themselves.")})


def nps_score_check(*, score: int, scale: int) -> None:
    """A score lies on its scale: 0-10, or 1-5."""
    low = 0 if scale == 10 else 1
    if not low <= score <= scale:
        raise ValidationError(
            {
                "score": _("On the %(low)s–%(high)s scale the score is between them.")
                % {"low": low, "high": scale}
            }
        )


@transaction.atomic
def contact_create(
    *,
    actor: User | None,
    first_name: str,
    owner: User | None = None,
    tags: Iterable[Tag | str] | None = None,
    automate: bool = True,
    **fields: Any,
) -> Contact:
    contact = Contact(
        first_name=first_name, owner=owner_for_new_record(actor=actor, owner=owner), **fields
    )
    contact_rules_check(contact)
    contact_lifecycle_stamp(contact)
    contact_email_check(email=contact.email)
    _consent_follow_address(contact, actor=actor)
    model_save(contact)
    customer_spells_follow(contact)
    _consent_record(contact, actor=actor, was_opted_out=False)
    event_emit(
        kind=DomainEventKind.CONTACT_CREATED,
        subject=contact,
        actor=actor,
        automate=automate,
        occurred_at=contact.created_at,
    )
    if tags:
        contact_set_tags(contact=contact, actor=actor, tags=tags, at=contact.created_at)
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, actor: User | None, data: dict[str, Any]) -> Contact:
    data = dict(data)
    tags = data.pop("tags", None)
    if "owner" in data and data["owner"] != contact.owner:
        owner_change_check(actor=actor, owner=data["owner"])
    was_opted_out = contact.opted_out
    changed = apply_fields(contact, data, CONTACT_EDITABLE_FIELDS)
    contact_rules_check(contact)
    if "lifecycle" in changed:
        contact_lifecycle_stamp(contact)
    if "email" in changed:
        contact_email_check(email=contact.email, exclude_pk=contact.pk)
    _consent_follow_address(contact, actor=actor, asked="opted_out" in changed)
    model_save(contact)
    if changed & {"lifecycle", "customer_since", "churned_at"}:
        customer_spells_follow(contact)
    _consent_record(contact, actor=actor, was_opted_out=was_opted_out)
    if tags is not None:
        contact_set_tags(contact=contact, actor=actor, tags=tags)
    return contact


@transaction.atomic
def interaction_record(
    *,
    actor: User | None,
    contact: Contact,
    kind: str,
    occurred_at: datetime | None = None,
    **fields: Any,
) -> Interaction:
    """A website visit, form, download, email open/reply: feeds scoring and the timeline."""
    _contact_touch_check(actor=actor, contact=contact, field="contact")
    interaction = model_save(
        Interaction(contact=contact, kind=kind, occurred_at=occurred_at or timezone.now(), **fields)
    )
    event_emit(
        kind=DomainEventKind.INTERACTION_RECORDED,
        subject=interaction,
        actor=actor,
        payload={"contact": contact.pk, "interaction_kind": kind},
        occurred_at=interaction.occurred_at,
    )
    return interaction


def _contact_touch_check(*, actor: User | None, contact: Contact, field: str) -> None:
    """Reps record interactions, and who referred a contact, only on their own (or
    unowned) contacts."""
    if actor is not None and not policies.may_touch_contact(actor, contact):
        raise ValidationError({field: _("You may only record this on your own contacts.")})


@transaction.atomic
def referral_record(
    *, actor: User | None, referrer: Contact, referred: Contact, referred_on: date | None = None
) -> Referral:
    referral_check(referrer=referrer, referred=referred)
    _contact_touch_check(actor=actor, contact=referred, field="referred")
    referral = model_save(
        Referral(
            referrer=referrer, referred=referred, referred_on=referred_on or timezone.localdate()
        )
    )
    if referred.referred_by_id is None:
        referred.referred_by = referrer
        referred.save(update_fields=["referred_by", "updated_at"])
    return referral


@transaction.atomic
def nps_record(
    *,
    actor: User | None,
    contact: Contact,
    score: int,
    scale: int = 10,
    responded_at: datetime | None = None,
    **fields: Any,
) -> NpsResponse:
    nps_score_check(score=score, scale=scale)
    return model_save(
        NpsResponse(
            contact=contact,
            score=score,
            scale=scale,
            responded_at=responded_at or timezone.now(),
            **fields,
        )
    )


@transaction.atomic
def interaction_update(
    *, interaction: Interaction, actor: User | None, data: dict[str, Any]
) -> Interaction:
    """Correct a recorded interaction (a wrong kind or moment); no new event is emitted."""
    apply_fields(interaction, data, {"contact", "kind", "url", "details", "occurred_at"})
    _contact_touch_check(actor=actor, contact=interaction.contact, field="contact")
    return model_save(interaction)


@transaction.atomic
def referral_update(*, referral: Referral, actor: User | None, data: dict[str, Any]) -> Referral:
    apply_fields(referral, data, {"referrer", "referred", "referred_on"})
    referral_check(referrer=referral.referrer, referred=referral.referred)
    _contact_touch_check(actor=actor, contact=referral.referred, field="referred")
    return model_save(referral)


@transaction.atomic
def nps_update(*, response: NpsResponse, actor: User | None, data: dict[str, Any]) -> NpsResponse:
    apply_fields(
        response, data, {"contact", "score", "scale", "comment", "responded_at", "channel"}
    )
    nps_score_check(score=response.score, scale=response.scale)
    return model_save(response)


def contact_delete_check(*, contact: Contact, actor: User | None) -> None:
    """Why `actor` may not delete the contact, raised: other people's records on it
    (PermissionDenied, crm.policies), or purchases — revenue history the KPIs are
    computed from, never cascaded away (ValidationError)."""
    policies.require_may_remove(actor, "contacts", contact)
    if contact.purchases.exists():
        raise ValidationError(_("This contact has purchases; their revenue history must stay."))


@transaction.atomic
def contact_delete(*, contact: Contact, actor: User | None) -> None:
    """Delete a contact with their interactions, leads, tasks and NPS answers (the cascade).

    The check runs under the row lock, so a purchase recorded meanwhile blocks it.
    """
    audit_deleted(actor=actor, record=contact)
    locked = Contact.objects.select_for_update().filter(pk=contact.pk).first()
    if locked is None:
        return
    contact_delete_check(contact=locked, actor=actor)
    locked.delete()


@transaction.atomic
def company_delete(*, company: Company, actor: User | None) -> None:
    """Delete a company; its contacts, deals and purchases stay, without a company.

    PermissionDenied for a rep when it carries other people's records (crm.policies).
    """
    audit_deleted(actor=actor, record=company)
    policies.require_may_remove(actor, "companies", company)
    Company.objects.filter(pk=company.pk).delete()
