"""Ownership for shared records (crm/policies.py): contacts and companies that carry other
people's deals, leads, tasks or tickets are merged and deleted by managers and admins only,
and a rep touches interactions and referrals of their own contacts only."""

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import Contact, Deal, Interaction, Referral, Subscription
from crm.services.bulk import bulk_start
from crm.tests.factories import (
    CompanyFactory,
    ContactFactory,
    DealFactory,
    SubscriptionFactory,
    TicketFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared_contact(rep, other_rep):
    """rep's contact on which other_rep works a deal."""
    contact = ContactFactory(owner=rep, first_name="Ayşe", last_name="Demir")
    DealFactory(owner=other_rep, contact=contact, title="Other rep's deal")
    return contact


def test_a_rep_may_not_delete_a_contact_carrying_another_reps_deal(api_as, rep, shared_contact):
    response = api_as(rep).delete(f"/api/contacts/{shared_contact.pk}/")

    assert response.status_code == 403
    assert "1 deal" in response.data["detail"] and "ask a manager" in response.data["detail"]
    assert Contact.objects.filter(pk=shared_contact.pk).exists()
    assert Deal.objects.get(title="Other rep's deal").contact_id == shared_contact.pk


def test_a_manager_may_delete_it(api_as, manager, shared_contact):
    assert api_as(manager).delete(f"/api/contacts/{shared_contact.pk}/").status_code == 204
    assert Deal.objects.get(title="Other rep's deal").contact_id is None


def test_a_rep_deletes_their_own_contact_with_only_their_own_deals(api_as, rep):
    contact = ContactFactory(owner=rep)
    DealFactory(owner=rep, contact=contact)
    assert api_as(rep).delete(f"/api/contacts/{contact.pk}/").status_code == 204


def test_the_browser_delete_page_says_why_up_front_and_refuses(client, rep, shared_contact):
    client.force_login(rep)
    url = reverse("web:contact_delete", args=[shared_contact.pk])

    page = client.get(url).content.decode()
    assert "carries other people&#x27;s records (1 deal)" in page

    response = client.post(url)
    assert response.status_code == 409
    assert "ask a manager" in response.content.decode()
    assert Contact.objects.filter(pk=shared_contact.pk).exists()


def test_a_rep_may_not_merge_a_contact_carrying_another_reps_deal(client, rep, shared_contact):
    mine = ContactFactory(owner=rep, first_name="Ayse", last_name="Demir")
    client.force_login(rep)
    url = reverse("importing:merge", args=["contact", mine.pk, shared_contact.pk])

    response = client.post(url, {})

    assert response.status_code == 403
    assert "ask a manager" in response.content.decode()
    assert Contact.objects.filter(pk__in=[mine.pk, shared_contact.pk]).count() == 2
    assert Deal.objects.get(title="Other rep's deal").contact_id == shared_contact.pk


def test_a_rep_may_not_delete_a_company_carrying_support_tickets(api_as, rep):
    company = CompanyFactory(owner=rep)
    TicketFactory(company=company)
    response = api_as(rep).delete(f"/api/companies/{company.pk}/")
    assert response.status_code == 403
    assert "1 ticket" in response.data["detail"]


def test_a_reps_bulk_delete_skips_shared_contacts(rep, shared_contact):
    free = ContactFactory(owner=rep)
    bulk = bulk_start(
        actor=rep, resource="contacts", kind="delete", ids=[shared_contact.pk, free.pk]
    )
    bulk.refresh_from_db()
    assert (bulk.changed, bulk.skipped_forbidden) == (1, 1)
    assert list(Contact.objects.filter(pk__in=[shared_contact.pk, free.pk])) == [shared_contact]


def test_interactions_and_referrals_of_another_reps_contact_are_read_only_to_a_rep(
    api_as, rep, other_rep
):
    theirs = ContactFactory(owner=other_rep)
    mine = ContactFactory(owner=rep)
    visit = Interaction.objects.create(
        contact=theirs, kind="website_visit", occurred_at=timezone.now()
    )
    referral = Referral.objects.create(referrer=mine, referred=theirs, referred_on="2025-01-01")
    client = api_as(rep)

    assert client.get(f"/api/interactions/{visit.pk}/").status_code == 200
    assert (
        client.patch(f"/api/interactions/{visit.pk}/", {"url": "https://x.example/"}).status_code
        == 403
    )
    assert client.delete(f"/api/interactions/{visit.pk}/").status_code == 403
    assert client.delete(f"/api/referrals/{referral.pk}/").status_code == 403
    created = client.post(
        "/api/interactions/", {"contact": theirs.pk, "kind": "website_visit"}, format="json"
    )
    assert created.status_code == 400 and "contact" in created.data
    assert Interaction.objects.count() == 1 and Referral.objects.count() == 1
    # Their own contact's interactions stay theirs to record.
    own = client.post("/api/interactions/", {"contact": mine.pk, "kind": "website_visit"})
    assert own.status_code == 201
    # Who referred their contact may be another rep's customer.
    referred = client.post("/api/referrals/", {"referrer": theirs.pk, "referred": mine.pk})
    assert referred.status_code == 201, referred.data


def test_a_rep_reads_the_subscriptions_of_their_own_customers_only(api_as, rep, other_rep):
    mine = SubscriptionFactory(contact=ContactFactory(owner=rep))
    SubscriptionFactory(contact=ContactFactory(owner=other_rep))
    listed = api_as(rep).get("/api/subscriptions/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [row["id"] for row in rows] == [mine.pk]
    assert Subscription.objects.count() == 2


@pytest.mark.parametrize(
    "url",
    [
        "/api/email-sends/",
        "/api/campaign-steps/",
        "/api/segments/",
        "/api/scoring-model/",
    ],
)
@pytest.mark.parametrize(
    ("role", "code"), [("rep", 403), ("support", 403), ("marketing", 200), ("manager", 200)]
)
def test_marketings_working_data_is_read_by_marketing_and_managers(
    url, role, code, make_user, api_as
):
    user = make_user(role, username=f"reader-{role}")
    assert api_as(user).get(url).status_code == code
