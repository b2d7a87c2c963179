"""The engine run in-process (no broker): conditions, actions, the idempotence key."""

from decimal import Decimal

import pytest

from automation.engine import event_handle
from automation.models import Enrollment, Run, RunStatus
from automation.tasks import HANDLER_TASK
from crm.models import Activity, DomainEvent, DomainEventKind
from crm.services.deals import deal_create, deal_update

pytestmark = pytest.mark.django_db


def _events(kind):
    return DomainEvent.objects.filter(kind=kind).order_by("pk")


def test_big_deal_gets_one_call_task_for_its_owner(default_rules, pipeline, rep, contact):
    deal = deal_create(actor=rep, title="Big", value=Decimal("600"), contact=contact)
    event = _events(DomainEventKind.DEAL_CREATED).get()

    event_handle(event_id=event.pk)
    event_handle(event_id=event.pk)  # a redelivery does nothing

    call = Activity.objects.get(deal=deal)
    assert (call.kind, call.assignee, call.contact) == ("call", rep, contact)
    assert call.subject == "Call about Big ($600.00)"
    assert Enrollment.objects.count() == 0
    statuses = sorted(Run.objects.values_list("status", flat=True))
    assert statuses == [RunStatus.SKIPPED, RunStatus.SUCCEEDED]
    assert list(event.receipts.values_list("handler", flat=True)) == [HANDLER_TASK]


def test_small_deal_goes_to_nurture(default_rules, pipeline, rep, contact):
    deal_create(actor=rep, title="Small", value=Decimal("500"), contact=contact)
    event = _events(DomainEventKind.DEAL_CREATED).get()
    event_handle(event_id=event.pk)
    assert Activity.objects.count() == 0
    enrollment = Enrollment.objects.get()
    assert (enrollment.contact, enrollment.campaign.name) == (contact, "Nurture")


def test_raising_value_fires_the_call_rule(default_rules, pipeline, rep, contact):
    deal = deal_create(actor=rep, title="Grows", value=Decimal("400"), contact=contact)
    deal_update(deal=deal, actor=rep, data={"value": Decimal("900")})
    for event in DomainEvent.objects.order_by("pk"):
        event_handle(event_id=event.pk)
    assert Enrollment.objects.filter(contact=contact).count() == 1
    assert Activity.objects.filter(deal=deal, kind="call", assignee=rep).count() == 1
