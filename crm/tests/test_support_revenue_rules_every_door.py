"""A ticket's, a purchase's, a subscription's, a contact's and a note's business rules live in the services
(issue 18), so each refuses the same way through two doors: the API, and the service the
spreadsheet import, the inbound email or the demo/billing code calls. A refusal stores
nothing and writes no domain event.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from crm.models import (
    Contact,
    DomainEvent,
    Note,
    NpsResponse,
    Purchase,
    Referral,
    Subscription,
    Ticket,
    TicketReply,
)
from crm.services.contacts import contact_create, contact_update, nps_record, referral_record
from crm.services.deals import deal_create, deal_mark_won
from crm.services.notes import note_create, note_update
from crm.services.revenue import (
    purchase_record,
    purchase_update,
    subscription_create,
    subscription_update,
)
from crm.services.support import ticket_open, ticket_respond, ticket_update
from crm.tests.factories import ContactFactory, TicketFactory, pipeline_with_stages
from crm.tests.test_import_jobs import make_job, report_lines, start_and_run

pytestmark = pytest.mark.django_db

OPENED = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
BEFORE = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
AFTER = datetime(2025, 6, 3, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _import_ticket(manager, header, row):
    """Import one ticket row; return the job's (row, column, message) errors."""
    job = start_and_run(
        make_job(manager, "tickets", [["Subject", *header], ["Imported", *row]]), manager
    )
    return [(line[0], line[1], line[2]) for line in report_lines(job)[1:]]


def _refusal(call):
    with pytest.raises(ValidationError) as refused:
        call()
    return refused.value.message_dict


# --- tickets --------------------------------------------------------------------------


def test_only_a_resolved_ticket_has_a_resolution_time_through_the_api_and_the_import_service(
    support_agent, api_as
):
    api = api_as(support_agent).post(
        "/api/tickets/",
        {"subject": "Still open", "status": "pending", "resolved_at": AFTER.isoformat()},
        format="json",
    )
    # ticket_open is what the ticket import writes each row with.
    service = _refusal(
        lambda: ticket_open(
            actor=support_agent, subject="Still open", status="pending", resolved_at=AFTER
        )
    )

    message = "Only a resolved or closed ticket has a resolution time."
    assert (api.status_code, api.data) == (400, {"resolved_at": [message]})
    assert service == {"resolved_at": [message]}
    assert not Ticket.objects.exists()
    assert not DomainEvent.objects.exists()


def test_an_edit_cannot_give_an_open_ticket_a_resolution_time_through_the_api_and_the_service(
    support_agent, api_as
):
    ticket = TicketFactory(opened_at=OPENED)

    api = api_as(support_agent).patch(
        f"/api/tickets/{ticket.pk}/",
        {"priority": "urgent", "status": "pending", "resolved_at": AFTER.isoformat()},
        format="json",
    )
    # ticket_update is what the bulk actions and the browser edit form call.
    service = _refusal(
        lambda: ticket_update(
            ticket=ticket,
            actor=support_agent,
            data={"priority": "urgent", "status": "pending", "resolved_at": AFTER},
        )
    )

    message = "Only a resolved or closed ticket has a resolution time."
    assert (api.status_code, api.data) == (400, {"resolved_at": [message]})
    assert service == {"resolved_at": [message]}
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.status, ticket.resolved_at) == ("normal", "open", None)
    assert not DomainEvent.objects.exists()


@pytest.mark.parametrize(
    ("moment", "column"),
    [("resolved_at", "Resolved at"), ("first_response_at", "First response at")],
)
def test_no_moment_before_the_opening_through_the_api_the_import_and_its_service(
    support_agent, manager, api_as, moment, column
):
    status = {"status": "resolved"} if moment == "resolved_at" else {}
    api = api_as(support_agent).post(
        "/api/tickets/",
        {"subject": "Early", "opened_at": OPENED.isoformat(), moment: BEFORE.isoformat(), **status},
        format="json",
    )
    service = _refusal(
        lambda: ticket_open(
            actor=support_agent, subject="Early", opened_at=OPENED, **{moment: BEFORE}, **status
        )
    )
    imported = _import_ticket(
        manager,
        ["Status", "Opened at", column],
        ["resolved", "2025-06-02 08:00", "2025-06-01 08:00"],
    )

    message = "This cannot be before the ticket was opened."
    assert (api.status_code, api.data) == (400, {moment: [message]})
    assert service == {moment: [message]}
    assert imported == [("2", column, message)]
    assert not Ticket.objects.exists()
    assert not DomainEvent.objects.exists()


def test_a_ticket_with_a_resolution_time_and_no_status_is_resolved_through_every_door(
    support_agent, manager, api_as
):
    api = api_as(support_agent).post(
        "/api/tickets/",
        {"subject": "Migrated", "opened_at": OPENED.isoformat(), "resolved_at": AFTER.isoformat()},
        format="json",
    )
    service = ticket_open(
        actor=support_agent, subject="Migrated too", opened_at=OPENED, resolved_at=AFTER
    )
    imported = _import_ticket(manager, ["Opened at", "Resolved at"], ["2025-06-02", "2025-06-03"])

    assert api.status_code == 201, api.data
    assert (api.data["status"], service.status) == ("resolved", "resolved")
    assert imported == []
    assert Ticket.objects.get(subject="Imported").status == "resolved"
    assert DomainEvent.objects.filter(kind="ticket.resolved").count() == 3


def test_a_reply_is_not_dated_before_the_opening_through_the_api_and_the_service(
    support_agent, api_as
):
    ticket = TicketFactory(opened_at=OPENED)

    api = api_as(support_agent).post(
        f"/api/tickets/{ticket.pk}/reply/",
        {"body": "Too early", "created_at": BEFORE.isoformat()},
        format="json",
    )
    # ticket_respond with a moment is how a migration records historical replies.
    service = _refusal(
        lambda: ticket_respond(ticket=ticket, actor=support_agent, body="Too early", at=BEFORE)
    )

    message = "This cannot be before the ticket was opened."
    assert (api.status_code, api.data) == (400, {"created_at": [message]})
    assert service == {"created_at": [message]}
    ticket.refresh_from_db()
    assert (ticket.status, ticket.first_response_at) == ("open", None)
    assert not TicketReply.objects.exists()
    assert not DomainEvent.objects.exists()


# --- purchases and subscriptions ------------------------------------------------------


@pytest.fixture
def won_deal(manager):
    stages = pipeline_with_stages(is_default=True)[1]
    deal = deal_create(
        actor=manager,
        title="Won",
        value=Decimal("100.00"),
        stage=stages[0],
        contact=ContactFactory(),
    )
    return deal_mark_won(deal=deal, actor=manager)


def test_a_deal_has_one_standing_purchase_through_the_api_and_the_record_service(
    manager, api_as, won_deal
):
    contact = won_deal.contact
    events = DomainEvent.objects.count()

    api = api_as(manager).post(
        "/api/purchases/",
        {"contact": contact.pk, "amount": "5.00", "deal": won_deal.pk},
        format="json",
    )
    # purchase_record is what the purchase import, billing and the demo data call.
    service = _refusal(
        lambda: purchase_record(actor=manager, contact=contact, amount=5, deal=won_deal)
    )

    message = "This deal already has a purchase."
    assert (api.status_code, api.data) == (400, {"deal": [message]})
    assert service == {"deal": [message]}
    assert list(Purchase.objects.values_list("amount", flat=True)) == [Decimal("100.00")]
    assert DomainEvent.objects.count() == events


def test_a_purchase_cannot_move_onto_a_deal_with_one_through_the_api_and_the_service(
    manager, api_as, won_deal
):
    other = purchase_record(actor=manager, contact=won_deal.contact, amount=7)

    api = api_as(manager).patch(
        f"/api/purchases/{other.pk}/", {"amount": "8.00", "deal": won_deal.pk}, format="json"
    )
    service = _refusal(
        lambda: purchase_update(
            purchase=other, actor=manager, data={"amount": Decimal("8.00"), "deal": won_deal}
        )
    )

    message = "This deal already has a purchase."
    assert (api.status_code, api.data) == (400, {"deal": [message]})
    assert service == {"deal": [message]}
    other.refresh_from_db()
    assert (other.amount, other.deal) == (Decimal("7.00"), None)


def test_renewal_is_not_due_before_the_start_through_the_api_and_the_service(manager, api_as):
    contact = ContactFactory()

    api = api_as(manager).post(
        "/api/subscriptions/",
        {
            "contact": contact.pk,
            "plan": "Pro",
            "amount": "49.00",
            "started_at": OPENED.isoformat(),
            "renewal_due": "2025-01-01",
        },
        format="json",
    )
    # subscription_create is what billing (and the demo data) call.
    service = _refusal(
        lambda: subscription_create(
            actor=manager,
            contact=contact,
            plan="Pro",
            amount=Decimal("49.00"),
            started_at=OPENED,
            renewal_due=date(2025, 1, 1),
        )
    )

    message = "Renewal cannot be due before the start."
    assert (api.status_code, api.data) == (400, {"renewal_due": [message]})
    assert service == {"renewal_due": [message]}
    assert not Subscription.objects.exists()
    assert not DomainEvent.objects.exists()


def test_an_edit_cannot_move_the_renewal_before_the_start_through_the_api_and_the_service(
    manager, api_as
):
    subscription = subscription_create(
        actor=manager,
        contact=ContactFactory(),
        plan="Pro",
        amount=Decimal("49.00"),
        started_at=OPENED,
        renewal_due=date(2026, 6, 2),
    )

    api = api_as(manager).patch(
        f"/api/subscriptions/{subscription.pk}/",
        {"plan": "Team", "renewal_due": "2025-01-01"},
        format="json",
    )
    service = _refusal(
        lambda: subscription_update(
            subscription=Subscription.objects.get(pk=subscription.pk),
            actor=manager,
            data={"plan": "Team", "renewal_due": date(2025, 1, 1)},
        )
    )

    message = "Renewal cannot be due before the start."
    assert (api.status_code, api.data) == (400, {"renewal_due": [message]})
    assert service == {"renewal_due": [message]}
    subscription.refresh_from_db()
    assert (subscription.plan, subscription.renewal_due) == ("Pro", date(2026, 6, 2))


# --- contacts, referrals, NPS ---------------------------------------------------------


def test_a_customer_does_not_churn_before_becoming_one_through_the_api_and_the_service(
    manager, api_as
):
    contact = ContactFactory(last_name="Kept", customer_since=OPENED)
    events = DomainEvent.objects.count()

    api = api_as(manager).patch(
        f"/api/contacts/{contact.pk}/",
        {"last_name": "Changed", "churned_at": BEFORE.isoformat()},
        format="json",
    )
    # contact_create is what the contact import writes each new row with.
    service = _refusal(
        lambda: contact_create(
            actor=manager, first_name="Imported", customer_since=OPENED, churned_at=BEFORE
        )
    )

    message = "A customer cannot churn before becoming one."
    assert (api.status_code, api.data) == (400, {"churned_at": [message]})
    assert service == {"churned_at": [message]}
    contact.refresh_from_db()
    assert (contact.last_name, contact.churned_at) == ("Kept", None)
    assert list(Contact.objects.values_list("pk", flat=True)) == [contact.pk]
    assert DomainEvent.objects.count() == events


def test_a_contact_cannot_refer_themselves_through_the_api_and_the_service(manager, api_as):
    contact = ContactFactory(last_name="Kept")

    api = api_as(manager).patch(
        f"/api/contacts/{contact.pk}/",
        {"last_name": "Changed", "referred_by": contact.pk},
        format="json",
    )
    # contact_update is what the import (update rows, merges) calls.
    service = _refusal(
        lambda: contact_update(
            contact=Contact.objects.get(pk=contact.pk),
            actor=manager,
            data={"last_name": "Changed", "referred_by": contact},
        )
    )

    message = "A contact cannot refer themselves."
    assert (api.status_code, api.data) == (400, {"referred_by": [message]})
    assert service == {"referred_by": [message]}
    contact.refresh_from_db()
    assert (contact.last_name, contact.referred_by) == ("Kept", None)


def test_a_referral_names_two_contacts_through_the_api_and_the_service(manager, api_as):
    contact = ContactFactory()

    api = api_as(manager).post(
        "/api/referrals/", {"referrer": contact.pk, "referred": contact.pk}, format="json"
    )
    service = _refusal(lambda: referral_record(actor=manager, referrer=contact, referred=contact))

    message = "A contact cannot refer themselves."
    assert (api.status_code, api.data) == (400, {"referred": [message]})
    assert service == {"referred": [message]}
    assert not Referral.objects.exists()
    contact.refresh_from_db()
    assert contact.referred_by is None


def test_an_nps_score_lies_on_its_scale_through_the_api_and_the_service(manager, api_as):
    contact = ContactFactory()

    api = api_as(manager).post(
        "/api/nps-responses/", {"contact": contact.pk, "score": 7, "scale": 5}, format="json"
    )
    # nps_record is the one write path: the API view and the demo data call it.
    service = _refusal(lambda: nps_record(actor=manager, contact=contact, score=0, scale=5))

    assert (api.status_code, api.data) == (
        400,
        {"score": ["On the 1–5 scale the score is between them."]},
    )
    assert service == {"score": ["On the 1–5 scale the score is between them."]}
    assert not NpsResponse.objects.exists()


# --- notes ----------------------------------------------------------------------------


def test_a_note_is_on_exactly_one_record_through_the_api_and_the_service(manager, api_as):
    contact, ticket = ContactFactory(), TicketFactory()

    api = api_as(manager).post(
        "/api/notes/",
        {"body": "Where?", "contact": contact.pk, "ticket": ticket.pk},
        format="json",
    )
    # note_create is what the browser's note forms call, with the record from the URL.
    with pytest.raises(ValidationError) as service:
        note_create(actor=manager, body="Where?", contact=contact, ticket=ticket)

    message = "A note belongs to exactly one deal, contact, company or ticket."
    assert (api.status_code, api.data) == (400, {"non_field_errors": [message]})
    assert service.value.messages == [message]
    assert not Note.objects.exists()


def test_a_note_stays_on_its_record_through_the_api_and_the_service(manager, api_as):
    contact, other = ContactFactory(), ContactFactory()
    note = note_create(actor=manager, body="Kept", contact=contact)

    api = api_as(manager).patch(
        f"/api/notes/{note.pk}/", {"body": "Moved", "contact": other.pk}, format="json"
    )
    # note_update is what the browser's note edit form calls.
    service = _refusal(
        lambda: note_update(
            note=Note.objects.get(pk=note.pk),
            actor=manager,
            data={"body": "Moved", "contact": other},
        )
    )
    same_record = api_as(manager).patch(
        f"/api/notes/{note.pk}/", {"pinned": True, "contact": contact.pk}, format="json"
    )

    message = "A note stays on the record it was written on."
    assert (api.status_code, api.data) == (400, {"contact": [message]})
    assert service == {"contact": [message]}
    assert same_record.status_code == 200, same_record.data
    note.refresh_from_db()
    assert (note.body, note.contact, note.pinned, note.edited_at) == ("Kept", contact, True, None)
