from datetime import UTC, datetime

import time_machine

from crm.models import DomainEvent, Ticket, TicketReply
from crm.tests.factories import ContactFactory, TicketFactory
from crm.tests.test_api_world import world  # noqa: F401

T0 = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)


def test_open_a_ticket_with_an_sla(support_agent, api_as, world):  # noqa: F811
    with time_machine.travel(T0, tick=False):
        response = api_as(support_agent).post(
            "/api/tickets/",
            {"subject": "Login fails", "priority": "urgent", "contact": world.contact.pk},
            format="json",
        )

    assert response.status_code == 201, response.data
    assert set(response.data) >= {
        "subject", "description", "contact", "priority", "status", "assignee", "opened_at",
        "first_response_at", "resolved_at",
    }  # fmt: skip
    assert (response.data["opened_at"], response.data["sla_due_at"]) == (
        "2025-06-02T08:00:00Z",
        "2025-06-02T12:00:00Z",
    )


def test_a_migrated_resolved_ticket(support_agent, api_as):
    response = api_as(support_agent).post(
        "/api/tickets/",
        {
            "subject": "Old",
            "opened_at": "2024-01-01T08:00:00Z",
            "first_response_at": "2024-01-01T09:00:00Z",
            "resolved_at": "2024-01-02T08:00:00Z",
        },
        format="json",
    )

    assert response.status_code == 201, response.data
    assert (response.data["status"], response.data["resolved_at"]) == (
        "resolved",
        "2024-01-02T08:00:00Z",
    )
    assert DomainEvent.objects.filter(kind="ticket.resolved").count() == 1


def test_resolved_before_opened_is_a_400(support_agent, api_as):
    client = api_as(support_agent)

    early = client.post(
        "/api/tickets/",
        {"subject": "x", "opened_at": "2024-01-02T00:00Z", "resolved_at": "2024-01-01T00:00Z"},
        format="json",
    )
    open_but_resolved = client.post(
        "/api/tickets/",
        {"subject": "x", "status": "open", "resolved_at": "2024-01-01T00:00Z"},
        format="json",
    )

    assert early.status_code == 400 and list(early.data) == ["resolved_at"]
    assert open_but_resolved.status_code == 400 and list(open_but_resolved.data) == ["resolved_at"]
    assert Ticket.objects.count() == 0


def test_reply_stamps_the_first_response(support_agent, api_as):
    ticket = TicketFactory(opened_at=T0)
    client = api_as(support_agent)

    first = client.post(
        f"/api/tickets/{ticket.pk}/reply/",
        {"body": "We are on it", "created_at": "2025-06-02T09:30:00Z"},
        format="json",
    )
    second = client.post(f"/api/tickets/{ticket.pk}/reply/", {"body": "Fixed"}, format="json")
    empty = client.post(f"/api/tickets/{ticket.pk}/reply/", {"body": ""}, format="json")
    too_early = client.post(
        f"/api/tickets/{ticket.pk}/reply/",
        {"body": "x", "created_at": "2025-06-01T00:00:00Z"},
        format="json",
    )

    assert first.status_code == 201, first.data
    assert (first.data["author"], first.data["ticket"]) == (support_agent.pk, ticket.pk)
    assert second.status_code == 201
    assert empty.status_code == 400 and list(empty.data) == ["body"]
    assert too_early.status_code == 400 and list(too_early.data) == ["created_at"]
    ticket.refresh_from_db()
    assert (ticket.first_response_at, ticket.status, ticket.assignee) == (
        datetime(2025, 6, 2, 9, 30, tzinfo=UTC),
        "pending",
        support_agent,
    )
    assert TicketReply.objects.filter(ticket=ticket).count() == 2


def test_a_rep_reads_but_cannot_reply(rep, api_as):
    ticket = TicketFactory(contact=ContactFactory(owner=rep))

    assert api_as(rep).get(f"/api/tickets/{ticket.pk}/").status_code == 200
    assert (
        api_as(rep)
        .post(f"/api/tickets/{ticket.pk}/reply/", {"body": "x"}, format="json")
        .status_code
        == 403
    )


def test_a_rep_does_not_see_other_customers_tickets(rep, api_as):
    theirs = TicketFactory(contact=ContactFactory())

    assert api_as(rep).get(f"/api/tickets/{theirs.pk}/").status_code == 404


def test_resolve_by_status(support_agent, api_as):
    ticket = TicketFactory(opened_at=T0)

    with time_machine.travel(datetime(2025, 6, 3, tzinfo=UTC), tick=False):
        response = api_as(support_agent).patch(
            f"/api/tickets/{ticket.pk}/", {"status": "resolved"}, format="json"
        )

    assert (response.data["status"], response.data["resolved_at"]) == (
        "resolved",
        "2025-06-03T00:00:00Z",
    )


def test_ticket_filters(support_agent, api_as):
    urgent = TicketFactory(priority="urgent", assignee=support_agent)
    closed = TicketFactory(status="closed", opened_at=T0, resolved_at=T0)
    client = api_as(support_agent)

    def ids(query):
        response = client.get(f"/api/tickets/?{query}")
        assert response.status_code == 200, response.data
        return [row["id"] for row in response.data["results"]]

    assert ids("priority=urgent") == [urgent.pk]
    assert ids(f"assignee={support_agent.pk}") == [urgent.pk]
    assert ids("status=closed") == [closed.pk]
    assert ids("unresolved=true") == [urgent.pk]
    assert client.get("/api/tickets/?priority=meh").status_code == 400
