from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from crm.models import (
    Contact,
    Deal,
    DomainEventKind,
    Lifecycle,
    Purchase,
    Spend,
    Subscription,
    SubscriptionStatus,
    User,
)
from crm.services.audit import audit_deleted

from .common import apply_fields, model_save
from .deals import contact_becomes_customer
from .events import event_emit
from .spells import customer_spell_withdraw, customer_spells_follow


def purchase_deal_check(*, deal: Deal | None, purchase: Purchase | None = None) -> None:
    """One standing purchase per deal, said on the deal field whichever door records it.

    The database constraint backs this up for races; full_clean would report it as a
    non-field error, so it is checked here first."""
    if deal is None:
        return
    others = Purchase.objects.filter(deal=deal)
    if purchase is not None and purchase.pk is not None:
        others = others.exclude(pk=purchase.pk)
    if others.exists():
        raise ValidationError({"deal": _("This deal already has a purchase.")})


@transaction.atomic
def purchase_record(
    *,
    actor: User | None,
    contact: Contact,
    amount: Decimal | int,
    purchased_at: datetime | None = None,
    automate: bool = True,
    **fields: Any,
) -> Purchase:
    """Record a purchase (a won deal, a shop, billing) and make the buyer a customer."""
    purchase_deal_check(deal=fields.get("deal"))
    fields.setdefault("currency", settings.GOALPOST_DEFAULT_CURRENCY)
    if fields.get("company") is None and contact.company_id:
        fields["company"] = contact.company
    purchase = Purchase(
        contact=contact,
        amount=amount,
        purchased_at=purchased_at or timezone.now(),
        contact_before=_spell_opening(contact),
        **fields,
    )
    model_save(purchase)
    contact_becomes_customer(contact, at=purchase.purchased_at)
    event_emit(
        kind=DomainEventKind.PURCHASE_RECORDED,
        subject=purchase,
        actor=actor,
        payload={"amount": str(purchase.amount), "contact": contact.pk},
        automate=automate,
        occurred_at=purchase.purchased_at,
    )
    return purchase


def _spell_opening(contact: Contact) -> dict[str, Any] | None:
    """What the contact was, if this purchase is the one that makes them a customer."""
    if contact.customer_since is not None and contact.lifecycle != Lifecycle.CHURNED:
        return None
    return {
        "lifecycle": contact.lifecycle,
        "customer_since": contact.customer_since.isoformat() if contact.customer_since else None,
        "churned_at": contact.churned_at.isoformat() if contact.churned_at else None,
    }


@transaction.atomic
def purchase_reverse(*, purchase: Purchase, actor: User | None, reason: str) -> Purchase:
    """Reverse a purchase whose cause was undone (a won deal reopened).

    The row stays, marked reversed, and counts in no revenue; if it opened the buyer's
    customer spell and no other standing purchase keeps them a customer, the contact goes
    back to what they were before it; a re-activation it opened is withdrawn (the churn
    before it stands again). Otherwise `customer_since` is recomputed from the purchases
    that stand; the customer spells follow (crm.services.spells).
    """
    purchase = Purchase.history.select_for_update().get(pk=purchase.pk)
    if purchase.reversed_at is not None:
        return purchase
    purchase.reversed_at = timezone.now()
    purchase.reversal_reason = reason[:200]
    purchase.save(update_fields=["reversed_at", "reversal_reason"])
    contact = Contact.objects.select_for_update().get(pk=purchase.contact_id)
    standing = Purchase.objects.filter(contact=contact).order_by("purchased_at").first()
    if standing is None and purchase.contact_before is not None:
        before = purchase.contact_before
        contact.lifecycle = before["lifecycle"]
        contact.customer_since = parse_datetime(before["customer_since"] or "")
        contact.churned_at = parse_datetime(before["churned_at"] or "")
        model_save(contact)
        customer_spells_follow(contact)
    elif (
        purchase.contact_before is not None
        and purchase.contact_before["churned_at"]
        and not Purchase.objects.filter(
            contact=contact, purchased_at__gte=purchase.purchased_at
        ).exists()
    ):
        customer_spell_withdraw(contact=contact, started_at=purchase.purchased_at)
        contact.lifecycle = purchase.contact_before["lifecycle"]
        model_save(contact)
    elif standing is not None and contact.customer_since == purchase.purchased_at:
        contact.customer_since = standing.purchased_at
        model_save(contact)
        customer_spells_follow(contact)
    return purchase


@transaction.atomic
def purchase_delete(*, purchase: Purchase, actor: User | None) -> None:
    """Delete a purchase recorded in error. The buyer's customer history is put right first,
    exactly as when a purchase is reversed (`purchase_reverse`): a spell it opened closes
    or goes, `customer_since` follows the purchases that remain; then the row goes."""
    audit_deleted(actor=actor, record=purchase)
    purchase_reverse(purchase=purchase, actor=actor, reason="deleted")
    Purchase.history.filter(pk=purchase.pk).delete()


@transaction.atomic
def subscription_create(
    *, actor: User | None, contact: Contact, started_at: datetime | None = None, **fields: Any
) -> Subscription:
    started_at = started_at or timezone.now()
    if fields.get("renewal_due") and fields["renewal_due"] < started_at.date():
        raise ValidationError({"renewal_due": _("Renewal cannot be due before the start.")})
    return model_save(Subscription(contact=contact, started_at=started_at, **fields))


@transaction.atomic
def subscription_update(
    *, subscription: Subscription, actor: User | None, data: dict[str, Any]
) -> Subscription:
    """Edit a subscription; moving it to renewed or cancelled stamps when that happened."""
    status = data.get("status", subscription.status)
    for name, value in data.items():
        setattr(subscription, name, value)
    if status == SubscriptionStatus.RENEWED and subscription.renewed_at is None:
        subscription.renewed_at = timezone.now()
    if status == SubscriptionStatus.CANCELLED and subscription.cancelled_at is None:
        subscription.cancelled_at = timezone.now()
    if subscription.renewal_due < subscription.started_at.date():
        raise ValidationError({"renewal_due": _("Renewal cannot be due before the start.")})
    return model_save(subscription)


@transaction.atomic
def spend_record(*, actor: User | None, month: date, **fields: Any) -> Spend:
    """Spend is kept per month: any day given is folded onto the first of its month."""
    return model_save(Spend(month=month.replace(day=1), **fields))


PURCHASE_EDITABLE_FIELDS = {
    "contact",
    "company",
    "amount",
    "currency",
    "purchased_at",
    "product",
    "category",
    "campaign",
    "deal",
}


@transaction.atomic
def purchase_update(*, purchase: Purchase, actor: User | None, data: dict[str, Any]) -> Purchase:
    """Correct a purchase (amount, moment, attribution); the buyer stays a customer."""
    if "deal" in data:
        purchase_deal_check(deal=data["deal"], purchase=purchase)
    changed = apply_fields(purchase, data, PURCHASE_EDITABLE_FIELDS)
    model_save(purchase)
    contact_becomes_customer(purchase.contact, at=purchase.purchased_at)
    if "purchased_at" in changed and purchase.reversed_at is None:
        _customer_since_follow_purchases(purchase.contact)
    return purchase


def _customer_since_follow_purchases(contact: Contact) -> None:
    """A customer since their first purchase: moving that purchase moves the date. A date
    set by hand earlier than every purchase (a customer from before the CRM) is kept."""
    first = Purchase.objects.filter(contact=contact).order_by("purchased_at").first()
    opened = Purchase.objects.filter(contact=contact, contact_before__isnull=False).exists()
    if first is None or contact.customer_since is None:
        return
    moved = contact.customer_since != first.purchased_at
    if moved and (first.purchased_at < contact.customer_since or opened):
        contact.customer_since = first.purchased_at
        model_save(contact)
        customer_spells_follow(contact)


@transaction.atomic
def spend_update(*, spend: Spend, actor: User | None, data: dict[str, Any]) -> Spend:
    data = dict(data)
    if data.get("month") is not None:
        data["month"] = data["month"].replace(day=1)
    apply_fields(spend, data, {"month", "category", "campaign", "amount", "note"})
    return model_save(spend)
