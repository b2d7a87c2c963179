from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import DomainEventKind, Purchase, Spend, Subscription, SubscriptionStatus

from .common import apply_fields, model_save
from .deals import contact_becomes_customer
from .events import event_emit


@transaction.atomic
def purchase_record(
    *, actor, contact, amount, purchased_at=None, automate=True, **fields
) -> Purchase:
    """Record a purchase (a won deal, a shop, billing) and make the buyer a customer."""
    fields.setdefault("currency", settings.GOALPOST_DEFAULT_CURRENCY)
    if fields.get("company") is None and contact.company_id:
        fields["company"] = contact.company
    purchase = model_save(
        Purchase(
            contact=contact,
            amount=amount,
            purchased_at=purchased_at or timezone.now(),
            **fields,
        )
    )
    contact_becomes_customer(contact, at=purchase.purchased_at)
    event_emit(
        kind=DomainEventKind.PURCHASE_RECORDED,
        subject=purchase,
        actor=actor,
        payload={"amount": str(purchase.amount), "contact": contact.pk},
        automate=automate,
    )
    return purchase


@transaction.atomic
def subscription_create(*, actor, contact, started_at=None, **fields) -> Subscription:
    started_at = started_at or timezone.now()
    if fields.get("renewal_due") and fields["renewal_due"] < started_at.date():
        raise ValidationError({"renewal_due": _("Renewal cannot be due before the start.")})
    return model_save(Subscription(contact=contact, started_at=started_at, **fields))


@transaction.atomic
def subscription_update(*, subscription: Subscription, actor, data: dict) -> Subscription:
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
def spend_record(*, actor, month, **fields) -> Spend:
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
def purchase_update(*, purchase: Purchase, actor, data: dict) -> Purchase:
    """Correct a purchase (amount, moment, attribution); the buyer stays a customer."""
    apply_fields(purchase, data, PURCHASE_EDITABLE_FIELDS)
    model_save(purchase)
    contact_becomes_customer(purchase.contact, at=purchase.purchased_at)
    return purchase


@transaction.atomic
def spend_update(*, spend: Spend, actor, data: dict) -> Spend:
    data = dict(data)
    if data.get("month") is not None:
        data["month"] = data["month"].replace(day=1)
    apply_fields(spend, data, {"month", "category", "campaign", "amount", "note"})
    return model_save(spend)
