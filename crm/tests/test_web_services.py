"""The small services behind the workspace's deletes, notices and ticket assignment."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from crm.models import Contact, Deal, DealStatus, Notification, Purchase, Ticket
from crm.services.contacts import contact_delete
from crm.services.deals import deal_create, deal_delete, deal_mark_won, deal_reopen
from crm.services.notifications import notifications_mark_read
from crm.services.support import ticket_assign
from crm.tests.factories import (
    ContactFactory,
    PurchaseFactory,
    TicketFactory,
    pipeline_with_stages,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def stages():
    return pipeline_with_stages(is_default=True)[1]


def test_deal_delete_refuses_a_won_deal_through_any_door(client, rep, stages):
    won = deal_mark_won(deal=deal_create(actor=rep, title="Won", stage=stages[0]), actor=rep)
    with pytest.raises(ValidationError, match="revenue history"):
        deal_delete(deal=won, actor=rep)
    client.force_login(rep)
    url = reverse("web:deal_delete", args=[won.pk])
    assert "revenue history" in client.get(url).content.decode()
    assert client.post(url).status_code == 409
    assert Deal.objects.filter(pk=won.pk).exists()


def test_deal_delete_twice_is_a_404_not_an_error(client, rep, stages):
    deal = deal_create(actor=rep, title="Gone", stage=stages[0])
    client.force_login(rep)
    url = reverse("web:deal_delete", args=[deal.pk])
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 404
    deal_delete(deal=deal, actor=rep)  # the service itself tolerates a row already gone
    assert not Deal.objects.filter(pk=deal.pk).exists()


def test_contact_delete_refuses_when_revenue_history_exists(rep):
    purchase = PurchaseFactory(contact=ContactFactory(owner=rep))
    with pytest.raises(ValidationError, match="purchases"):
        contact_delete(contact=purchase.contact, actor=rep)
    assert Contact.objects.filter(pk=purchase.contact_id).exists()
    assert Purchase.objects.filter(pk=purchase.pk).exists()


def test_notifications_mark_read_touches_only_the_users_unread(client, rep, other_rep):
    Notification.objects.create(user=rep, message="A")
    Notification.objects.create(user=rep, message="B", read_at="2024-01-01T00:00Z")
    theirs = Notification.objects.create(user=other_rep, message="C")
    assert notifications_mark_read(user=rep) == 1
    assert notifications_mark_read(user=rep) == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None
    client.force_login(other_rep)
    assert client.post(reverse("web:notifications_read")).status_code == 302
    assert client.post(reverse("web:notifications_read")).status_code == 302
    assert Notification.objects.filter(read_at__isnull=True).count() == 0


def test_ticket_assign_only_to_active_agents(client, support_agent, manager, rep):
    ticket = TicketFactory()
    with pytest.raises(ValidationError):
        ticket_assign(ticket=ticket, actor=manager, assignee=rep)
    support_agent.is_active = False
    support_agent.save()
    with pytest.raises(ValidationError):
        ticket_assign(ticket=ticket, actor=manager, assignee=support_agent)
    assert ticket_assign(ticket=ticket, actor=manager, assignee=manager).assignee == manager
    client.force_login(manager)
    response = client.post(
        reverse("web:ticket_assign", args=[ticket.pk]), {"assignee": rep.pk}, follow=True
    )
    assert "Choose an agent" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).assignee == manager


def test_a_reopened_won_deal_can_be_won_again_without_doubling_revenue(client, rep, stages):
    contact = ContactFactory(owner=rep)
    deal = deal_create(actor=rep, title="Back", stage=stages[0], contact=contact, value=500)
    deal_mark_won(deal=deal, actor=rep)
    deal_reopen(deal=deal, actor=rep)
    client.force_login(rep)
    response = client.post(reverse("web:deal_won", args=[deal.pk]), follow=True)
    assert "won. Congratulations" in response.content.decode()
    assert Deal.objects.get(pk=deal.pk).status == DealStatus.WON
    assert Purchase.objects.filter(deal=deal).count() == 1


def test_double_submissions_answer_calmly(client, rep, stages):
    deal = deal_create(actor=rep, title="Twice", stage=stages[0])
    client.force_login(rep)
    won = reverse("web:deal_won", args=[deal.pk])
    assert client.post(won).status_code == 302
    second = client.post(won, follow=True)
    assert "already closed" in second.content.decode()
    lost = client.post(reverse("web:deal_lost", args=[deal.pk]), {"reason": "x"}, follow=True)
    assert "already closed" in lost.content.decode()
    reopen = reverse("web:deal_reopen", args=[deal.pk])
    assert client.post(reopen).status_code == 302
    assert client.post(reopen).status_code == 302
    assert Deal.objects.get(pk=deal.pk).status == DealStatus.OPEN
