"""The contact timeline shows campaign emails through the configured timeline source."""

import pytest
from django.urls import reverse
from django.utils import timezone

from automation.marketing.models import EmailSend
from crm.tests.factories import CampaignFactory, ContactFactory


@pytest.mark.django_db
def test_contact_timeline_lists_sent_campaign_emails(client, manager):
    contact = ContactFactory(first_name="Ada", owner=manager)
    campaign = CampaignFactory(name="Spring nurture")
    EmailSend.objects.create(
        contact=contact,
        campaign=campaign,
        to=contact.email,
        subject="Welcome aboard",
        body_text="Hello",
        sent_at=timezone.now(),
        opened_at=timezone.now(),
    )
    client.force_login(manager)

    response = client.get(reverse("web:contact_detail", args=[contact.pk]))

    assert response.status_code == 200
    assert "Email sent: Welcome aboard" in response.text
    assert "Spring nurture · opened" in response.text
