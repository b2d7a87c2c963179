"""Derived values follow their inputs, whichever input is edited (issue 14)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from crm.models import Purchase
from crm.services.deals import deal_create, deal_mark_won, deal_update
from crm.services.revenue import purchase_record, purchase_update
from crm.services.support import ticket_open
from crm.tests.factories import ContactFactory, pipeline_with_stages
from metrics.reports import support_report
from metrics.scopes import Period

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def test_sla_due_moves_with_opened_at_through_the_api(support_agent, api_as):
    ticket = ticket_open(actor=support_agent, subject="Slow", priority="high", opened_at=T0)
    assert ticket.sla_due_at == T0 + timedelta(hours=8)
    client = api_as(support_agent)

    earlier = T0 - timedelta(hours=16)
    response = client.patch(
        f"/api/tickets/{ticket.pk}/", {"opened_at": earlier.isoformat()}, format="json"
    )

    assert response.status_code == 200, response.data
    ticket.refresh_from_db()
    assert ticket.sla_due_at == earlier + timedelta(hours=8)
    assert response.data["sla_due_at"] == "2025-03-03T01:00:00Z"


def test_sla_due_moves_with_priority(support_agent, api_as):
    ticket = ticket_open(actor=support_agent, subject="Slow", priority="high", opened_at=T0)
    response = api_as(support_agent).patch(
        f"/api/tickets/{ticket.pk}/", {"priority": "low"}, format="json"
    )
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.sla_due_at == T0 + timedelta(hours=72)


def test_corrected_opened_at_shows_the_breach_in_the_support_report(support_agent, api_as):
    from crm.models import Ticket

    opened = T0
    ticket = ticket_open(
        actor=support_agent,
        subject="Late fix",
        priority="high",
        opened_at=opened + timedelta(hours=20),
    )
    api_as(support_agent).patch(
        f"/api/tickets/{ticket.pk}/",
        {"opened_at": opened.isoformat(), "status": "resolved",
         "resolved_at": (opened + timedelta(hours=24)).isoformat()},
        format="json",
    )  # fmt: skip
    ticket.refresh_from_db()
    assert ticket.sla_due_at == opened + timedelta(hours=8)
    assert ticket.assignee == support_agent or ticket.assignee is None
    Ticket.objects.filter(pk=ticket.pk).update(assignee=support_agent)
    report = support_report(Period(date(2025, 3, 1), date(2025, 4, 1)))
    row = next(r for r in report["agents"] if r["agent"] == support_agent.pk)
    assert (row["resolved"], row["breached"], row["avg_hours"]) == (1, 1, Decimal("24"))


@pytest.fixture
def stages(db):
    _pipeline, stages = pipeline_with_stages(is_default=True)
    return stages


def test_won_deal_purchase_follows_a_value_correction(rep, stages):
    contact = ContactFactory()
    deal = deal_create(actor=rep, title="Fix", value=Decimal("400"), contact=contact)
    deal = deal_mark_won(deal=deal, actor=rep)

    deal_update(deal=deal, actor=rep, data={"value": Decimal("450")})
    assert Purchase.objects.get(deal=deal).amount == Decimal("450.00")

    deal_update(deal=deal, actor=rep, data={"currency": "EUR"})
    assert Purchase.objects.get(deal=deal).currency == "EUR"


def test_customer_since_follows_the_first_purchase(rep):
    contact = ContactFactory(lifecycle="lead")
    purchase = purchase_record(actor=rep, contact=contact, amount=Decimal("10"), purchased_at=T0)
    contact.refresh_from_db()
    assert contact.customer_since == T0

    purchase_update(purchase=purchase, actor=rep, data={"purchased_at": T0 - timedelta(days=5)})
    contact.refresh_from_db()
    assert contact.customer_since == T0 - timedelta(days=5)

    purchase_update(purchase=purchase, actor=rep, data={"purchased_at": T0 + timedelta(days=5)})
    contact.refresh_from_db()
    assert contact.customer_since == T0 + timedelta(days=5)
    assert date(2025, 3, 8) == contact.customer_since.date()
