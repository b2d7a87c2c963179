"""Each consent check, each through a door a person or a rule uses (issue 18).

The send asks the one gate (`email_consent_refusal`) again, so the early checks never
decide whether mail leaves; they decide what people are told and what is written before
it: the run log's words, the dry run's counts, an enrollment or a discount code that must
not exist, a survey button that must not show, and a suppression row that must. The last
tests show the send's own check where an early one passed: a suppression committed in
between, and an email recorded for an address the contact has since left. Removing any one
of these checks fails a test here.
"""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from automation.dry_run import rule_dry_run
from automation.engine import event_handle
from automation.marketing.models import DiscountCode, NpsSurvey
from automation.marketing.services.campaigns import campaign_plan_update
from automation.marketing.services.emails import (
    email_send_deliver,
    email_send_record,
    unsubscribe_url,
)
from automation.marketing.services.enrollments import campaign_enroll_contact, welcome_enroll
from automation.models import Enrollment, ExitReason, Rule, Run
from automation.services.rules import rule_create
from crm.models import Contact, DomainEvent, EmailMessage, SuppressedAddress
from crm.services import emails
from crm.services.consent import address_suppress
from crm.services.contacts import contact_create, contact_update
from crm.services.outbound_email import contacts_mailable
from crm.services.support import ticket_open
from crm.tests.factories import CampaignFactory, ContactFactory

from .conftest import email_wait_email

pytestmark = pytest.mark.django_db


def _every_mail_action(campaign):
    Rule.objects.update(enabled=False)  # the seeded defaults stay out of the way
    return rule_create(
        actor=None,
        name="Greet every way",
        triggers=["contact.created"],
        actions=[
            {"type": "enroll_in_campaign", "params": {"campaign": campaign.pk}},
            {"type": "send_email", "params": {"subject": "Hi", "body": "Hello {contact}."}},
            {"type": "send_discount_code", "params": {"percent_off": 10, "valid_days": 30}},
            {"type": "send_nps_survey", "params": {"valid_days": 14}},
        ],
    )


def _handle_all():
    for event in DomainEvent.objects.filter(processed_at__isnull=True).order_by("pk"):
        event_handle(event_id=event.pk)


def test_a_rule_writes_nothing_for_an_opted_out_contact_and_its_log_says_why(nurture, rep):
    _every_mail_action(nurture)
    ada = contact_create(actor=rep, first_name="Ada", email="ada@example.com")
    gone = contact_create(actor=rep, first_name="Gone", email="gone@example.com", opted_out=True)

    _handle_all()

    run = Run.objects.get(subject_id=gone.pk)
    assert [step["summary"] for step in run.outcome] == [
        "contact opted out; not enrolled",
        "contact opted out; no email sent",
        "no contact to email (missing address or opted out)",
        "no contact to survey (missing address or opted out)",
    ]
    assert run.status == "succeeded"
    assert not Enrollment.objects.filter(contact=gone).exists()
    assert not DiscountCode.objects.filter(contact=gone).exists()
    assert not NpsSurvey.objects.filter(contact=gone).exists()
    # The same rule acted for the contact who may be mailed.
    assert Enrollment.objects.filter(contact=ada).count() == 1
    assert DiscountCode.objects.filter(contact=ada).count() == 1
    assert NpsSurvey.objects.filter(contact=ada).count() == 1


def test_a_dry_run_counts_only_the_contacts_who_may_be_mailed(nurture, rep):
    rule = _every_mail_action(nurture)
    for name in ("Ada", "Bo"):
        contact_create(actor=rep, first_name=name, email=f"{name.lower()}@example.com")
    contact_create(actor=rep, first_name="Gone", email="gone@example.com", opted_out=True)
    contact_create(actor=rep, first_name="Nomail", email="")

    report = rule_dry_run(rule=rule, days=1)

    assert (report.events, report.matched) == (4, 4)
    assert {tally["key"]: tally["count"] for tally in report.tallies} == {
        f"enroll:{nurture.pk}": 2,
        "send_email": 2,
        "send_discount_code": 2,
        "send_nps_survey": 2,
    }


def test_a_welcome_series_does_not_enroll_an_opted_out_contact(rep):
    series = CampaignFactory(name="Welcome")
    email_wait_email(series)
    campaign_plan_update(campaign=series, actor=None, data={"welcome_series": True})
    gone = ContactFactory(first_name="Gone", email="gone@example.com", opted_out=True)
    welcome = ContactFactory(first_name="Wel", email="wel@example.com")

    assert welcome_enroll(contact=gone) == []
    assert [e.campaign for e in welcome_enroll(contact=welcome)] == [series]
    assert not Enrollment.objects.filter(contact=gone).exists()


def test_unsubscribing_ends_the_enrollments_at_once(nurture, contact, client):
    enrollment = campaign_enroll_contact(campaign=nurture, contact=contact)

    response = client.post(
        unsubscribe_url(contact).removeprefix("http://127.0.0.1:8000"),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.exit_reason) == ("exited", ExitReason.OPTED_OUT)


def test_bulk_enrollment_skips_an_address_on_the_list_whatever_the_contacts_flag_says():
    ContactFactory(first_name="Ada", email="ada@example.com")
    ContactFactory(first_name="Flag", email="flag@example.com", opted_out=True)
    legacy = ContactFactory(first_name="Legacy", email="Legacy@Example.com")
    address_suppress(email="legacy@example.com", reason="bounce")
    Contact.objects.filter(pk=legacy.pk).update(opted_out=False)  # a row from before the list
    ContactFactory(first_name="Nomail", email="")

    names = contacts_mailable(Contact.objects.all()).values_list("first_name", flat=True)

    assert sorted(names) == ["Ada"]


def _assert_suppressed_by(contact, user):
    """The contact is opted out and its address, case-folded, is on the list by `user`."""
    entry = SuppressedAddress.objects.get()
    assert (entry.email, entry.reason, entry.contact_id, entry.created_by) == (
        "ada@example.com",
        "unsubscribe",
        contact.pk,
        user,
    )
    contact.refresh_from_db()
    assert contact.opted_out is True


@pytest.mark.parametrize("door", ["api", "browser"])
def test_a_contact_created_opted_out_puts_the_address_on_the_suppression_list(
    door, manager, api_as, client
):
    data = {"first_name": "Ada", "email": "Ada@Example.com", "lifecycle": "lead"}
    if door == "api":
        response = api_as(manager).post("/api/contacts/", {**data, "opted_out": True})
        assert response.status_code == 201, response.data
    else:
        client.force_login(manager)
        response = client.post(reverse("web:contact_create"), {**data, "opted_out": "on"})
        assert response.status_code == 302

    _assert_suppressed_by(Contact.objects.get(), manager)


@pytest.mark.parametrize("door", ["api", "browser"])
def test_opting_a_contact_out_puts_the_address_on_the_suppression_list(
    door, manager, api_as, client
):
    contact = ContactFactory(first_name="Ada", email="Ada@Example.com")
    if door == "api":
        response = api_as(manager).patch(
            f"/api/contacts/{contact.pk}/", {"opted_out": True}, format="json"
        )
        assert response.status_code == 200, response.data
    else:
        client.force_login(manager)
        response = client.post(
            reverse("web:contact_edit", args=[contact.pk]),
            {"first_name": "Ada", "email": "Ada@Example.com", "lifecycle": "lead",
             "opted_out": "on"},
        )  # fmt: skip
        assert response.status_code == 302

    _assert_suppressed_by(contact, manager)


def test_a_campaign_email_is_not_sent_to_the_old_address_of_a_contact_who_opted_out(nurture):
    """The send asks the gate for the contact it was written for, not only its address: an
    email recorded before the contact changed address and opted out stays unsent."""
    contact = ContactFactory(first_name="Ada", email="ada@old.example")
    send = email_send_record(contact=contact, subject="Hi", body="Body")
    contact_update(
        contact=contact, actor=None, data={"email": "ada@new.example", "opted_out": True}
    )

    assert email_send_deliver(send_id=send.pk) is False

    assert mail.outbox == []
    send.refresh_from_db()
    assert (send.to, send.error) == ("ada@old.example", "not sent: contact opted out of email")


def test_an_email_from_a_record_asks_the_gate_again_when_it_is_sent(rep, monkeypatch):
    """A suppression committed between the form's early check and the send (an unsubscribe
    click in that moment) still stops the email."""
    contact = ContactFactory(first_name="Ada", email="ada@example.com", owner=rep)
    checked_early = emails.email_address_check

    def early_check_then_unsubscribed(checked):
        checked_early(checked)
        address_suppress(email="ada@example.com", reason="unsubscribe")

    monkeypatch.setattr(emails, "email_address_check", early_check_then_unsubscribed)

    with pytest.raises(ValidationError) as refused:
        emails.email_send(actor=rep, contact=contact, subject="Hi", body="Text")

    assert refused.value.message_dict == {
        "contact": ["ada@example.com is on the suppression list; nothing was sent."]
    }
    assert mail.outbox == []
    assert not EmailMessage.objects.exists()


def test_a_ticket_offers_no_nps_survey_for_an_opted_out_contact(client, support_agent):
    gone = ContactFactory(first_name="Gone", email="gone@example.com", opted_out=True)
    here = ContactFactory(first_name="Here", email="here@example.com")
    client.force_login(support_agent)

    def page(contact) -> str:
        ticket = ticket_open(actor=support_agent, subject="Help", contact=contact)
        return client.get(reverse("web:ticket_detail", args=[ticket.pk])).text

    assert reverse("marketing:nps_send", args=[here.pk]) in page(here)
    assert reverse("marketing:nps_send", args=[gone.pk]) not in page(gone)
