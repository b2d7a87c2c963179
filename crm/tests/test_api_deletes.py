"""API deletes go through the delete services: revenue history is never cascaded away."""

import pytest

from crm.models import Contact, Deal, Purchase
from crm.services.deals import deal_create, deal_mark_won
from crm.tests.factories import ContactFactory, pipeline_with_stages

pytestmark = pytest.mark.django_db


@pytest.fixture
def won_deal(manager):
    _pipeline, stages = pipeline_with_stages(is_default=True)
    contact = ContactFactory(owner=manager)
    deal = deal_create(
        actor=manager, title="Big one", value="900", stage=stages[0], contact=contact
    )
    return deal_mark_won(deal=deal, actor=manager)


def test_deleting_a_customer_with_purchases_is_a_400_and_keeps_everything(
    api_as, manager, won_deal
):
    response = api_as(manager).delete(f"/api/contacts/{won_deal.contact_id}/")

    assert response.status_code == 400
    assert "revenue history" in str(response.data)
    assert Contact.objects.filter(pk=won_deal.contact_id).exists()
    assert Purchase.objects.filter(deal=won_deal).count() == 1


def test_deleting_a_won_deal_is_a_400(api_as, manager, won_deal):
    response = api_as(manager).delete(f"/api/deals/{won_deal.pk}/")

    assert response.status_code == 400
    assert Deal.objects.filter(pk=won_deal.pk).exists()


def test_an_open_deal_and_a_contact_without_purchases_can_be_deleted(api_as, manager):
    _pipeline, stages = pipeline_with_stages(is_default=True)
    contact = ContactFactory(owner=manager)
    deal = deal_create(actor=manager, title="Small", value="10", stage=stages[0], contact=contact)
    client = api_as(manager)

    assert client.delete(f"/api/deals/{deal.pk}/").status_code == 204
    assert client.delete(f"/api/contacts/{contact.pk}/").status_code == 204
    assert not Deal.objects.filter(pk=deal.pk).exists()
    assert not Contact.objects.filter(pk=contact.pk).exists()
