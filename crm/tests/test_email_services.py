"""Email from records: the send gate, placeholders, identity headers, reply matching."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from crm.models import (
    DomainEvent,
    DomainEventKind,
    EmailDirection,
    EmailMessage,
    EmailSource,
    Interaction,
    InteractionKind,
    SuppressedAddress,
    TicketStatus,
)
from crm.services.emails import (
    email_inbound_receive,
    email_reply_by_hand,
    email_reply_match,
    email_send,
)
from crm.services.support import ticket_reply_deliver, ticket_respond
from crm.services.workspace import email_sender_set
from crm.tests.factories import ContactFactory, DealFactory, TicketFactory, pipeline_with_stages

pytestmark = pytest.mark.django_db

INBOUND = override_settings(GOALPOST_INBOUND_EMAIL_DOMAIN="reply.crm.example")


@pytest.fixture
def stages(db):
    return pipeline_with_stages(is_default=True)[1]


@pytest.fixture
def deal(rep, stages):
    contact = ContactFactory(
        first_name="Elif", last_name="Kaya", email="elif@example.com", owner=rep
    )
    return DealFactory(title="Fleet renewal", stage=stages[0], owner=rep, contact=contact)


def test_send_fills_placeholders_and_logs_the_email_on_the_deal(rep, deal):
    message = email_send(
        actor=rep, deal=deal, subject="About {deal}", body="Hello {first_name}, {unknown} stays."
    )

    assert [m.to for m in mail.outbox] == [["elif@example.com"]]
    assert mail.outbox[0].subject == "About Fleet renewal"
    assert mail.outbox[0].body == "Hello Elif, {unknown} stays."
    assert (message.direction, message.source) == (EmailDirection.SENT, EmailSource.COMPOSED)
    assert (message.deal, message.contact, message.author) == (deal, deal.contact, rep)
    assert message.body == "Hello Elif, {unknown} stays."


def test_send_uses_the_sender_identity_and_carries_message_id_and_reply_token(rep, deal):
    email_sender_set(actor=None, from_name="Acme Sales", from_address="sales@acme.example")
    with INBOUND:
        message = email_send(actor=rep, deal=deal, subject="Hi", body="Text")

    sent = mail.outbox[0]
    assert sent.from_email == "Acme Sales <sales@acme.example>"
    assert len(message.reply_token) == 24
    assert message.message_id == f"<goalpost.{message.reply_token}@reply.crm.example>"
    assert sent.extra_headers["Message-ID"] == message.message_id
    assert sent.extra_headers["Reply-To"] == f"reply+{message.reply_token}@reply.crm.example"
    assert f"Message-ID: {message.message_id}" in sent.message().as_string()


def test_without_an_inbound_domain_there_is_no_reply_to_but_a_message_id(rep, deal):
    with override_settings(GOALPOST_INBOUND_EMAIL_DOMAIN=""):
        message = email_send(actor=rep, deal=deal, subject="Hi", body="Text")

    assert "Reply-To" not in mail.outbox[0].extra_headers
    assert message.message_id.endswith("@goalpost.invalid>")


def test_a_suppressed_address_is_refused_and_nothing_is_sent_or_logged(rep, deal):
    SuppressedAddress.objects.create(email="elif@example.com", reason="unsubscribe")

    with pytest.raises(ValidationError) as error:
        email_send(actor=rep, deal=deal, subject="Hi", body="Text")

    assert "suppression list" in error.value.message_dict["contact"][0]
    assert mail.outbox == []
    assert not EmailMessage.objects.exists()


def test_an_opted_out_contact_is_refused(rep, deal):
    deal.contact.opted_out = True
    deal.contact.save()

    with pytest.raises(ValidationError) as error:
        email_send(actor=rep, deal=deal, subject="Hi", body="Text")

    assert "opted out" in error.value.message_dict["contact"][0]
    assert mail.outbox == []


def test_a_contact_without_address_or_a_deal_without_contact_is_refused(rep, stages):
    no_address = ContactFactory(email="", owner=rep)
    with pytest.raises(ValidationError) as error:
        email_send(actor=rep, contact=no_address, subject="Hi", body="Text")
    assert "no email address" in error.value.message_dict["contact"][0]

    bare = DealFactory(stage=stages[0], owner=rep, contact=None)
    with pytest.raises(ValidationError) as error:
        email_send(actor=rep, deal=bare, subject="Hi", body="Text")
    assert "deal" in error.value.message_dict
    assert mail.outbox == []


def test_a_rep_cannot_email_from_another_reps_deal_or_contact(rep, other_rep, stages):
    theirs = DealFactory(stage=stages[0], owner=other_rep, contact=ContactFactory())
    with pytest.raises(ValidationError) as error:
        email_send(actor=rep, deal=theirs, subject="Hi", body="Text")
    assert "deal" in error.value.message_dict

    their_contact = ContactFactory(owner=other_rep)
    with pytest.raises(ValidationError):
        email_send(actor=rep, contact=their_contact, subject="Hi", body="Text")
    assert mail.outbox == []


def test_support_emails_from_a_ticket_as_a_ticket_reply(support_agent):
    ticket = TicketFactory(contact=ContactFactory(email="cu@example.com"), subject="Login")

    message = email_send(actor=support_agent, ticket=ticket, subject="Re: {ticket}", body="Fixed")

    ticket.refresh_from_db()
    reply = ticket.replies.get()
    assert mail.outbox[0].subject == "Re: Login"
    assert (message.ticket, message.ticket_reply) == (ticket, reply)
    assert reply.emailed_to == "cu@example.com" and reply.emailed_at is not None
    assert ticket.first_response_at is not None and ticket.status == TicketStatus.PENDING


def test_a_rep_may_not_email_from_a_ticket(rep):
    ticket = TicketFactory(contact=ContactFactory(owner=rep))

    with pytest.raises(ValidationError) as error:
        email_send(actor=rep, ticket=ticket, subject="Hi", body="Text")

    assert "ticket" in error.value.message_dict


def test_ticket_replies_emailed_after_commit_are_logged_as_emails(support_agent):
    ticket = TicketFactory(contact=ContactFactory(email="cu@example.com"), subject="Login")
    reply = ticket_respond(ticket=ticket, actor=support_agent, body="On it", send_email=True)

    with INBOUND:
        assert ticket_reply_deliver(reply_id=reply.pk) is True

    message = EmailMessage.objects.get()
    assert (message.source, message.ticket, message.ticket_reply) == (
        EmailSource.TICKET_REPLY,
        ticket,
        reply,
    )
    assert mail.outbox[0].extra_headers["Message-ID"] == message.message_id
    assert ticket_reply_deliver(reply_id=reply.pk) is False
    assert EmailMessage.objects.count() == 1


def _sent(rep, deal):
    with INBOUND:
        return email_send(actor=rep, deal=deal, subject="Offer", body="Text")


def test_a_reply_is_matched_by_its_token_then_message_id_then_sender(rep, deal):
    first = _sent(rep, deal)
    latest = _sent(rep, deal)

    by_token = email_reply_match(
        recipients=f"reply+{first.reply_token}@reply.crm.example",
        in_reply_to="",
        references="",
        sender="someone-else@example.com",
    )
    by_id = email_reply_match(
        recipients="sales@acme.example",
        in_reply_to="",
        references=f"<x@y> {first.message_id}",
        sender="",
    )
    by_sender = email_reply_match(
        recipients="", in_reply_to="", references="", sender="Elif <ELIF@example.com>"
    )
    nobody = email_reply_match(
        recipients="", in_reply_to="<nope@x>", references="", sender="stranger@example.com"
    )

    assert by_token == (deal.contact, first)
    assert by_id == (deal.contact, first)
    assert by_sender == (deal.contact, latest)
    assert nobody == (None, None)


def test_an_inbound_reply_is_logged_and_recorded_as_email_replied_once(rep, deal):
    sent = _sent(rep, deal)

    for _delivery in range(2):  # the provider retries
        reply = email_inbound_receive(
            sender="Elif Kaya <elif@example.com>",
            recipients=f"reply+{sent.reply_token}@reply.crm.example",
            subject="Re: Offer",
            body="Sounds good.",
            message_id="<abc@mail.example>",
        )

    assert EmailMessage.objects.filter(direction=EmailDirection.RECEIVED).count() == 1
    assert (reply.parent, reply.deal, reply.contact) == (sent, deal, deal.contact)
    assert reply.source == EmailSource.INBOUND
    interaction = Interaction.objects.get()
    assert interaction.kind == InteractionKind.EMAIL_REPLIED
    assert interaction.details["email_message"] == reply.pk
    assert DomainEvent.objects.filter(
        kind=DomainEventKind.INTERACTION_RECORDED, subject_id=interaction.pk
    ).exists()


def test_an_inbound_email_answering_nothing_of_ours_is_not_recorded(rep, deal):
    assert (
        email_inbound_receive(sender="stranger@example.com", recipients="", subject="", body="Hi")
        is None
    )
    assert not Interaction.objects.exists()


def test_a_reply_recorded_by_hand_takes_the_same_path(rep, deal):
    sent = _sent(rep, deal)
    at = timezone.now() - timezone.timedelta(hours=2)

    reply = email_reply_by_hand(actor=rep, parent=sent, body="Pasted from Outlook", received_at=at)

    assert (reply.source, reply.author, reply.sent_at, reply.subject) == (
        EmailSource.MANUAL,
        rep,
        at,
        "Re: Offer",
    )
    assert Interaction.objects.get().occurred_at == at


def test_a_reply_by_hand_needs_the_right_to_email_from_the_record(rep, other_rep, deal):
    sent = _sent(rep, deal)

    with pytest.raises(ValidationError):
        email_reply_by_hand(actor=other_rep, parent=sent, body="x")
    with pytest.raises(ValidationError) as error:
        email_reply_by_hand(actor=rep, parent=sent, body="   ")
    assert "body" in error.value.message_dict
    assert not Interaction.objects.exists()
