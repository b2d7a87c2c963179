"""Date-driven domain events that no user action emits: renewals coming up and customer
anniversaries. A daily beat task calls this; a rerun on the same day emits nothing new."""

from collections.abc import Iterable
from datetime import date, timedelta

from django.db import transaction

from crm.models import Contact, DomainEvent, DomainEventKind, Subscription, SubscriptionStatus
from crm.services.events import event_emit

# How long before a renewal the "renewal due" trigger fires.
RENEWAL_NOTICE_DAYS = 30


def _already(kind: str, subject_type: str, ids: Iterable[int], key: str, value: str) -> set[int]:
    return set(
        DomainEvent.objects.filter(
            kind=kind,
            subject_type=subject_type,
            subject_id__in=list(ids),
            **{f"payload__{key}": value},
        ).values_list("subject_id", flat=True)
    )


@transaction.atomic
def calendar_events_emit(*, day: date) -> int:
    """Emit today's renewal-due and anniversary events; returns how many were new."""
    emitted = 0
    due = day + timedelta(days=RENEWAL_NOTICE_DAYS)
    subscriptions = list(
        Subscription.objects.filter(status=SubscriptionStatus.ACTIVE, renewal_due=due)
    )
    done = _already(
        DomainEventKind.RENEWAL_DUE, "subscription", (s.pk for s in subscriptions),
        "renewal_due", due.isoformat(),
    )  # fmt: skip
    for subscription in subscriptions:
        if subscription.pk not in done:
            event_emit(
                kind=DomainEventKind.RENEWAL_DUE,
                subject=subscription,
                payload={"renewal_due": due.isoformat(), "days_before": RENEWAL_NOTICE_DAYS},
            )
            emitted += 1
    customers = list(
        Contact.objects.filter(
            lifecycle="customer",
            customer_since__month=day.month,
            customer_since__day=day.day,
            customer_since__year__lt=day.year,
        )
    )
    done = _already(
        DomainEventKind.CUSTOMER_ANNIVERSARY, "contact", (c.pk for c in customers),
        "date", day.isoformat(),
    )  # fmt: skip
    for contact in customers:
        # The filter above matched customer_since, so it is set.
        assert contact.customer_since is not None
        if contact.pk not in done:
            event_emit(
                kind=DomainEventKind.CUSTOMER_ANNIVERSARY,
                subject=contact,
                payload={"date": day.isoformat(), "years": day.year - contact.customer_since.year},
            )
            emitted += 1
    return emitted
