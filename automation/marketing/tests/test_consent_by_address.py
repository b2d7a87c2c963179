"""Consent belongs to the address, and every send path asks the one gate (issue 14)."""

import re
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from automation.marketing.models import EmailSend, NpsSurvey
from automation.marketing.selectors import contact_timeline_entries
from automation.marketing.services.emails import email_send_deliver, email_send_record
from automation.marketing.services.enrollments import campaign_enroll_contact
from automation.marketing.services.offers import discount_code_issue, nps_survey_send
from automation.marketing.services.progress import due_steps_run
from automation.models import Enrollment, OutboundEmail
from automation.services.emails import outbound_email_queue, outbound_email_send
from crm.models import Contact, SuppressedAddress
from crm.services.consent import address_suppress
from crm.services.support import ticket_open, ticket_respond
from crm.tests.factories import CampaignFactory, ContactFactory

from .conftest import email_wait_email

pytestmark = pytest.mark.django_db

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def _one_click(client, run_on_commit, link):
    path = link.removeprefix("http://127.0.0.1:8000")
    return run_on_commit(
        client.post,
        path,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )


def test_bulk_mail_carries_rfc8058_headers_and_one_click_post_unsubscribes(
    nurture, contact, run_on_commit, client
):
    run_on_commit(campaign_enroll_contact, campaign=nurture, contact=contact)
    run_on_commit(due_steps_run)
    (message,) = mail.outbox
    link = re.search(r"<([^>]+)>", message.extra_headers["List-Unsubscribe"]).group(1)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    response = _one_click(client, run_on_commit, link)

    assert response.status_code == 200
    suppression = SuppressedAddress.objects.get()
    assert (suppression.email, suppression.reason, suppression.contact) == (
        "ada@example.com",
        "unsubscribe",
        contact,
    )


def test_unsubscribed_address_cannot_come_back_as_a_new_contact(
    nurture, contact, run_on_commit, client, api_as, manager
):
    run_on_commit(campaign_enroll_contact, campaign=nurture, contact=contact)
    run_on_commit(due_steps_run)
    link = re.search(r"<([^>]+)>", mail.outbox[0].extra_headers["List-Unsubscribe"]).group(1)
    _one_click(client, run_on_commit, link)

    response = api_as(manager).post(
        "/api/contacts/", {"first_name": "Again", "email": "ADA@Example.com"}, format="json"
    )

    assert response.status_code == 400
    assert response.data["email"] == [f"Ada {contact.last_name} (contact {contact.pk}) already "
                                      "has this email address."]  # fmt: skip
    assert Contact.objects.count() == 1


def test_a_new_contact_with_a_suppressed_address_is_opted_out(api_as, manager):
    address_suppress(email="Gone@Example.com", reason="bounce")
    response = api_as(manager).post(
        "/api/contacts/", {"first_name": "New", "email": "gone@example.COM"}, format="json"
    )
    assert response.status_code == 201, response.data
    assert response.data["opted_out"] is True
    cleared = api_as(manager).patch(
        f"/api/contacts/{response.data['id']}/", {"opted_out": False}, format="json"
    )
    assert cleared.status_code == 400
    assert "suppression list" in cleared.data["opted_out"][0]


def test_zero_emails_to_a_suppressed_address_on_every_path(run_on_commit, support_agent):
    """Even a contact whose flag was never set (legacy data) is refused at the gate."""
    contact = ContactFactory(first_name="Zed", email="zed@example.com")
    campaign = CampaignFactory(name="Any")
    email_wait_email(campaign)
    address_suppress(email="ZED@example.com", reason="complaint")
    Contact.objects.filter(pk=contact.pk).update(opted_out=False)  # legacy row
    contact.refresh_from_db()

    # 1. campaign step
    send = run_on_commit(email_send_record, contact=contact, subject="Hi", body="Body")
    assert email_send_deliver(send_id=send.pk) is False
    assert (
        EmailSend.objects.get(pk=send.pk).error
        == "not sent: address on the suppression list (complaint)"
    )
    # 2. rule email
    queued = run_on_commit(
        outbound_email_queue, run=None, to="Zed@Example.com", subject="s", body="b"
    )
    assert outbound_email_send(email_id=queued.pk) is False
    refused = OutboundEmail.objects.get(pk=queued.pk)
    assert (refused.sent_at, refused.error) == (
        None,
        "not sent: address on the suppression list (complaint)",
    )
    # 3. NPS survey and 4. discount code are refused with the reason
    with pytest.raises(ValidationError, match="suppression list"):
        nps_survey_send(contact=contact)
    with pytest.raises(ValidationError, match="suppression list"):
        discount_code_issue(contact=contact, reason="repeat_purchase", key="k", percent_off=10)
    # 5. ticket reply
    ticket = ticket_open(actor=support_agent, subject="Help", contact=contact)
    reply = run_on_commit(ticket_respond, ticket=ticket, actor=support_agent, body="Hello")
    reply.refresh_from_db()
    assert (reply.emailed_at, reply.email_error) == (
        None,
        "Not emailed: the address is on the suppression list.",
    )
    # 6. campaign enrollment asks the same check (and the tick would again)
    with pytest.raises(ValidationError, match="opted out of email"):
        run_on_commit(campaign_enroll_contact, campaign=campaign, contact=contact)
    run_on_commit(due_steps_run)

    assert len(mail.outbox) == 0
    assert not NpsSurvey.objects.exists()
    assert Enrollment.objects.filter(contact=contact, status="active").count() <= 1


def _deliver_recorded():
    """What the worker does with recorded marketing email (no broker in these tests)."""
    for send_id in EmailSend.objects.filter(sent_at__isnull=True).values_list("pk", flat=True):
        email_send_deliver(send_id=send_id)


def test_one_nps_email_after_two_quick_sends(run_on_commit, contact, support_agent):
    run_on_commit(nps_survey_send, contact=contact, actor=support_agent)
    with pytest.raises(ValidationError, match="Already sent on"):
        run_on_commit(nps_survey_send, contact=contact, actor=support_agent)
    _deliver_recorded()
    _deliver_recorded()

    assert len(mail.outbox) == 1
    assert NpsSurvey.objects.filter(contact=contact).count() == 1


def test_second_survey_click_in_the_browser_says_already_sent(
    run_on_commit, contact, support_agent, client
):
    from django.urls import reverse

    client.force_login(support_agent)
    url = reverse("marketing:nps_send", args=[contact.pk])
    first = run_on_commit(client.post, url, follow=True)
    second = run_on_commit(client.post, url, follow=True)

    _deliver_recorded()

    assert "NPS survey sent to ada@example.com" in first.text
    assert "Already sent on" in second.text
    assert len(mail.outbox) == 1


def test_rule_nps_action_does_not_send_twice(run_on_commit, contact):
    from automation.marketing.actions import _send_nps

    class Ctx:
        pass

    ctx = Ctx()
    ctx.contact = contact
    first = run_on_commit(_send_nps, ctx, {"valid_days": 14}, None)
    second = run_on_commit(_send_nps, ctx, {"valid_days": 14}, None)
    _deliver_recorded()
    assert "nps_survey" in first
    assert second["summary"].startswith("Already sent on")
    assert len(mail.outbox) == 1


def test_a_contact_enrolled_again_does_not_get_the_same_campaign_email_twice(
    nurture, contact, run_on_commit, manager
):
    from datetime import timedelta

    import time_machine

    from automation.services.enrollments import enrollment_exit

    with time_machine.travel(START, tick=False) as clock:
        first = run_on_commit(campaign_enroll_contact, campaign=nurture, contact=contact)
        run_on_commit(due_steps_run)
        enrollment_exit(enrollment=first, reason="manual")
        run_on_commit(campaign_enroll_contact, campaign=nurture, contact=contact)
        run_on_commit(due_steps_run)
        clock.move_to(START + timedelta(days=3))
        run_on_commit(due_steps_run)

    subjects = [m.subject for m in mail.outbox]
    assert subjects == ["Welcome Ada", "Still there, Ada?"]
    welcome = EmailSend.objects.get(contact=contact, subject="Welcome Ada", sent_at__isnull=False)
    skipped = EmailSend.objects.get(contact=contact, sent_at__isnull=True)
    assert skipped.enrollment != welcome.enrollment and skipped.step == welcome.step
    assert skipped.error == f"already sent on {welcome.sent_at.date().isoformat()}; not sent again"
    assert EmailSend.objects.filter(contact=contact).count() == 3
    # The skip is a visible line on the contact's timeline, and is never delivered later.
    entries = contact_timeline_entries(user=manager, contact=contact, limit=10)
    assert [(str(e.title), e.detail) for e in entries if "not sent" in str(e.title)] == [
        ("Email not sent: Welcome Ada", f"Nurture test · {skipped.error}")
    ]
    assert email_send_deliver(send_id=skipped.pk) is False
    assert len(mail.outbox) == 2
