"""Marketing pages run as many queries at 30 rows as at 3."""

import pytest
from django.urls import reverse

from automation.marketing.models import EmailSend, Segment
from automation.marketing.services.campaigns import variant_create
from automation.marketing.services.emails import email_send_record
from automation.marketing.services.enrollments import campaign_enroll_contact
from automation.tests.fuzzing import assert_flat
from crm.tests.factories import CampaignFactory, ContactFactory

from .conftest import email_wait_email

pytestmark = pytest.mark.django_db


def test_segment_list_counts_every_audience_in_one_query(client, marketer):
    ContactFactory(lifecycle="lead", occupation="developer")
    ContactFactory(lifecycle="customer")
    conditions = [
        [{"field": "lifecycle", "operator": "is", "value": "lead"}],
        [{"field": "occupation", "operator": "contains", "value": "dev"}],
        [],
    ]

    def add(n):
        for _ in range(n):
            i = Segment.objects.count()
            Segment.objects.create(name=f"S{i}", conditions=conditions[i % 3])

    client.force_login(marketer)
    assert assert_flat(client, reverse("marketing:segments"), add) <= 5
    html = client.get(reverse("marketing:segments")).content.decode()
    assert html.count('<td class="num">1</td>') == 20  # 10 lead, 10 developer segments
    assert html.count('<td class="num">2</td>') == 10  # 10 without conditions


def test_campaign_list_editor_and_report(client, marketer):
    campaign = CampaignFactory(name="Counted")
    steps = email_wait_email(campaign)
    variant_create(step=steps[0], actor=None, subject="B", body="b")

    def add_campaigns(n):
        for _ in range(n):
            email_wait_email(CampaignFactory())

    def add_enrollments_and_sends(n):
        for _ in range(n):
            contact = ContactFactory()
            enrollment = campaign_enroll_contact(campaign=campaign, contact=contact)
            email_send_record(
                contact=contact, subject="s", body="b", campaign=campaign, step=steps[0],
                enrollment=enrollment, variant=steps[0].variants.first(),
            )  # fmt: skip

    client.force_login(marketer)
    assert_flat(client, reverse("marketing:campaigns"), add_campaigns)
    assert_flat(
        client, reverse("marketing:campaign_report", args=[campaign.pk]), add_enrollments_and_sends
    )
    assert EmailSend.objects.filter(campaign=campaign).count() == 30
    assert_flat(
        client, reverse("marketing:campaign", args=[campaign.pk]), add_enrollments_and_sends,
        small=30, large=60,
    )  # fmt: skip
