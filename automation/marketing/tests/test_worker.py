"""End to end with a real Celery worker on Redis (no eager mode).

contact.created → the crm outbox → this app's event handler in the worker → the welcome
series enrolls the contact → its first email goes out at once; two days later (clock
moved) the tick task, run by the worker, sends the second.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from automation.marketing.models import EmailSend
from automation.marketing.services.campaigns import campaign_plan_update
from automation.marketing.tasks import due_steps_tick_task
from automation.models import Enrollment, EnrollmentStatus
from automation.tests.fixtures import run_on_thread_worker, wait_until
from crm.models import Campaign
from crm.services.contacts import contact_create

from .conftest import email_wait_email

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

START = datetime(2025, 5, 5, 8, 0, tzinfo=UTC)


def test_welcome_series_through_a_real_worker(celery_worker_thread, rep):
    welcome = Campaign.objects.create(name="Welcome")
    email_wait_email(welcome, days=2)
    campaign_plan_update(campaign=welcome, actor=None, data={"welcome_series": True})

    with time_machine.travel(START, tick=True) as clock:
        contact = contact_create(actor=rep, first_name="Wren", email="wren@example.com")
        wait_until(lambda: len(mail.outbox) == 1, timeout=60, message="the first welcome email")
        assert mail.outbox[0].subject == "Welcome Wren"
        assert Enrollment.objects.get(contact=contact).status == EnrollmentStatus.ACTIVE

        clock.move_to(START + timedelta(days=1))
        run_on_thread_worker(due_steps_tick_task)  # a day into a two-day wait: nothing due
        assert len(mail.outbox) == 1

        clock.move_to(START + timedelta(days=2, minutes=1))
        due_steps_tick_task.delay()
        wait_until(lambda: len(mail.outbox) == 2, timeout=60, message="the second welcome email")
    assert [m.subject for m in mail.outbox] == ["Welcome Wren", "Still there, Wren?"]
    # The outbox fills inside the send's transaction; sent_at is visible once it commits.
    wait_until(
        lambda: EmailSend.objects.filter(contact=contact, sent_at__isnull=False).count() == 2,
        timeout=60,
        message="both sends recorded as sent",
    )
    wait_until(
        lambda: Enrollment.objects.get(contact=contact).status == EnrollmentStatus.COMPLETED,
        message="the enrollment to complete",
    )
