from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from automation.services.calendar_events import RENEWAL_NOTICE_DAYS, calendar_events_emit
from crm.models import DomainEvent, DomainEventKind
from crm.tests.factories import ContactFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


def test_renewals_and_anniversaries_are_emitted_once_per_day():
    day = date(2026, 6, 15)
    due = SubscriptionFactory(renewal_due=day + timedelta(days=RENEWAL_NOTICE_DAYS))
    SubscriptionFactory(renewal_due=day + timedelta(days=RENEWAL_NOTICE_DAYS + 1))
    since = timezone.make_aware(datetime(2023, 6, 15, 9))
    customer = ContactFactory(lifecycle="customer", customer_since=since)
    ContactFactory(lifecycle="customer", customer_since=timezone.make_aware(datetime(2026, 6, 15)))

    assert calendar_events_emit(day=day) == 2
    assert calendar_events_emit(day=day) == 0  # a rerun of the beat job adds nothing

    events = {(e.kind, e.subject_id): e.payload for e in DomainEvent.objects.all()}
    assert events == {
        (DomainEventKind.RENEWAL_DUE, due.pk): {"renewal_due": "2026-07-15", "days_before": 30},
        (DomainEventKind.CUSTOMER_ANNIVERSARY, customer.pk): {"date": "2026-06-15", "years": 3},
    }
