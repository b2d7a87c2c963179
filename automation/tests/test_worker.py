"""The deal-value split end to end: commit → Redis → a real Celery worker → rules.

No eager mode: events are handed to Redis after commit and a worker (a thread of this
process, or a subprocess that gets SIGKILLed) runs the rules.
"""

from decimal import Decimal

import pytest

from automation import engine
from automation.models import Enrollment, Run, RunStatus
from automation.tasks import HANDLER_TASK, handle_domain_event_task
from crm.models import Activity, Contact, DomainEvent, DomainEventKind
from crm.services.deals import deal_create, deal_update

from .fixtures import events_handled_by, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _processed(count):
    return lambda: events_handled_by(HANDLER_TASK) >= count


def _nurture_enrollments(contact):
    return Enrollment.objects.filter(contact=contact, campaign__name="Nurture")


def test_600_deal_created_through_the_api_gets_one_call_for_its_owner(
    celery_worker_thread, default_rules, pipeline, rep, contact, api_as
):
    response = api_as(rep).post(
        "/api/deals/", {"title": "Big one", "value": "600.00", "contact": contact.pk}, format="json"
    )
    assert response.status_code == 201, response.content

    wait_until(_processed(1), message="the deal.created event")
    calls = Activity.objects.filter(deal_id=response.json()["id"])
    assert [(a.kind, a.assignee_id) for a in calls] == [("call", rep.pk)]
    assert _nurture_enrollments(contact).count() == 0


@pytest.mark.parametrize("value", ["400", "500"])
def test_deal_of_500_or_less_enrolls_its_contact_in_nurture_once(
    celery_worker_thread, default_rules, pipeline, rep, contact, value
):
    deal = deal_create(actor=rep, title="Small", value=Decimal(value), contact=contact)

    wait_until(_processed(1), message="the deal.created event")
    assert _nurture_enrollments(contact).count() == 1
    assert Activity.objects.filter(deal=deal).count() == 0


def test_raising_a_deal_from_400_to_900_fires_the_call_rule(
    celery_worker_thread, default_rules, pipeline, rep, contact
):
    deal = deal_create(actor=rep, title="Grows", value=Decimal("400"), contact=contact)
    wait_until(_processed(1), message="the deal.created event")
    deal_update(deal=deal, actor=rep, data={"value": Decimal("900")})

    wait_until(_processed(2), message="the deal.value_changed event")
    assert _nurture_enrollments(contact).count() == 1
    assert list(Activity.objects.filter(deal=deal).values_list("kind", "assignee")) == [
        ("call", rep.pk)
    ]


def test_a_crash_after_the_action_rolls_it_back_and_the_retry_acts_once(
    celery_worker_thread, default_rules, pipeline, rep, contact, monkeypatch
):
    crashes = []

    def crash_once(run):
        # The call task is already written in this transaction when this raises.
        if not crashes:
            crashes.append(Activity.objects.filter(kind="call").count())
            raise RuntimeError("worker crashed after the action")

    monkeypatch.setattr(engine, "_after_actions", crash_once)
    deal = deal_create(actor=rep, title="Big", value=Decimal("600"), contact=contact)

    wait_until(_processed(1), message="the retried event")
    assert crashes == [1]
    assert Activity.objects.filter(deal=deal).count() == 1
    run = Run.objects.get(status=RunStatus.SUCCEEDED)
    assert (run.rule.name, run.attempts) == ("Deal over $500 → call the owner", 2)


def test_a_crash_after_commit_is_redelivered_and_does_nothing_twice(
    celery_worker_thread, default_rules, pipeline, rep, contact, monkeypatch
):
    """The rules committed but the task died before marking the event processed."""
    original = engine.event_mark_processed
    crashes = []

    def crash_once(*, event):
        if not crashes:
            crashes.append(event.pk)
            raise RuntimeError("lost before the ack")
        original(event=event)

    monkeypatch.setattr(engine, "event_mark_processed", crash_once)
    deal = deal_create(actor=rep, title="Big", value=Decimal("600"), contact=contact)

    wait_until(_processed(1), message="the retried event")
    assert len(crashes) == 1
    assert Activity.objects.filter(deal=deal).count() == 1
    assert Run.objects.count() == 2  # one per rule, the retry found both rows


def test_after_the_last_retry_the_failure_is_in_the_run_log(
    celery_worker_thread, default_rules, pipeline, rep, contact, monkeypatch
):
    def always_fail(run):
        raise RuntimeError("the mail server is on fire")

    monkeypatch.setattr(engine, "_after_actions", always_fail)
    monkeypatch.setattr(handle_domain_event_task, "max_retries", 1)
    deal = deal_create(actor=rep, title="Big", value=Decimal("600"), contact=contact)

    wait_until(_processed(1), timeout=30, message="the final attempt")
    run = Run.objects.get(rule__name="Deal over $500 → call the owner")
    assert (run.status, run.attempts) == (RunStatus.FAILED, 2)
    assert "the mail server is on fire" in run.error
    assert Activity.objects.filter(deal=deal).count() == 0  # rolled back with the failure
    nurture = Run.objects.get(rule__name="Deal $500 or less → Nurture")
    assert nurture.status == RunStatus.SKIPPED


# Enough to keep four threads and a killed-and-restarted worker busy for seconds; the
# outcome is counted exactly whatever the size.
BURST = 300


def _burst(rep, contacts):
    for i, contact in enumerate(contacts):
        value = Decimal("600") if i % 2 else Decimal("400")
        deal_create(actor=rep, title=f"Burst {i}", value=value, contact=contact)


def _contacts(n):
    Contact.objects.bulk_create(Contact(first_name=f"C{i}", email=f"c{i}@x.test") for i in range(n))
    return list(Contact.objects.order_by("pk"))


def _assert_exactly_one_outcome_per_deal(n):
    assert DomainEvent.objects.filter(kind=DomainEventKind.DEAL_CREATED).count() == n
    assert Run.objects.filter(status=RunStatus.SUCCEEDED).count() == n
    assert Run.objects.filter(status=RunStatus.SKIPPED).count() == n
    assert Activity.objects.filter(kind="call").count() == n // 2
    assert Enrollment.objects.count() == n // 2
    assert Run.objects.filter(status=RunStatus.FAILED).count() == 0


def test_a_burst_of_300_deals_gives_exactly_300_outcomes(
    transactional_db, default_rules, pipeline, rep
):
    from .fixtures import thread_worker

    contacts = _contacts(BURST)
    with thread_worker(pool="threads", concurrency=4):
        _burst(rep, contacts)
        wait_until(_processed(BURST), timeout=240, interval=0.5, message="the burst")
    _assert_exactly_one_outcome_per_deal(BURST)


def test_a_worker_killed_mid_burst_and_restarted_loses_and_doubles_nothing(
    celery_worker_process, default_rules, pipeline, rep
):
    contacts = _contacts(BURST)
    worker = celery_worker_process
    worker.start()
    _burst(rep, contacts[: BURST // 2])
    wait_until(_processed(50), timeout=60, message="the worker to get going")

    worker.kill_child()  # a pool process dies: reject_on_worker_lost requeues its task
    _burst(rep, contacts[BURST // 2 :])
    wait_until(_processed(BURST // 2), timeout=120, interval=0.5, message="half the burst")
    worker.kill()  # the whole worker dies holding an unacknowledged task
    done_at_kill = events_handled_by(HANDLER_TASK)
    assert done_at_kill < BURST

    worker.start()
    wait_until(_processed(BURST), timeout=240, interval=0.5, message="the rest of the burst")
    _assert_exactly_one_outcome_per_deal(BURST)
