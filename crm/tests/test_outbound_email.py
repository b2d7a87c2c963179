"""The outbound-email service: the one consent check and what each kind of mail gets."""

import pytest
from django.core import mail

from crm.services.consent import address_suppress
from crm.services.outbound_email import (
    ConsentRefusal,
    EmailRefused,
    MailKind,
    email_consent_refusal,
    outbound_email_send,
)
from crm.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

URL = "https://crm.example.com/m/unsubscribe/1:abc/"


def test_the_check_compares_addresses_trimmed_and_case_folded():
    address_suppress(email="ana@example.com", reason="complaint")

    assert email_consent_refusal(address="Ana@Example.COM ") == ConsentRefusal(
        "suppressed", "complaint"
    )
    assert email_consent_refusal(address="bo@example.com") is None
    assert email_consent_refusal(address="  ") == ConsentRefusal("no_address")


def test_the_check_refuses_an_opted_out_contact_by_address_or_by_id():
    contact = ContactFactory(email="Cy@Example.com", opted_out=True)

    assert email_consent_refusal(address="cy@example.com ") == ConsentRefusal("opted_out")
    # The contact the email was written for, though it went to an older address.
    assert email_consent_refusal(address="old@example.com", contact_id=contact.pk) == (
        ConsentRefusal("opted_out")
    )


@pytest.mark.parametrize("kind", [MailKind.MARKETING, MailKind.CONTACT])
def test_marketing_and_contact_mail_to_a_suppressed_address_is_refused(kind):
    address_suppress(email="ana@example.com", reason="unsubscribe")

    with pytest.raises(EmailRefused) as refused:
        outbound_email_send(
            kind=kind, to="ANA@example.com", subject="s", body="b", unsubscribe_url=URL
        )

    assert refused.value.refusal == ConsentRefusal("suppressed", "unsubscribe")
    assert mail.outbox == []


def test_transactional_mail_is_not_held_by_marketing_consent():
    address_suppress(email="staff@example.com", reason="unsubscribe")

    outbound_email_send(kind=MailKind.TRANSACTIONAL, to="staff@example.com", subject="s", body="b")

    (message,) = mail.outbox
    assert (message.to, message.extra_headers) == (["staff@example.com"], {})


def test_marketing_mail_without_an_unsubscribe_url_is_a_programming_error():
    with pytest.raises(ValueError, match="unsubscribe URL"):
        outbound_email_send(kind=MailKind.MARKETING, to="a@example.com", subject="s", body="b")
    assert mail.outbox == []


def test_marketing_mail_gets_the_footer_in_both_parts_once():
    outbound_email_send(
        kind=MailKind.MARKETING,
        to="a@example.com",
        subject="s",
        body="Hello",
        html="<p>Hello</p>",
        unsubscribe_url=URL,
        footer_language="de",
    )
    outbound_email_send(
        kind=MailKind.MARKETING,
        to="b@example.com",
        subject="s",
        body=f"Hello\n\nUnsubscribe: {URL}\n",
        html=f'<p>Hello</p><a href="{URL}">x</a>',
        unsubscribe_url=URL,
    )

    first, second = mail.outbox
    assert first.body == f"Hello\n\n-- \nAbbestellen: {URL}\n"
    assert first.alternatives[0][0].count(f'href="{URL}"') == 1
    assert '<p style="font-size:small" lang="de" dir="ltr">' in first.alternatives[0][0]
    assert second.body == f"Hello\n\nUnsubscribe: {URL}\n"
    assert second.alternatives[0][0].count(f'href="{URL}"') == 1
