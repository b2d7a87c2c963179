"""Every marketing sender asks the one consent check when the email goes out, and every
marketing email carries a working unsubscribe link and RFC 8058 headers (issue 18)."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from automation.engine import event_handle
from automation.marketing.models import EmailSend
from automation.marketing.services.campaigns import campaign_plan_update
from automation.marketing.services.emails import email_send_deliver, unsubscribe_url
from automation.marketing.services.enrollments import campaign_enroll_contact, welcome_enroll
from automation.marketing.services.progress import due_steps_run
from automation.models import Enrollment, OutboundEmail, Rule
from automation.services.emails import outbound_email_send
from automation.services.enrollments import enrollment_create
from automation.services.rules import rule_create
from crm.models import Contact, DomainEvent, SuppressedAddress
from crm.services.consent import address_suppress
from crm.tests.factories import CampaignFactory, ContactFactory

from .conftest import email_wait_email

pytestmark = pytest.mark.django_db

SUPPRESSED_UNSUBSCRIBE = "not sent: address on the suppression list (unsubscribe)"
SUPPRESSED_BOUNCE = "not sent: address on the suppression list (bounce)"
OPTED_OUT = "not sent: contact opted out of email"


def _one_click(client, url):
    """What a mailbox provider does with List-Unsubscribe-Post (RFC 8058)."""
    return client.post(
        url.removeprefix("http://127.0.0.1:8000"),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )


def _recorded_campaign_email(campaign, contact) -> EmailSend:
    """Enroll and let the tick record the first step; the worker has not sent it yet
    (on_commit hand-overs do not run inside the test's transaction)."""
    campaign_enroll_contact(campaign=campaign, contact=contact)
    due_steps_run()
    return EmailSend.objects.get(contact=contact)


def _welcome_series():
    campaign = CampaignFactory(name="Welcome series")
    email_wait_email(campaign)
    campaign_plan_update(campaign=campaign, actor=None, data={"welcome_series": True})
    return campaign


def _recorded_series_email(contact) -> EmailSend:
    (enrollment,) = welcome_enroll(contact=contact)
    due_steps_run()
    return EmailSend.objects.get(contact=contact, enrollment=enrollment)


def _queued_rule_email(contact) -> OutboundEmail:
    Rule.objects.update(enabled=False)  # the seeded defaults stay out of the way
    rule_create(
        actor=None,
        name="Say hi",
        triggers=["contact.tagged"],
        actions=[{"type": "send_email", "params": {"subject": "Hi", "body": "Hello {contact}."}}],
    )
    from crm.services.contacts import contact_set_tags

    contact_set_tags(contact=contact, actor=None, tags=["vip"])
    for event in DomainEvent.objects.filter(processed_at__isnull=True).order_by("pk"):
        event_handle(event_id=event.pk)
    return OutboundEmail.objects.get(to=contact.email)


# --- unsubscribed after being queued or enrolled: not mailed at send time -----------------


def test_campaign_email_is_not_sent_to_a_contact_who_unsubscribed_after_it_was_queued(
    nurture, contact, client
):
    send = _recorded_campaign_email(nurture, contact)
    assert _one_click(client, unsubscribe_url(contact)).status_code == 200

    assert email_send_deliver(send_id=send.pk) is False

    assert mail.outbox == []
    send.refresh_from_db()
    assert (send.sent_at, send.error) == (None, SUPPRESSED_UNSUBSCRIBE)


def test_series_step_is_not_sent_to_a_contact_who_unsubscribed_after_enrolling(contact, client):
    _welcome_series()
    send = _recorded_series_email(contact)
    assert _one_click(client, unsubscribe_url(contact)).status_code == 200

    assert email_send_deliver(send_id=send.pk) is False

    assert mail.outbox == []
    send.refresh_from_db()
    assert (send.sent_at, send.error) == (None, SUPPRESSED_UNSUBSCRIBE)


def test_rule_email_is_not_sent_to_a_contact_who_unsubscribed_after_it_was_queued(contact, client):
    email = _queued_rule_email(contact)
    assert _one_click(client, email.unsubscribe_url).status_code == 200

    assert outbound_email_send(email_id=email.pk) is False

    assert mail.outbox == []
    email.refresh_from_db()
    assert (email.sent_at, email.error) == (None, SUPPRESSED_UNSUBSCRIBE)
    # A refused row stays refused: a later sweep does not try it again.
    assert outbound_email_send(email_id=email.pk) is False


# Each branch of the check on its own: a suppressed address whose contact's flag was never
# set (legacy rows), and an opted-out contact whose address is not on the list.


def _legacy_suppression(contact, written_as: str):
    address_suppress(email=written_as, reason="bounce")
    Contact.objects.filter(pk=contact.pk).update(opted_out=False)


@pytest.mark.parametrize("sender", ["campaign", "series", "rule"])
def test_an_address_suppressed_in_other_letter_case_and_spaces_is_not_mailed(sender, nurture):
    contact = ContactFactory(first_name="Ana", email="ana@example.com")
    if sender == "rule":
        queued = _queued_rule_email(contact)
    elif sender == "series":
        _welcome_series()
        queued = _recorded_series_email(contact)
    else:
        queued = _recorded_campaign_email(nurture, contact)
    _legacy_suppression(contact, "  Ana@Example.COM ")
    assert SuppressedAddress.objects.get().email == "ana@example.com"

    if sender == "rule":
        assert outbound_email_send(email_id=queued.pk) is False
    else:
        assert email_send_deliver(send_id=queued.pk) is False

    assert mail.outbox == []
    queued.refresh_from_db()
    assert (queued.sent_at, queued.error) == (None, SUPPRESSED_BOUNCE)


@pytest.mark.parametrize("sender", ["campaign", "series", "rule"])
def test_an_opted_out_contact_without_a_suppression_is_not_mailed(sender, nurture):
    contact = ContactFactory(first_name="Ana", email="Ana@Example.com")
    if sender == "rule":
        queued = _queued_rule_email(contact)
    elif sender == "series":
        _welcome_series()
        queued = _recorded_series_email(contact)
    else:
        queued = _recorded_campaign_email(nurture, contact)
    Contact.objects.filter(pk=contact.pk).update(opted_out=True)  # no suppression row

    if sender == "rule":
        assert outbound_email_send(email_id=queued.pk) is False
    else:
        assert email_send_deliver(send_id=queued.pk) is False

    assert mail.outbox == []
    assert SuppressedAddress.objects.count() == 0
    queued.refresh_from_db()
    assert (queued.sent_at, queued.error) == (None, OPTED_OUT)


# --- enrollment and the tick ask the same check early -------------------------------------


def test_enrollment_is_refused_for_an_address_suppressed_in_other_letter_case(nurture):
    contact = ContactFactory(first_name="Ana", email="ana@example.com")
    _legacy_suppression(contact, "ANA@example.com ")
    contact.refresh_from_db()
    assert contact.opted_out is False

    with pytest.raises(ValidationError) as refused:
        enrollment_create(campaign=nurture, contact=contact)

    assert refused.value.message_dict == {"contact": ["This contact opted out of email."]}
    assert welcome_enroll(contact=contact) == []
    assert Enrollment.objects.count() == 0


def test_the_tick_ends_an_enrollment_whose_address_was_suppressed_and_records_no_email(nurture):
    contact = ContactFactory(first_name="Ana", email="ana@example.com")
    enrollment = campaign_enroll_contact(campaign=nurture, contact=contact)
    _legacy_suppression(contact, "Ana@Example.com")

    due_steps_run()

    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.exit_reason) == ("exited", "opted_out")
    assert EmailSend.objects.count() == 0
    assert mail.outbox == []


# --- every marketing email carries the link and the headers --------------------------------


def _assert_unsubscribable(message, url: str) -> None:
    assert message.extra_headers["List-Unsubscribe"] == f"<{url}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"Unsubscribe: {url}\n" in message.body
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    assert f'href="{url}"' in html


def test_campaign_email_carries_the_unsubscribe_link_and_headers(nurture, contact):
    send = _recorded_campaign_email(nurture, contact)
    assert email_send_deliver(send_id=send.pk) is True
    (message,) = mail.outbox
    _assert_unsubscribable(message, unsubscribe_url(contact))


def test_series_email_carries_the_unsubscribe_link_and_headers(contact):
    _welcome_series()
    send = _recorded_series_email(contact)
    assert email_send_deliver(send_id=send.pk) is True
    (message,) = mail.outbox
    _assert_unsubscribable(message, unsubscribe_url(contact))


def test_rule_email_carries_the_unsubscribe_link_in_text_and_html_and_headers(contact):
    email = _queued_rule_email(contact)
    assert outbound_email_send(email_id=email.pk) is True
    (message,) = mail.outbox
    assert email.unsubscribe_url == unsubscribe_url(contact)
    _assert_unsubscribable(message, email.unsubscribe_url)
    assert message.body.startswith(f"Hello {contact.full_name}.\n")


def test_list_unsubscribe_offers_the_configured_mailbox_too(contact, settings):
    settings.GOALPOST_UNSUBSCRIBE_MAILTO = "unsubscribe@example.com"
    email = _queued_rule_email(contact)
    outbound_email_send(email_id=email.pk)
    (message,) = mail.outbox
    assert message.extra_headers["List-Unsubscribe"] == (
        f"<{email.unsubscribe_url}>, <mailto:unsubscribe@example.com?subject=unsubscribe>"
    )


def test_the_rule_emails_link_opens_a_page_and_one_click_post_suppresses(contact, client):
    email = _queued_rule_email(contact)
    path = email.unsubscribe_url.removeprefix("http://127.0.0.1:8000")

    page = client.get(path)
    assert page.status_code == 200
    assert "Stop marketing email to ada@example.com?" in page.text
    assert SuppressedAddress.objects.count() == 0

    assert _one_click(client, email.unsubscribe_url).status_code == 200
    suppression = SuppressedAddress.objects.get()
    assert (suppression.email, suppression.reason, suppression.contact) == (
        "ada@example.com",
        "unsubscribe",
        contact,
    )
    contact.refresh_from_db()
    assert contact.opted_out is True
