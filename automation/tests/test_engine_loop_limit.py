"""A rule that keeps re-triggering itself on one record stops at LOOP_LIMIT runs within
LOOP_WINDOW; older runs, other records and other rules do not count towards it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from automation.defaults import call_rule_definition
from automation.engine import LOOP_LIMIT, LOOP_WINDOW, event_handle
from automation.models import Rule, Run, RunStatus
from automation.services.rules import rule_create
from crm.models import Activity, DomainEvent, DomainEventKind
from crm.services.deals import deal_create

pytestmark = pytest.mark.django_db

STOPPED = "Stopped: the rule keeps re-triggering itself."


@pytest.fixture
def call_rule(db):
    Rule.objects.all().delete()  # the migration's seeded rules would act too
    return rule_create(actor=None, name="Call big deals", **call_rule_definition("500"))


def _new_deal(rep, contact, title="Big"):
    deal = deal_create(actor=rep, title=title, value=Decimal("600"), contact=contact)
    event = DomainEvent.objects.get(subject_id=deal.pk, kind=DomainEventKind.DEAL_CREATED)
    return deal, event


def _earlier_successes(rule, deal, count, *, ago):
    """`count` successful runs of `rule` on `deal`, for other events, `ago` before now."""
    events = DomainEvent.objects.bulk_create(
        DomainEvent(
            kind=DomainEventKind.DEAL_VALUE_CHANGED,
            subject_type="deal",
            subject_id=deal.pk,
            automate=False,
            occurred_at=timezone.now() - ago,
        )
        for _ in range(count)
    )
    Run.objects.bulk_create(
        Run(
            rule=rule,
            event=event,
            event_kind=event.kind,
            subject_type="deal",
            subject_id=deal.pk,
            status=RunStatus.SUCCEEDED,
            started_at=timezone.now() - ago,
        )
        for event in events
    )


def test_the_limit_of_recent_successes_on_the_record_stops_the_rule(
    call_rule, pipeline, rep, contact
):
    deal, event = _new_deal(rep, contact)
    _earlier_successes(call_rule, deal, LOOP_LIMIT, ago=timedelta(minutes=1))

    event_handle(event_id=event.pk)

    run = Run.objects.get(rule=call_rule, event=event)
    assert (run.status, run.summary) == (RunStatus.SKIPPED, STOPPED)
    assert not Activity.objects.filter(deal=deal).exists()


def test_one_success_short_of_the_limit_still_acts(call_rule, pipeline, rep, contact):
    deal, event = _new_deal(rep, contact)
    _earlier_successes(call_rule, deal, LOOP_LIMIT - 1, ago=timedelta(minutes=1))

    event_handle(event_id=event.pk)

    assert Run.objects.get(rule=call_rule, event=event).status == RunStatus.SUCCEEDED
    assert Activity.objects.filter(deal=deal, kind="call").count() == 1


def test_successes_older_than_the_window_or_on_another_record_do_not_count(
    call_rule, pipeline, rep, contact
):
    deal, event = _new_deal(rep, contact)
    other, _other_event = _new_deal(rep, contact, title="Other")
    _earlier_successes(call_rule, deal, LOOP_LIMIT, ago=LOOP_WINDOW + timedelta(minutes=1))
    _earlier_successes(call_rule, other, LOOP_LIMIT, ago=timedelta(minutes=1))

    event_handle(event_id=event.pk)

    assert Run.objects.get(rule=call_rule, event=event).status == RunStatus.SUCCEEDED
    assert Activity.objects.filter(deal=deal, kind="call").count() == 1


def test_another_rules_successes_do_not_count(call_rule, pipeline, rep, contact):
    other_rule = rule_create(actor=None, name="Call huge deals", **call_rule_definition("100000"))
    deal, event = _new_deal(rep, contact)
    _earlier_successes(other_rule, deal, LOOP_LIMIT, ago=timedelta(minutes=1))

    event_handle(event_id=event.pk)

    assert Run.objects.get(rule=call_rule, event=event).status == RunStatus.SUCCEEDED
