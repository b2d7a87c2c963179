"""A rep sees the tickets of their own customers, whichever way a ticket or contact changed.

The rule reads `Ticket.customer_owner`, a copy of the contact's owner that database
triggers keep (crm migration 0029): each test changes the ticket or its contact by one
path and then asks the API as the reps what they see.
"""

import pytest

from crm.models import Contact, Ticket
from crm.services.contacts import contact_update
from crm.services.support import ticket_update
from crm.tests.factories import ContactFactory, TicketFactory

pytestmark = pytest.mark.django_db


def ticket_ids(api_as, user) -> set[int]:
    response = api_as(user).get("/api/tickets/")
    assert response.status_code == 200
    return {row["id"] for row in response.data["results"]}


def test_a_new_ticket_is_seen_by_its_customers_owner_only(api_as, support_agent, rep, other_rep):
    contact = ContactFactory(owner=rep)
    response = api_as(support_agent).post(
        "/api/tickets/", {"subject": "Invoice", "contact": contact.pk}, format="json"
    )
    assert response.status_code == 201, response.data

    assert ticket_ids(api_as, rep) == {response.data["id"]}
    assert ticket_ids(api_as, other_rep) == set()


def test_a_contact_handed_over_hands_its_tickets_along(api_as, manager, rep, other_rep):
    contact = ContactFactory(owner=rep)
    ticket = TicketFactory(contact=contact)

    contact_update(contact=contact, actor=manager, data={"owner": other_rep})

    assert ticket_ids(api_as, rep) == set()
    assert ticket_ids(api_as, other_rep) == {ticket.pk}


def test_a_bulk_update_of_owners_moves_the_tickets(api_as, rep, other_rep):
    tickets = [TicketFactory(contact=ContactFactory(owner=rep)) for _ in range(3)]

    # The importer's and bulk actions' way: one UPDATE, no model save, no service.
    Contact.objects.filter(owner=rep).update(owner=other_rep)

    assert ticket_ids(api_as, rep) == set()
    assert ticket_ids(api_as, other_rep) == {t.pk for t in tickets}


def test_moving_a_ticket_to_another_customer(api_as, support_agent, rep, other_rep):
    ticket = TicketFactory(contact=ContactFactory(owner=rep))

    ticket_update(
        ticket=ticket, actor=support_agent, data={"contact": ContactFactory(owner=other_rep)}
    )

    assert ticket_ids(api_as, rep) == set()
    assert ticket_ids(api_as, other_rep) == {ticket.pk}


def test_a_deleted_customer_leaves_its_tickets_to_no_rep(api_as, rep):
    contact = ContactFactory(owner=rep)
    ticket = TicketFactory(contact=contact)

    contact.delete()

    ticket.refresh_from_db()
    assert (ticket.contact_id, ticket.customer_owner_id) == (None, None)
    assert ticket_ids(api_as, rep) == set()


def test_the_copy_cannot_be_written_past_the_contact(rep, other_rep):
    ticket = TicketFactory(contact=ContactFactory(owner=rep))

    Ticket.objects.filter(pk=ticket.pk).update(customer_owner=other_rep)

    ticket.refresh_from_db()
    assert ticket.customer_owner_id == rep.pk


def test_a_status_change_keeps_the_owner(api_as, support_agent, rep):
    ticket = TicketFactory(contact=ContactFactory(owner=rep))

    response = api_as(support_agent).patch(
        f"/api/tickets/{ticket.pk}/", {"status": "pending"}, format="json"
    )

    assert response.status_code == 200, response.data
    assert ticket_ids(api_as, rep) == {ticket.pk}


def test_a_reps_ticket_list_reads_a_constant_number_of_queries(
    api_as, rep, django_assert_max_num_queries
):
    contacts = ContactFactory.create_batch(5, owner=rep)
    for contact in contacts:
        TicketFactory.create_batch(3, contact=contact)
    client = api_as(rep)

    with django_assert_max_num_queries(6):
        response = client.get("/api/tickets/")

    assert response.data["count"] == 15
