"""A reply to an email sent from a deal ends the contact's nurture and rescores them.

The reply is recorded by crm (inbound webhook or by hand); marketing reacts to the
`interaction.recorded` domain event exactly as it does for any other reply.
"""

import pytest
from django.test import override_settings

from automation.marketing.models import ContactScore, RuleKind, StepKind
from automation.marketing.services.campaigns import step_create
from automation.marketing.services.enrollments import campaign_enroll_contact
from automation.marketing.services.reactions import event_react
from automation.marketing.services.scoring import scoring_rule_create
from automation.models import Enrollment, EnrollmentStatus, ExitReason
from crm.models import DomainEvent, DomainEventKind
from crm.services.emails import email_reply_by_hand, email_send
from crm.tests.factories import CampaignFactory, ContactFactory, DealFactory, pipeline_with_stages

pytestmark = pytest.mark.django_db

SECRET = "inbound-test-secret"


@pytest.fixture
def deal(rep):
    stages = pipeline_with_stages(is_default=True)[1]
    contact = ContactFactory(first_name="Ada", email="ada@example.com", owner=rep)
    return DealFactory(stage=stages[0], owner=rep, contact=contact)


@pytest.fixture
def enrolled(deal, django_capture_on_commit_callbacks):
    campaign = CampaignFactory(name="Nurture for replies")
    step_create(campaign=campaign, actor=None, kind=StepKind.EMAIL, subject="Hi", body="Hello")
    with django_capture_on_commit_callbacks(execute=True):
        campaign_enroll_contact(campaign=campaign, contact=deal.contact)
    return Enrollment.objects.get(contact=deal.contact)


def _react_to_replies():
    events = DomainEvent.objects.filter(kind=DomainEventKind.INTERACTION_RECORDED, automate=True)
    assert events.exists()
    for event in events:
        event_react(event_id=event.pk)


def _score(contact) -> int:
    row = ContactScore.objects.filter(contact=contact).first()
    return row.score if row else 0


@override_settings(
    GOALPOST_INBOUND_EMAIL_DOMAIN="reply.crm.example", GOALPOST_INBOUND_EMAIL_SECRET=SECRET
)
def test_an_inbound_reply_ends_the_nurture_and_raises_the_score(rep, deal, enrolled, client):
    scoring_rule_create(actor=None, kind=RuleKind.BEHAVIOUR, field="email_replied", points=15)
    sent = email_send(actor=rep, deal=deal, subject="Offer", body="Hello {first_name}")
    before = _score(deal.contact)

    response = client.post(
        "/api/emails/inbound/",
        {
            "sender": "Ada <ada@example.com>",
            "recipient": f"reply+{sent.reply_token}@reply.crm.example",
            "subject": "Re: Offer",
            "body-plain": "Yes please.",
        },
        headers={"X-Goalpost-Inbound-Secret": SECRET},
    )
    assert response.status_code == 201, response.content
    _react_to_replies()

    enrolled.refresh_from_db()
    assert (enrolled.status, enrolled.exit_reason) == (EnrollmentStatus.EXITED, ExitReason.REPLIED)
    assert _score(deal.contact) == before + 15


def test_a_reply_recorded_by_hand_ends_the_nurture_too(rep, deal, enrolled):
    sent = email_send(actor=rep, deal=deal, subject="Offer", body="Hello")

    email_reply_by_hand(actor=rep, parent=sent, body="Pasted from Outlook")
    _react_to_replies()

    enrolled.refresh_from_db()
    assert enrolled.exit_reason == ExitReason.REPLIED
