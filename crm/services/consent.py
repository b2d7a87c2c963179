"""The suppression list: consent held by the email address, for every contact with it."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from crm.models import Contact, SuppressedAddress, SuppressionReason, User, email_normalize

from .common import model_save


def suppression_for(address: str | None) -> SuppressedAddress | None:
    normalized = email_normalize(address)
    if not normalized:
        return None
    return SuppressedAddress.objects.filter(email=normalized).first()


def suppression_describe(suppression: SuppressedAddress) -> str:
    """ "unsubscribed on 3 March 2025" — for error messages and the contact page."""
    return _("%(reason)s on %(date)s") % {
        "reason": suppression.get_reason_display(),
        "date": formats.date_format(timezone.localtime(suppression.created_at), "DATE_FORMAT"),
    }


def contacts_with_address(address: str) -> QuerySet[Contact]:
    normalized = email_normalize(address)
    return Contact.objects.annotate(_email=Lower("email")).filter(_email=normalized)


@transaction.atomic
def address_suppress(
    *,
    email: str,
    reason: str,
    actor: User | None = None,
    contact: Contact | None = None,
    note: str = "",
) -> SuppressedAddress:
    """Put an address on the suppression list (idempotent: the first reason and time stay).

    Every contact with the address, whatever its letter case, is marked opted out: the
    flag is the address's consent shown on the contact.
    """
    normalized = email_normalize(email)
    existing = SuppressedAddress.objects.select_for_update().filter(email=normalized).first()
    if existing is None:
        existing = model_save(
            SuppressedAddress(
                email=normalized,
                reason=reason,
                note=note,
                contact=contact,
                created_by=actor if actor is not None and actor.pk else None,
            )
        )
    contacts_with_address(normalized).filter(opted_out=False).update(
        opted_out=True, updated_at=timezone.now()
    )
    return existing


@transaction.atomic
def suppression_update(
    *, suppression: SuppressedAddress, actor: User | None, data: dict[str, Any]
) -> SuppressedAddress:
    """Correct the reason or note of an entry (the address itself is its identity).

    `email` may be given (a GET → PUT round trip sends it back) but must stay the address.
    """
    data = dict(data)
    if "email" in data and email_normalize(data.pop("email")) != suppression.email:
        raise ValidationError(
            {"email": [_("An entry's address cannot change; remove it and add the new one.")]}
        )
    unknown = set(data) - {"reason", "note"}
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    for name, value in data.items():
        setattr(suppression, name, value)
    return model_save(suppression)


@transaction.atomic
def suppression_remove(*, suppression: SuppressedAddress, actor: User | None) -> None:
    """Take an address off the list (a bounce that was temporary, a re-subscription):
    its contacts may be emailed again."""
    contacts_with_address(suppression.email).filter(opted_out=True).update(
        opted_out=False, updated_at=timezone.now()
    )
    SuppressedAddress.objects.filter(pk=suppression.pk).delete()


def contact_email_check(*, email: str, exclude_pk: int | None = None) -> None:
    """A 400 naming the contact who already has this address (in any letter case)."""
    if not email_normalize(email):
        return
    others = contacts_with_address(email)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    existing = others.order_by("pk").first()
    if existing is not None:
        raise ValidationError(
            {
                "email": ValidationError(
                    _("%(name)s (contact %(id)s) already has this email address.")
                    % {"name": existing.full_name, "id": existing.pk},
                    code="duplicate",
                    params={"existing_contact": existing.pk},
                )
            }
        )


SUPPRESSION_REASONS = SuppressionReason
