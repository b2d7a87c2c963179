"""Support sends the NPS survey from a contact's or a ticket's page."""

import pytest
from django.core import mail
from django.urls import reverse

from automation.marketing.models import NpsSurvey
from crm.tests.factories import ContactFactory, TicketFactory

pytestmark = pytest.mark.django_db


def test_support_sends_a_survey_from_the_ticket_page(client, support_agent):
    contact = ContactFactory(email="ayse@example.com")
    ticket = TicketFactory(contact=contact)
    client.force_login(support_agent)
    page = client.get(reverse("web:ticket_detail", args=[ticket.pk])).text
    assert reverse("marketing:nps_send", args=[contact.pk]) in page

    response = client.post(
        reverse("marketing:nps_send", args=[contact.pk]),
        {"next": reverse("web:ticket_detail", args=[ticket.pk])},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("web:ticket_detail", args=[ticket.pk])
    assert "NPS survey sent to ayse@example.com" in response.text
    survey = NpsSurvey.objects.get()
    assert (survey.contact, survey.sent_by) == (contact, support_agent)


def test_an_opted_out_contact_gets_no_button_and_no_survey(client, support_agent):
    contact = ContactFactory(email="no@example.com", opted_out=True)
    client.force_login(support_agent)
    page = client.get(reverse("web:contact_detail", args=[contact.pk])).text
    assert reverse("marketing:nps_send", args=[contact.pk]) not in page

    response = client.post(reverse("marketing:nps_send", args=[contact.pk]), follow=True)

    assert "opted out" in response.text
    assert not NpsSurvey.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize("role", ["rep", "marketer"])
def test_roles_without_the_nps_right_are_refused(role, request, client):
    contact = ContactFactory(email="x@example.com")
    client.force_login(request.getfixturevalue(role))

    response = client.post(reverse("marketing:nps_send", args=[contact.pk]))

    assert response.status_code == 403
    assert not NpsSurvey.objects.exists()


def test_an_unknown_contact_is_a_404(client, support_agent):
    client.force_login(support_agent)

    assert client.post(reverse("marketing:nps_send", args=[999999])).status_code == 404
