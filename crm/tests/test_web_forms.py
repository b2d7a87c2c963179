"""Create/edit/delete forms: inline errors via htmx (422), saves through the services."""

from decimal import Decimal

import pytest
from django.urls import reverse

from crm.models import Activity, Contact, Deal, Lead, LeadStatus, StageChange, TicketStatus
from crm.services.deals import deal_create
from crm.tests.factories import (
    ActivityFactory,
    ContactFactory,
    LeadFactory,
    PurchaseFactory,
    TicketFactory,
    pipeline_with_stages,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def stages():
    return pipeline_with_stages(is_default=True)[1]


def test_contact_form_shows_field_errors_inline_for_htmx(client, rep):
    client.force_login(rep)
    response = client.post(
        reverse("web:contact_create"), {"first_name": "", "email": "not-an-email"}, **HTMX
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith("<form")  # only the form partial swaps in
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_email_error"' in html
    assert 'id="id_email_error"' in html and "Enter a valid email address." in html
    assert Contact.objects.count() == 0


def test_contact_form_without_htmx_rerenders_the_page(client, rep):
    client.force_login(rep)
    response = client.post(reverse("web:contact_create"), {"first_name": "", "lifecycle": "lead"})
    assert response.status_code == 422
    assert "<html" in response.content.decode()


def test_contact_create_and_edit_go_through_the_services(client, rep):
    client.force_login(rep)
    response = client.post(
        reverse("web:contact_create"),
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "lifecycle": "customer",
            "tags": "vip, math, vip",
        },
        **HTMX,
    )
    contact = Contact.objects.get()
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == reverse("web:contact_detail", args=[contact.pk])
    assert contact.owner == rep
    assert contact.customer_since is not None  # the service stamps the lifecycle
    assert sorted(contact.tags.values_list("name", flat=True)) == ["math", "vip"]
    response = client.post(
        reverse("web:contact_edit", args=[contact.pk]),
        {"first_name": "Ada", "last_name": "King", "lifecycle": "churned", "tags": "vip"},
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.last_name == "King" and contact.churned_at is not None
    assert list(contact.tags.values_list("name", flat=True)) == ["vip"]


def test_rep_cannot_give_a_contact_to_someone_else(client, rep, other_rep):
    client.force_login(rep)
    client.post(
        reverse("web:contact_create"),
        {"first_name": "Bo", "lifecycle": "lead", "owner": other_rep.pk},
    )
    assert Contact.objects.get().owner == rep  # owner is not a rep's field


def test_delete_asks_then_deletes(client, rep):
    contact = ContactFactory(owner=rep, first_name="Gone")
    client.force_login(rep)
    url = reverse("web:contact_delete", args=[contact.pk])
    page = client.get(url)
    assert page.status_code == 200 and "cannot be undone" in page.content.decode()
    assert Contact.objects.filter(pk=contact.pk).exists()
    assert client.post(url).status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_a_customer_with_purchases_is_not_deleted(client, rep):
    purchase = PurchaseFactory(contact=ContactFactory(owner=rep))
    client.force_login(rep)
    response = client.post(reverse("web:contact_delete", args=[purchase.contact_id]))
    assert response.status_code == 409
    assert Contact.objects.filter(pk=purchase.contact_id).exists()


def test_deal_create_and_edit(client, rep, stages):
    contact = ContactFactory(owner=rep)
    client.force_login(rep)
    response = client.post(
        reverse("web:deal_create"),
        {
            "title": "New deal",
            "value": "1500",
            "currency": "eur",
            "stage": stages[1].pk,
            "contact": contact.pk,
            "kind": "new",
        },
    )
    deal = Deal.objects.get()
    assert response.status_code == 302
    assert (deal.currency, deal.stage_id, deal.owner_id) == ("EUR", stages[1].pk, rep.pk)
    bad = client.post(
        reverse("web:deal_edit", args=[deal.pk]),
        {"title": "x", "value": "-1", "currency": "EUR", "stage": stages[1].pk, "kind": "new"},
        **HTMX,
    )
    assert bad.status_code == 422
    ok = client.post(
        reverse("web:deal_edit", args=[deal.pk]),
        {
            "title": "Renamed",
            "value": "2000",
            "currency": "EUR",
            "stage": stages[2].pk,
            "kind": "upsell",
        },
    )
    assert ok.status_code == 302
    deal.refresh_from_db()
    assert (deal.title, deal.value, deal.stage_id) == ("Renamed", Decimal("2000"), stages[2].pk)
    assert StageChange.objects.filter(deal=deal).count() == 2


def test_deal_detail_logs_an_activity_and_shows_history(client, rep, stages):
    deal = deal_create(actor=rep, title="D", stage=stages[0])
    client.force_login(rep)
    client.post(
        reverse("web:deal_log_activity", args=[deal.pk]),
        {"kind": "call", "subject": "Called the buyer"},
    )
    activity = Activity.objects.get()
    assert (activity.deal_id, activity.assignee_id) == (deal.pk, rep.pk)
    assert activity.done_at is not None
    html = client.get(reverse("web:deal_detail", args=[deal.pk])).content.decode()
    assert "Called the buyer" in html and "Stage history" in html and stages[0].name in html


def test_lead_convert_opens_a_deal(client, rep, stages):
    lead = LeadFactory(contact=ContactFactory(owner=rep), owner=rep, status=LeadStatus.QUALIFIED)
    client.force_login(rep)
    assert (
        "Convert to a deal"
        in client.get(reverse("web:lead_detail", args=[lead.pk])).content.decode()
    )
    response = client.post(
        reverse("web:lead_convert", args=[lead.pk]),
        {"title": "From lead", "value": "300", "stage": stages[0].pk},
    )
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONVERTED
    assert response.url == reverse("web:deal_detail", args=[lead.deal_id])
    assert lead.deal.title == "From lead" and lead.deal.owner == rep
    again = client.post(
        reverse("web:lead_convert", args=[lead.pk]),
        {"title": "Again", "value": "1", "stage": stages[0].pk},
        **HTMX,
    )
    assert again.status_code == 422
    assert "already converted" in again.content.decode()
    assert Deal.objects.count() == 1


def test_marketing_cannot_convert_leads(client, marketer, rep, stages):
    lead = LeadFactory(owner=rep)
    client.force_login(marketer)
    assert client.get(reverse("web:lead_detail", args=[lead.pk])).status_code == 200
    assert client.post(reverse("web:lead_convert", args=[lead.pk]), {}).status_code == 403


def test_lead_edit_refuses_converted_status(client, rep):
    lead = LeadFactory(owner=rep)
    client.force_login(rep)
    response = client.post(
        reverse("web:lead_edit", args=[lead.pk]), {"status": "converted", "score": 5}, **HTMX
    )
    assert response.status_code == 422
    assert Lead.objects.get().status == LeadStatus.NEW


def test_quick_log_from_my_day(client, rep):
    contact = ContactFactory(owner=rep)
    client.force_login(rep)
    url = reverse("web:activity_quick_log")
    empty = client.post(url, {"kind": "call", "subject": ""}, **HTMX)
    assert empty.status_code == 422
    response = client.post(url, {"kind": "call", "subject": "Call", "contact": contact.pk}, **HTMX)
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "goalpost:close-dialogs"
    assert 'hx-swap-oob="afterbegin:#done-today"' in response.content.decode()
    activity = Activity.objects.get()
    assert (activity.kind, activity.contact_id, activity.assignee_id) == (
        "call",
        contact.pk,
        rep.pk,
    )
    assert activity.done_at is not None


def test_quick_log_cannot_link_another_reps_deal(client, rep, other_rep, stages):
    theirs = deal_create(actor=other_rep, title="Theirs", stage=stages[0])
    client.force_login(rep)
    response = client.post(
        reverse("web:activity_quick_log"),
        {"kind": "call", "subject": "x", "deal": theirs.pk},
        **HTMX,
    )
    assert response.status_code == 422
    assert Activity.objects.count() == 0


def test_mark_done(client, rep, other_rep):
    mine = ActivityFactory(assignee=rep)
    theirs = ActivityFactory(assignee=other_rep)
    client.force_login(rep)
    response = client.post(reverse("web:activity_done", args=[mine.pk]), **HTMX)
    assert response.status_code == 200 and "task--done" in response.content.decode()
    mine.refresh_from_db()
    assert mine.done_at is not None
    assert client.post(reverse("web:activity_done", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("web:activity_done", args=[mine.pk])).status_code == 405


def test_ticket_assign_respond_resolve(client, support_agent, manager):
    ticket = TicketFactory(subject="Broken")
    client.force_login(support_agent)
    client.post(reverse("web:ticket_assign", args=[ticket.pk]))
    ticket.refresh_from_db()
    assert ticket.assignee == support_agent
    client.post(reverse("web:ticket_assign", args=[ticket.pk]), {"assignee": manager.pk})
    ticket.refresh_from_db()
    assert ticket.assignee == manager
    client.post(reverse("web:ticket_respond", args=[ticket.pk]), {"body": "On it"})
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None and ticket.status == TicketStatus.PENDING
    client.post(reverse("web:ticket_resolve", args=[ticket.pk]))
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED and ticket.resolved_at is not None
    html = client.get(reverse("web:ticket_detail", args=[ticket.pk])).content.decode()
    assert "On it" in html


def test_rep_reads_tickets_but_cannot_act_on_them(client, rep):
    ticket = TicketFactory(contact=ContactFactory(owner=rep))
    client.force_login(rep)
    assert client.get(reverse("web:ticket_detail", args=[ticket.pk])).status_code == 200
    assert client.post(reverse("web:ticket_resolve", args=[ticket.pk])).status_code == 403
    assert (
        client.post(reverse("web:ticket_respond", args=[ticket.pk]), {"body": "x"}).status_code
        == 403
    )


def test_forms_reject_posts_without_csrf(rep):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(rep)
    response = client.post(reverse("web:contact_create"), {"first_name": "X", "lifecycle": "lead"})
    assert response.status_code == 403
    assert Contact.objects.count() == 0
