"""Each event handler records its own processing; the outbox sweep retries each one alone.

Issue 18: automation's handler used to mark the whole event processed, so when marketing's
hand-over was lost (a Redis restart) after automation had run, the sweep never sent the
event to marketing again and the contact never got its welcome series or score.
"""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from automation.engine import event_handle
from automation.marketing.models import EventReceipt
from automation.marketing.services import reactions
from automation.marketing.services.campaigns import campaign_plan_update
from automation.marketing.services.reactions import event_react
from automation.marketing.tasks import HANDLER_TASK as MARKETING
from automation.marketing.tasks import handle_domain_event_task as marketing_task
from automation.marketing.tests.conftest import email_wait_email
from automation.models import Enrollment
from automation.tasks import HANDLER_TASK as AUTOMATION
from automation.tests.fixtures import wait_until
from crm.models import Campaign, DomainEvent, DomainEventKind, DomainEventReceipt, Role
from crm.services.contacts import contact_create
from crm.tasks import domain_events_redispatch_task

BOTH = sorted([AUTOMATION, MARKETING])  # as _receipts lists them


@pytest.fixture
def welcome(db):
    campaign = Campaign.objects.create(name="Welcome")
    email_wait_email(campaign, days=2)
    campaign_plan_update(campaign=campaign, actor=None, data={"welcome_series": True})
    return campaign


def _receipts(event) -> list[str]:
    return list(
        DomainEventReceipt.objects.filter(event=event)
        .order_by("handler")
        .values_list("handler", flat=True)
    )


def _purposes(event) -> list[str]:
    return sorted(EventReceipt.objects.filter(event=event).values_list("purpose", flat=True))


def _age(event) -> None:
    """Past the sweep's wait for in-flight hand-overs."""
    DomainEvent.objects.filter(pk=event.pk).update(
        occurred_at=timezone.now() - timedelta(minutes=10)
    )


def _sweep() -> list[tuple[str, int]]:
    """Run the sweep; the (handler, event id) pairs it handed to the broker."""
    with mock.patch("crm.celery.app.send_task") as send_task:
        domain_events_redispatch_task()
    return [(call.args[0], call.kwargs["args"][0]) for call in send_task.call_args_list]


def _contact_created_event(rep, django_capture_on_commit_callbacks, *, refuse=()):
    """Create a contact; the broker refuses the hand-overs to the handlers in `refuse`."""
    published = []

    def publish(task_name, args):
        published.append((task_name, args[0]))
        if task_name in refuse:
            raise OSError("Redis is restarting")

    with (
        mock.patch("crm.celery.app.send_task", side_effect=publish),
        django_capture_on_commit_callbacks(execute=True),
    ):
        contact = contact_create(actor=rep, first_name="Wren", email="wren@example.com")
    event = DomainEvent.objects.get(kind=DomainEventKind.CONTACT_CREATED, subject_id=contact.pk)
    return contact, event, published


@pytest.mark.django_db
def test_a_lost_marketing_hand_over_is_retried_by_the_sweep_for_marketing_only(
    rep, welcome, django_capture_on_commit_callbacks, caplog
):
    contact, event, published = _contact_created_event(
        rep, django_capture_on_commit_callbacks, refuse={MARKETING}
    )
    assert published == [(AUTOMATION, event.pk), (MARKETING, event.pk)]
    assert f"Could not hand event {event.pk} to {MARKETING}" in caplog.text

    # Automation got its hand-over and processed the event: only its own receipt.
    event_handle(event_id=event.pk)
    assert _receipts(event) == [AUTOMATION]
    assert Enrollment.objects.filter(contact=contact).count() == 0

    _age(event)
    assert _sweep() == [(MARKETING, event.pk)]
    event.refresh_from_db()
    assert event.processed_at is None  # marketing has not recorded it yet

    # The worker runs the re-sent task: the welcome series and the score, once each.
    with django_capture_on_commit_callbacks(execute=False):
        assert event_react(event_id=event.pk) == ["welcome", "score"]
    assert list(
        Enrollment.objects.filter(contact=contact).values_list("campaign__name", flat=True)
    ) == ["Welcome"]
    assert _purposes(event) == ["score", "welcome"]
    assert _receipts(event) == BOTH

    # Every handler is done: the next sweep sends nothing and closes the event.
    assert _sweep() == []
    event.refresh_from_db()
    assert event.processed_at is not None
    assert _sweep() == []


@pytest.mark.django_db
def test_a_marketing_reaction_that_raises_is_retried_alone_and_acts_once(
    rep, welcome, django_capture_on_commit_callbacks, monkeypatch
):
    contact, event, _published = _contact_created_event(rep, django_capture_on_commit_callbacks)
    event_handle(event_id=event.pk)

    def broken(*, contact):
        raise RuntimeError("campaign table locked")

    monkeypatch.setattr(reactions, "welcome_enroll", broken)
    with pytest.raises(RuntimeError):
        event_react(event_id=event.pk)
    # The failed reaction rolled back with its purpose's receipt and the handler's.
    assert (_purposes(event), _receipts(event)) == ([], [AUTOMATION])

    _age(event)
    assert _sweep() == [(MARKETING, event.pk)]

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=False):
        assert event_react(event_id=event.pk) == ["welcome", "score"]
        assert event_react(event_id=event.pk) == []  # a redelivery
    assert Enrollment.objects.filter(contact=contact).count() == 1
    assert _purposes(event) == ["score", "welcome"]
    assert _receipts(event) == BOTH
    assert _sweep() == []


@pytest.mark.django_db
def test_automation_failing_after_marketing_is_retried_for_automation_only(
    rep, welcome, django_capture_on_commit_callbacks
):
    _contact, event, _published = _contact_created_event(
        rep, django_capture_on_commit_callbacks, refuse={AUTOMATION}
    )
    with django_capture_on_commit_callbacks(execute=False):
        event_react(event_id=event.pk)
    assert _receipts(event) == [MARKETING]

    _age(event)
    assert _sweep() == [(AUTOMATION, event.pk)]
    event_handle(event_id=event.pk)
    assert _receipts(event) == BOTH
    assert _sweep() == []
    event.refresh_from_db()
    assert event.processed_at is not None


@pytest.mark.django_db
def test_redelivering_a_handled_event_reads_one_row_and_changes_nothing(
    rep, welcome, django_capture_on_commit_callbacks, django_assert_num_queries
):
    contact, event, _published = _contact_created_event(rep, django_capture_on_commit_callbacks)
    event_handle(event_id=event.pk)
    with django_capture_on_commit_callbacks(execute=False):
        event_react(event_id=event.pk)
    receipts_before = list(DomainEventReceipt.objects.values_list("pk", "processed_at"))

    with django_assert_num_queries(1):
        event_handle(event_id=event.pk)
    with django_assert_num_queries(1):
        assert event_react(event_id=event.pk) == []

    assert list(DomainEventReceipt.objects.values_list("pk", "processed_at")) == receipts_before
    assert Enrollment.objects.filter(contact=contact).count() == 1
    assert _purposes(event) == ["score", "welcome"]


@pytest.mark.django_db
def test_an_event_processed_before_receipts_existed_counts_as_done_for_every_handler(
    rep, welcome, django_capture_on_commit_callbacks
):
    """The migration copies nothing: a set processed_at is every handler's receipt."""
    contact, event, _published = _contact_created_event(rep, django_capture_on_commit_callbacks)
    DomainEvent.objects.filter(pk=event.pk).update(processed_at=timezone.now())
    _age(event)

    assert _sweep() == []
    event_handle(event_id=event.pk)
    assert event_react(event_id=event.pk) == []
    assert (_receipts(event), _purposes(event)) == ([], [])
    assert Enrollment.objects.filter(contact=contact).count() == 0


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_failing_marketing_handler_is_retried_by_the_sweep_through_a_real_worker(
    celery_worker_thread, rep, monkeypatch
):
    welcome = Campaign.objects.create(name="Welcome")
    email_wait_email(welcome, days=2)
    campaign_plan_update(campaign=welcome, actor=None, data={"welcome_series": True})
    failures = []

    def broken(*, contact):
        failures.append(contact.pk)
        raise RuntimeError("campaign table locked")

    monkeypatch.setattr(reactions, "welcome_enroll", broken)
    monkeypatch.setattr(marketing_task, "max_retries", 0)  # give up at once: the sweep's turn

    contact = contact_create(actor=rep, first_name="Wren", email="wren@example.com")
    event = DomainEvent.objects.get(kind=DomainEventKind.CONTACT_CREATED, subject_id=contact.pk)
    wait_until(
        lambda: failures == [contact.pk] and _receipts(event) == [AUTOMATION],
        message="automation done, marketing failed",
    )
    assert (_purposes(event), Enrollment.objects.filter(contact=contact).count()) == ([], 0)

    monkeypatch.undo()
    _age(event)
    domain_events_redispatch_task.delay()  # as beat does: the sweep runs in the worker

    wait_until(lambda: _receipts(event) == BOTH, message="the sweep's retry")
    assert failures == [contact.pk]
    assert list(
        Enrollment.objects.filter(contact=contact).values_list("campaign__name", flat=True)
    ) == ["Welcome"]
    assert _purposes(event) == ["score", "welcome"]
    domain_events_redispatch_task()
    event.refresh_from_db()
    assert event.processed_at is not None


@pytest.mark.django_db
def test_the_admin_shows_which_handlers_processed_an_event(
    rep, make_user, welcome, client, django_capture_on_commit_callbacks
):
    _contact, event, _published = _contact_created_event(rep, django_capture_on_commit_callbacks)
    event_handle(event_id=event.pk)
    client.force_login(make_user(Role.ADMIN, is_staff=True, is_superuser=True))

    response = client.get(f"/admin/crm/domainevent/{event.pk}/change/")

    assert response.status_code == 200
    body = response.content.decode()
    assert AUTOMATION in body
    assert MARKETING not in body
