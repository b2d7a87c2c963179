"""Nurture campaigns: steps due from the database, one send per step, exits, tracking."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError
from django.utils import timezone

from automation.marketing.models import EmailSend, EnrollmentProgress, StepKind
from automation.marketing.selectors import contact_email_sends
from automation.marketing.services.campaigns import step_create, step_move
from automation.marketing.services.emails import email_send_record
from automation.marketing.services.enrollments import campaign_enroll_contact
from automation.marketing.services.progress import due_steps_run, enrollment_advance
from automation.marketing.services.reactions import event_react
from automation.models import Enrollment, EnrollmentStatus, ExitReason
from automation.services.enrollments import enrollment_create
from crm.models import DomainEvent, Interaction, InteractionKind
from crm.services.contacts import interaction_record
from crm.services.revenue import purchase_record
from crm.tests.factories import CampaignFactory, ContactFactory

pytestmark = pytest.mark.django_db

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def _subjects():
    return [m.subject for m in mail.outbox]


def _enroll_and_tick(run_on_commit, campaign, contact):
    run_on_commit(campaign_enroll_contact, campaign=campaign, contact=contact)
    return run_on_commit(due_steps_run)


def test_email_wait_two_days_email_sends_first_now_and_second_after_two_days(
    nurture, contact, run_on_commit
):
    with time_machine.travel(START, tick=False) as clock:
        _enroll_and_tick(run_on_commit, nurture, contact)
        assert _subjects() == ["Welcome Ada"]

        clock.move_to(START + timedelta(days=2) - timedelta(minutes=1))
        run_on_commit(due_steps_run)
        assert _subjects() == ["Welcome Ada"]

        clock.move_to(START + timedelta(days=2))
        run_on_commit(due_steps_run)
        assert _subjects() == ["Welcome Ada", "Still there, Ada?"]

        clock.move_to(START + timedelta(days=30))
        run_on_commit(due_steps_run)
    assert len(mail.outbox) == 2
    enrollment = Enrollment.objects.get(contact=contact)
    assert enrollment.status == EnrollmentStatus.COMPLETED
    assert EnrollmentProgress.objects.get(enrollment=enrollment).next_due_at is None
    # The timeline selector the contact page uses shows both sends, newest first.
    assert [s.subject for s in contact_email_sends(contact)] == ["Still there, Ada?", "Welcome Ada"]


def test_opting_out_through_the_unsubscribe_link_stops_the_campaign(
    nurture, contact, run_on_commit, client
):
    with time_machine.travel(START, tick=False) as clock:
        _enroll_and_tick(run_on_commit, nurture, contact)
        link = re.search(r"Unsubscribe: (\S+)", mail.outbox[0].body).group(1)
        path = link.removeprefix("http://127.0.0.1:8000")
        assert client.get(path).status_code == 200
        contact.refresh_from_db()
        assert contact.opted_out is False  # a GET (a link scanner) does not unsubscribe

        response = run_on_commit(client.post, path)
        assert response.status_code == 200
        assert b"data-unsubscribed" in response.content

        clock.move_to(START + timedelta(days=3))
        run_on_commit(due_steps_run)
    contact.refresh_from_db()
    assert contact.opted_out is True
    assert _subjects() == ["Welcome Ada"]
    enrollment = Enrollment.objects.get(contact=contact)
    assert (enrollment.status, enrollment.exit_reason) == (
        EnrollmentStatus.EXITED,
        ExitReason.OPTED_OUT,
    )


def test_contact_opted_out_by_hand_gets_no_further_step(nurture, contact, run_on_commit):
    with time_machine.travel(START, tick=False) as clock:
        _enroll_and_tick(run_on_commit, nurture, contact)
        contact.opted_out = True
        contact.save()
        clock.move_to(START + timedelta(days=3))
        run_on_commit(due_steps_run)
    assert _subjects() == ["Welcome Ada"]
    assert Enrollment.objects.get(contact=contact).exit_reason == ExitReason.OPTED_OUT


def test_forged_unsubscribe_token_is_404(client, contact):
    assert client.post(f"/m/unsubscribe/{contact.pk}:forged/").status_code == 404
    contact.refresh_from_db()
    assert contact.opted_out is False


def test_reply_exits_and_is_counted_on_the_send(nurture, contact, run_on_commit):
    _enroll_and_tick(run_on_commit, nurture, contact)
    send = EmailSend.objects.get(contact=contact)
    interaction = interaction_record(
        actor=None, contact=contact, kind=InteractionKind.EMAIL_REPLIED, details={"email": send.pk}
    )
    event = DomainEvent.objects.get(subject_type="interaction", subject_id=interaction.pk)
    assert event_react(event_id=event.pk) == ["reply", "score"]
    assert event_react(event_id=event.pk) == []  # a redelivery does nothing
    send.refresh_from_db()
    assert send.replied_at == interaction.occurred_at
    enrollment = Enrollment.objects.get(contact=contact)
    assert (enrollment.status, enrollment.exit_reason) == (
        EnrollmentStatus.EXITED,
        ExitReason.REPLIED,
    )


def test_deal_won_exits_and_purchase_converts(nurture, contact, run_on_commit, rep):
    from crm.services.deals import deal_create, deal_mark_won
    from crm.tests.factories import pipeline_with_stages

    pipeline_with_stages(is_default=True)
    _enroll_and_tick(run_on_commit, nurture, contact)
    deal = deal_create(actor=rep, title="Won", value=Decimal("300"), contact=contact)
    deal_mark_won(deal=deal, actor=rep)
    for event in DomainEvent.objects.filter(kind__in=["deal.won", "purchase.recorded"]):
        event_react(event_id=event.pk)
    enrollment = Enrollment.objects.get(contact=contact)
    assert (enrollment.status, enrollment.exit_reason) == (
        EnrollmentStatus.EXITED,
        ExitReason.DEAL_WON,
    )
    assert EmailSend.objects.get(contact=contact).converted_at is not None


def test_enrollment_is_once_per_contact_while_active(nurture, contact, run_on_commit):
    from django.core.exceptions import ValidationError

    run_on_commit(campaign_enroll_contact, campaign=nurture, contact=contact)
    with pytest.raises(ValidationError):
        campaign_enroll_contact(campaign=nurture, contact=contact)
    assert Enrollment.objects.filter(contact=contact).count() == 1


def test_enrollments_made_elsewhere_are_adopted_by_the_tick(nurture, contact, run_on_commit):
    """A rule or /api/enrollments/ creates the Enrollment only; the tick starts it."""
    enrollment_create(campaign=nurture, contact=contact)
    run_on_commit(due_steps_run)
    assert _subjects() == ["Welcome Ada"]


def test_each_step_is_sent_once_even_if_the_progress_is_replayed(nurture, contact, run_on_commit):
    _enroll_and_tick(run_on_commit, nurture, contact)
    enrollment = Enrollment.objects.get(contact=contact)
    step = nurture.steps.get(position=1)
    with pytest.raises(IntegrityError):
        email_send_record(
            contact=contact,
            subject="again",
            body="again",
            enrollment=enrollment,
            campaign=nurture,
            step=step,
            variant=step.variants.first(),
        )


def test_replayed_progress_does_not_resend(nurture, contact, run_on_commit):
    """A crash after sending but before the cursor moved: the unique key stops a resend."""
    _enroll_and_tick(run_on_commit, nurture, contact)
    progress = EnrollmentProgress.objects.get(enrollment__contact=contact)
    EnrollmentProgress.objects.filter(pk=progress.pk).update(
        last_step=None, cursor=0, next_due_at=timezone.now()
    )
    run_on_commit(enrollment_advance, progress_id=progress.pk)
    assert EmailSend.objects.filter(contact=contact).count() == 1


def test_steps_are_editable_while_enrollments_run(contact, run_on_commit):
    campaign = CampaignFactory()
    step_create(campaign=campaign, actor=None, kind=StepKind.EMAIL, subject="One", body="1")
    step_create(campaign=campaign, actor=None, kind=StepKind.WAIT, wait_amount=5, wait_unit="hours")
    with time_machine.travel(START, tick=False) as clock:
        _enroll_and_tick(run_on_commit, campaign, contact)
        # While the contact waits: add an email at the end and a new first step.
        step_create(campaign=campaign, actor=None, kind=StepKind.EMAIL, subject="Three", body="3")
        step_create(
            campaign=campaign, actor=None, kind=StepKind.EMAIL, subject="Zero", body="0", position=1
        )
        assert list(campaign.steps.order_by("position").values_list("position", flat=True)) == [
            1,
            2,
            3,
            4,
        ]
        clock.move_to(START + timedelta(hours=5))
        run_on_commit(due_steps_run)
    # "Zero" was inserted before where the contact was, so it is not sent to them.
    assert _subjects() == ["One", "Three"]


def test_step_move_keeps_positions_dense(nurture):
    last = nurture.steps.get(position=3)
    step_move(step=last, actor=None, position=1)
    assert list(nurture.steps.order_by("position").values_list("kind", flat=True)) == [
        "email",
        "email",
        "wait",
    ]
    assert list(nurture.steps.order_by("position").values_list("position", flat=True)) == [1, 2, 3]


def test_personalisation_uses_the_contact_and_their_past_purchases(run_on_commit):
    contact = ContactFactory(first_name="Bo", email="bo@example.com")
    purchase_record(actor=None, contact=contact, amount=Decimal("40"), product="Espresso machine")
    campaign = CampaignFactory()
    step_create(
        campaign=campaign,
        actor=None,
        kind=StepKind.EMAIL,
        subject="For {{ contact.first_name }}",
        body="{% for p in purchases %}Enjoying your {{ p.product }}?{% endfor %} <b>{{ contact.last_name }}</b>",
    )
    contact.last_name = "<script>"
    contact.save()
    _enroll_and_tick(run_on_commit, campaign, contact)
    message = mail.outbox[0]
    assert message.subject == "For Bo"
    assert message.body.startswith("Enjoying your Espresso machine? <b><script></b>")
    html = message.alternatives[0][0]
    assert "&lt;script&gt;" in html and "<script>" not in html


@pytest.mark.parametrize(
    "body",
    [
        "{% load static %}x",
        "{% include 'base.html' %}",
        "{% debug %}",
        "{{ contact.first_name|safe }}",
        "{% url 'admin:index' %}",
        "{% if %}",
    ],
)
def test_templates_outside_the_sandbox_are_refused(body):
    from django.core.exceptions import ValidationError

    campaign = CampaignFactory()
    with pytest.raises(ValidationError):
        step_create(campaign=campaign, actor=None, kind=StepKind.EMAIL, subject="s", body=body)


def test_open_pixel_and_click_record_once_and_redirect_only_to_links_in_the_email(
    nurture, contact, run_on_commit, client
):
    _enroll_and_tick(run_on_commit, nurture, contact)
    html = mail.outbox[0].alternatives[0][0]
    pixel = re.search(r'<img src="http://127.0.0.1:8000(/m/o/[^"]+)"', html).group(1)
    click = re.search(r'<a href="http://127.0.0.1:8000(/m/c/[^"]+)"', html).group(1)

    for _ in range(2):
        response = client.get(pixel)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/gif"
    opens = Interaction.objects.filter(contact=contact, kind=InteractionKind.EMAIL_OPENED)
    assert opens.count() == 1

    response = client.get(click)
    assert response.status_code == 302
    assert response["Location"] == "https://example.com/start?a=1&b=2"
    send = EmailSend.objects.get(contact=contact)
    assert send.opened_at is not None and send.clicked_at is not None
    assert opens.count() == 1

    token = click.split("/")[3]
    assert client.get(f"/m/c/{token}/5/").status_code == 404  # no 6th link in that email
    assert client.get(f"/m/c/{send.pk}:bad/0/").status_code == 404
    assert client.get(f"/m/o/{send.pk}:bad/").status_code == 200  # still a pixel, records nothing
    assert opens.count() == 1


def test_deleting_the_step_a_contact_just_did_continues_with_the_next(contact, run_on_commit):
    campaign = CampaignFactory()
    step_create(campaign=campaign, actor=None, kind=StepKind.EMAIL, subject="One", body="1")
    wait = step_create(
        campaign=campaign, actor=None, kind=StepKind.WAIT, wait_amount=1, wait_unit="days"
    )
    step_create(campaign=campaign, actor=None, kind=StepKind.EMAIL, subject="Two", body="2")
    with time_machine.travel(START, tick=False) as clock:
        _enroll_and_tick(run_on_commit, campaign, contact)
        from automation.marketing.services.campaigns import step_delete

        step_delete(step=wait, actor=None)
        clock.move_to(START + timedelta(days=1))
        run_on_commit(due_steps_run)
    assert _subjects() == ["One", "Two"]
