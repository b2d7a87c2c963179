"""Detail pages, My day and the ticket queue: the query count at 30 rows is the one at 3."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.models import (
    DealStatus,
    EmailMessage,
    Interaction,
    Notification,
    StageChange,
    TicketReply,
)
from crm.tests.factories import (
    ActivityFactory,
    CompanyFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    NoteFactory,
    NpsResponseFactory,
    PurchaseFactory,
    TicketFactory,
    UserFactory,
    pipeline_with_stages,
)

pytestmark = pytest.mark.django_db


def _owners(n):
    """A different user per row, so a missing select_related would show as N queries."""
    return [UserFactory() for _ in range(n)]


def _email(author, contact, **record):
    """One sent email by `author` (a different one per row) on the record."""
    return EmailMessage.objects.create(
        direction="sent",
        source="composed",
        contact=contact,
        author=author,
        subject="Offer",
        body="Hello",
        sent_at=timezone.now(),
        **record,
    )


def deal_detail(viewer, n, stages):
    deal = DealFactory(stage=stages[0], owner=viewer, contact=ContactFactory())
    for owner in _owners(n):
        ActivityFactory(
            deal=deal, assignee=owner, contact=deal.contact, done_at=timezone.now(), notes="x"
        )
        NoteFactory(deal=deal, contact=None, author=owner, pinned=n % 2 == 0)
        ActivityFactory(deal=deal, assignee=owner, contact=deal.contact)
        _email(owner, deal.contact, deal=deal)
        StageChange.objects.create(
            deal=deal,
            stage=stages[1],
            entered_at=timezone.now() - timedelta(days=1),
            left_at=timezone.now(),
            actor=owner,
        )
    return reverse("web:deal_detail", args=[deal.pk])


def company_detail(viewer, n, stages):
    company = CompanyFactory()
    for owner in _owners(n):
        ContactFactory(company=company, owner=owner)
        DealFactory(company=company, stage=stages[n % 4], owner=owner)
        NoteFactory(company=company, contact=None, author=owner)
    return reverse("web:company_detail", args=[company.pk])


def contact_detail(viewer, n, stages):
    contact = ContactFactory(company=CompanyFactory())
    now = timezone.now()
    for i, owner in enumerate(_owners(n)):
        Interaction.objects.create(contact=contact, kind="website_visit", occurred_at=now)
        ActivityFactory(contact=contact, assignee=owner)
        deal = DealFactory(
            contact=contact,
            stage=stages[i % 4],
            owner=owner,
            status=DealStatus.LOST,
            created_at=now - timedelta(days=1),
            closed_at=now,
            lost_reason="Price",
        )
        PurchaseFactory(contact=contact, purchased_at=now)
        ticket = TicketFactory(contact=contact, assignee=owner)
        NpsResponseFactory(contact=contact)
        # Notes on the contact, its deals, its tickets and its company all reach the timeline.
        NoteFactory(contact=contact, author=owner)
        NoteFactory(contact=None, deal=deal, author=owner)
        NoteFactory(contact=None, ticket=ticket, author=owner)
        NoteFactory(contact=None, company=contact.company, author=owner)
        _email(owner, contact)
    return reverse("web:contact_detail", args=[contact.pk])


def ticket_detail(viewer, n, stages):
    ticket = TicketFactory(contact=ContactFactory(), assignee=viewer)
    for owner in _owners(n):
        TicketReply.objects.create(
            ticket=ticket, author=owner, body="Hi", created_at=timezone.now()
        )
        NoteFactory(ticket=ticket, contact=None, author=owner)
        _email(owner, ticket.contact, ticket=ticket)
    return reverse("web:ticket_detail", args=[ticket.pk])


def lead_detail(viewer, n, stages):
    lead = LeadFactory(owner=viewer)
    for owner in _owners(n):
        ActivityFactory(lead=lead, assignee=owner, contact=ContactFactory(), deal=DealFactory())
    return reverse("web:lead_detail", args=[lead.pk])


def my_day(viewer, n, stages):
    now = timezone.now()
    for i in range(n):
        deal = DealFactory(stage=stages[i % 4], owner=viewer, contact=ContactFactory())
        lead = LeadFactory(owner=viewer, score=i)
        ActivityFactory(
            assignee=viewer, deal=deal, contact=deal.contact, due_at=now - timedelta(days=2)
        )
        ActivityFactory(assignee=viewer, lead=lead, due_at=now + timedelta(days=2))
        ActivityFactory(
            assignee=viewer, deal=deal, done_at=now, outcome="left_voicemail", notes="Call back"
        )
    return reverse("web:home")


def ticket_queue(viewer, n, stages):
    for owner in _owners(n):
        TicketFactory(contact=ContactFactory(owner=owner), assignee=viewer)
    return reverse("web:ticket_list")


def notifications(viewer, n, stages):
    for i in range(n):
        Notification.objects.create(user=viewer, message=f"Notice {i}", url="/")
    return reverse("web:notifications")


PAGES = {
    "deal_detail": ("manager", deal_detail),
    "company_detail": ("manager", company_detail),
    "contact_detail": ("manager", contact_detail),
    "ticket_detail": ("support_agent", ticket_detail),
    "lead_detail": ("manager", lead_detail),
    "my_day": ("rep", my_day),
    "ticket_queue": ("support_agent", ticket_queue),
    "notifications": ("rep", notifications),
}


# Not "page": that name is pytest-playwright's fixture, and would make this a browser test.
@pytest.mark.parametrize("page_name", sorted(PAGES))
def test_page_queries_do_not_grow_with_rows(
    client, request, django_assert_max_num_queries, page_name
):
    role, build = PAGES[page_name]
    viewer = request.getfixturevalue(role)
    stages = pipeline_with_stages(is_default=True)[1]
    client.force_login(viewer)
    small_url = build(viewer, 3, stages)
    with CaptureQueriesContext(connection) as small:
        assert client.get(small_url).status_code == 200
    big_url = build(viewer, 30, stages)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(big_url).status_code == 200
