"""The worker's cost of one event: queries that do not grow with the rules, and a rule
cache that sees every change at once."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from automation.defaults import call_rule_definition
from automation.engine import event_handle
from automation.models import Rule, Run, RunStatus
from automation.services.rules import rule_create, rule_set_enabled, rule_update
from crm.models import Activity, DomainEvent, DomainEventKind
from crm.services.deals import deal_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def only_the_tests_rules(db):
    Rule.objects.all().delete()  # the migration's seeded rules would act too


def _call_rules(n, threshold="500"):
    for i in range(n):
        rule_create(actor=None, name=f"Call {i}", **call_rule_definition(threshold))


def _quiet_rules(n):
    """Rules on deal.created whose conditions a $600 deal does not meet."""
    _call_rules(n, threshold="100000")


def _handle_new_deal(rep, contact, value="600"):
    deal = deal_create(actor=rep, title="Big", value=Decimal(value), contact=contact)
    event = DomainEvent.objects.get(subject_id=deal.pk, kind=DomainEventKind.DEAL_CREATED)
    with CaptureQueriesContext(connection) as queries:
        event_handle(event_id=event.pk)
    return deal, len(queries)


# Per acting create_task rule: a savepoint (its transaction), the task's insert, the
# asynchronous commit's SET LOCAL, the run row's insert, the savepoint's release.
PER_ACTING_RULE = 5
# The event with the rules' version and its run history, the deal with its contact and
# owner, and the processed mark in a savepoint; the skipped runs, when any, in one statement.
PER_EVENT = 5


@pytest.mark.parametrize(("acting", "quiet"), [(1, 0), (1, 12), (5, 0), (5, 12)])
def test_one_deal_created_costs_a_fixed_number_of_queries_plus_each_acting_rules_writes(
    pipeline, rep, contact, acting, quiet
):
    _call_rules(acting)
    _quiet_rules(quiet)
    _handle_new_deal(rep, contact)  # fills the rule cache; its reload is the one extra read

    deal, count = _handle_new_deal(rep, contact)

    assert Activity.objects.filter(deal=deal, kind="call").count() == acting
    assert Run.objects.filter(event__subject_id=deal.pk, status=RunStatus.SKIPPED).count() == quiet
    assert count == PER_EVENT + (1 if quiet else 0) + PER_ACTING_RULE * acting


def test_a_redelivered_event_reads_one_row_and_writes_nothing(
    pipeline, rep, contact, django_assert_num_queries
):
    _call_rules(2)
    _quiet_rules(3)
    deal, _count = _handle_new_deal(rep, contact)
    event = DomainEvent.objects.get(subject_id=deal.pk, kind=DomainEventKind.DEAL_CREATED)

    # The event with this handler's receipt: it is done, nothing else is read or written.
    with django_assert_num_queries(1):
        event_handle(event_id=event.pk)
    assert Activity.objects.filter(deal=deal).count() == 2
    assert Run.objects.filter(event=event).count() == 5


def _synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


def test_a_run_that_only_writes_to_the_database_commits_without_waiting_for_the_disk(
    pipeline, rep, contact
):
    """A lost commit is redone by the outbox sweep: the processed mark is lost with it."""
    _call_rules(1)

    _handle_new_deal(rep, contact)

    # The test's one transaction holds the run's released savepoint: its SET LOCAL shows.
    assert _synchronous_commit() == "off"


def test_a_run_with_an_effect_outside_the_database_waits_for_the_disk(pipeline, rep, contact):
    """Redoing an email after a lost commit would send it twice."""
    email = {"type": "send_email", "params": {"subject": "Hi", "body": "Hello {first_name}"}}
    rule_create(actor=None, name="Mail", **{**call_rule_definition("500"), "actions": [email]})

    deal, _count = _handle_new_deal(rep, contact)

    assert Run.objects.get(event__subject_id=deal.pk).status == RunStatus.SUCCEEDED
    assert _synchronous_commit() == "on"


def _call_rule():
    return Rule.objects.get(name="Call 0")


def test_an_edited_rule_is_used_by_the_very_next_event(pipeline, rep, contact):
    _call_rules(1)
    first, _count = _handle_new_deal(rep, contact)
    rule_update(
        rule=_call_rule(),
        actor=None,
        data={"conditions": [{"field": "value", "operator": "gt", "value": "1000"}]},
    )

    second, _count = _handle_new_deal(rep, contact)

    assert Activity.objects.filter(deal=first).count() == 1
    assert Activity.objects.filter(deal=second).count() == 0
    run = Run.objects.get(event__subject_id=second.pk)
    assert (run.status, run.summary) == (RunStatus.SKIPPED, "Conditions not met.")


def test_a_queryset_update_in_the_same_transaction_is_seen_too(pipeline, rep, contact):
    """update() leaves updated_at alone and this test is one transaction: the version
    still changes (a new tuple at a new place)."""
    Rule.objects.create(name="Call 0", **call_rule_definition("500"))
    _handle_new_deal(rep, contact)
    Rule.objects.filter(name="Call 0").update(conditions=[])

    deal, _count = _handle_new_deal(rep, contact, value="10")

    assert Activity.objects.filter(deal=deal).count() == 1


def test_disabled_deleted_and_new_rules_are_seen_by_the_next_event(pipeline, rep, contact):
    _call_rules(1)
    _handle_new_deal(rep, contact)
    rule_set_enabled(rule=_call_rule(), actor=None, enabled=False)
    quiet, _count = _handle_new_deal(rep, contact)
    _call_rules(1)  # a new "Call 0", enabled
    _call_rule_count = Rule.objects.filter(enabled=True).count()
    loud, _count = _handle_new_deal(rep, contact)
    Rule.objects.filter(enabled=True).delete()
    quiet_again, _count = _handle_new_deal(rep, contact)

    assert _call_rule_count == 1
    assert [Activity.objects.filter(deal=d).count() for d in (quiet, loud, quiet_again)] == [
        0,
        1,
        0,
    ]
