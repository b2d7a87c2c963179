"""Which handler tasks an event is sent to, on commit and by the outbox sweep."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from automation.marketing.tasks import HANDLER_TASK as MARKETING
from automation.tasks import HANDLER_TASK as AUTOMATION
from crm.models import DomainEvent, DomainEventKind, DomainEventReceipt
from crm.services.events import event_emit, event_handled_record, events_pending_for
from crm.tasks import domain_events_redispatch_task

pytestmark = pytest.mark.django_db


def _sent(send_task) -> list[tuple[str, int]]:
    return [(call.args[0], call.kwargs["args"][0]) for call in send_task.call_args_list]


def _old_event(contact, kind) -> DomainEvent:
    """An unprocessed event older than the sweep's wait."""
    return event_emit(
        kind=kind, subject=contact, occurred_at=timezone.now() - timedelta(minutes=10)
    )


def test_marketing_is_sent_only_the_kinds_it_reacts_to(contact, django_capture_on_commit_callbacks):
    with (
        mock.patch("crm.celery.app.send_task") as send_task,
        django_capture_on_commit_callbacks(execute=True),
    ):
        deal_event = event_emit(kind=DomainEventKind.DEAL_CREATED, subject=contact)
        contact_event = event_emit(kind=DomainEventKind.CONTACT_CREATED, subject=contact)

    assert _sent(send_task) == [
        (AUTOMATION, deal_event.pk),
        (AUTOMATION, contact_event.pk),
        (MARKETING, contact_event.pk),
    ]


def test_a_broker_outage_at_commit_is_logged_not_raised(
    contact, django_capture_on_commit_callbacks, caplog
):
    with (
        mock.patch("crm.celery.app.send_task", side_effect=OSError("down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        event = event_emit(kind=DomainEventKind.CONTACT_CREATED, subject=contact)

    assert caplog.text.count(f"Could not hand event {event.pk}") == 2
    event.refresh_from_db()
    assert event.processed_at is None


def test_the_sweep_resends_unprocessed_events_to_the_handlers_of_their_kind(contact):
    deal_event = _old_event(contact, DomainEventKind.DEAL_CREATED)
    won_event = _old_event(contact, DomainEventKind.DEAL_WON)
    done = _old_event(contact, DomainEventKind.DEAL_WON)
    DomainEvent.objects.filter(pk=done.pk).update(processed_at=timezone.now())
    event_emit(kind=DomainEventKind.DEAL_WON, subject=contact)  # still in flight

    with mock.patch("crm.celery.app.send_task") as send_task:
        domain_events_redispatch_task()

    assert sorted(_sent(send_task)) == sorted(
        [(AUTOMATION, deal_event.pk), (AUTOMATION, won_event.pk), (MARKETING, won_event.pk)]
    )


def test_the_sweep_marks_processed_an_event_no_configured_handler_reacts_to(contact, settings):
    settings.GOALPOST_DOMAIN_EVENT_HANDLERS = [MARKETING]
    ignored = _old_event(contact, DomainEventKind.DEAL_CREATED)
    wanted = _old_event(contact, DomainEventKind.DEAL_WON)

    with mock.patch("crm.celery.app.send_task") as send_task:
        domain_events_redispatch_task()

    assert _sent(send_task) == [(MARKETING, wanted.pk)]
    ignored.refresh_from_db()
    wanted.refresh_from_db()
    assert ignored.processed_at is not None
    assert wanted.processed_at is None


def test_the_sweep_resends_each_handler_only_the_events_it_has_no_receipt_for(contact):
    deal_event = _old_event(contact, DomainEventKind.DEAL_CREATED)
    won_by_automation = _old_event(contact, DomainEventKind.DEAL_WON)
    won_by_marketing = _old_event(contact, DomainEventKind.DEAL_WON)
    event_handled_record(event_id=won_by_automation.pk, handler=AUTOMATION)
    event_handled_record(event_id=won_by_automation.pk, handler=AUTOMATION)  # a redelivery
    event_handled_record(event_id=won_by_marketing.pk, handler=MARKETING)

    with mock.patch("crm.celery.app.send_task") as send_task:
        domain_events_redispatch_task()

    assert sorted(_sent(send_task)) == sorted(
        [
            (AUTOMATION, deal_event.pk),
            (AUTOMATION, won_by_marketing.pk),
            (MARKETING, won_by_automation.pk),
        ]
    )
    assert DomainEventReceipt.objects.filter(event=won_by_automation).count() == 1
    assert DomainEvent.objects.filter(processed_at__isnull=False).count() == 0


def test_the_sweep_closes_an_event_once_every_handler_of_its_kind_has_a_receipt(contact):
    """deal.created is not marketing's kind: automation's receipt alone closes it."""
    deal_event = _old_event(contact, DomainEventKind.DEAL_CREATED)
    won = _old_event(contact, DomainEventKind.DEAL_WON)
    for event in (deal_event, won):
        event_handled_record(event_id=event.pk, handler=AUTOMATION)
    fresh = event_emit(kind=DomainEventKind.DEAL_CREATED, subject=contact)
    event_handled_record(event_id=fresh.pk, handler=AUTOMATION)

    with mock.patch("crm.celery.app.send_task") as send_task:
        domain_events_redispatch_task()

    assert _sent(send_task) == [(MARKETING, won.pk)]
    closed = DomainEvent.objects.filter(processed_at__isnull=False)
    assert list(closed.values_list("pk", flat=True)) == [deal_event.pk]  # fresh: not yet swept
    later = timezone.now() + timedelta(days=1)
    assert list(events_pending_for(handler=MARKETING, older_than=later)) == [won]
    assert list(events_pending_for(handler=AUTOMATION, older_than=later)) == []


def test_the_sweep_reads_open_events_by_their_partial_index(contact):
    from django.db import connection

    queryset = events_pending_for(handler=MARKETING, older_than=timezone.now())
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
    assert "domainevent_open_idx" in plan
