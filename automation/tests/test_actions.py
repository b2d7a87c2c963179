"""Each action through the engine (in-process): what it writes, and what it refuses."""

from decimal import Decimal

import pytest
from django.core import mail

from automation.engine import event_handle
from automation.marketing.tokens import unsubscribe_token
from automation.models import OutboundEmail, Rule, Run, RunStatus
from automation.services.emails import outbound_email_send
from automation.services.rules import rule_create
from automation.tasks import HANDLER_TASK
from crm.models import Activity, Contact, DomainEvent, DomainEventKind, Notification, Role
from crm.services.contacts import contact_create
from crm.services.deals import deal_create
from crm.services.leads import lead_create
from crm.tests.factories import ContactFactory, TeamFactory

pytestmark = pytest.mark.django_db


def _only(rule_kwargs):
    Rule.objects.update(enabled=False)  # the seeded defaults stay out of the way
    return rule_create(actor=None, **rule_kwargs)


def _handle_all():
    for event in DomainEvent.objects.filter(processed_at__isnull=True).order_by("pk"):
        event_handle(event_id=event.pk)


def test_lead_distribution_round_robin_over_a_team(make_user, marketer):
    team = TeamFactory()
    reps = [make_user(Role.REP, username=f"r{i}", team=team) for i in range(3)]
    _only(
        {
            "name": "Distribute",
            "triggers": ["lead.created"],
            "actions": [{"type": "assign_owner", "params": {"pool": "team", "team": team.pk}}],
        }
    )
    leads = [lead_create(actor=marketer, contact=ContactFactory(), owner=None) for _ in range(4)]
    _handle_all()
    owners = [type(lead).objects.get(pk=lead.pk).owner for lead in leads]
    assert owners == [reps[0], reps[1], reps[2], reps[0]]


def test_task_round_robin_over_users(rep, other_rep, pipeline):
    _only(
        {
            "name": "Tasks",
            "triggers": ["deal.created"],
            "actions": [
                {
                    "type": "create_task",
                    "params": {
                        "kind": "meeting",
                        "title": "Meet {contact}",
                        "assignee": "users",
                        "users": [rep.pk, other_rep.pk],
                        "due_in_hours": 2,
                    },
                }
            ],
        }
    )
    deal_create(actor=rep, title="A", value=Decimal("1"))
    deal_create(actor=rep, title="B", value=Decimal("1"))
    _handle_all()
    assert list(Activity.objects.order_by("pk").values_list("kind", "assignee")) == [
        ("meeting", rep.pk),
        ("meeting", other_rep.pk),
    ]


def test_tags_score_and_set_field(rep, marketer):
    _only(
        {
            "name": "Hot",
            "triggers": ["lead.score_changed"],
            "conditions": [
                {"field": "score", "operator": "gte", "value": "50"},
                {"field": "old_score", "operator": "lt", "value": "50"},
            ],
            "actions": [
                {"type": "add_tag", "params": {"tag": "hot"}},
                {"type": "set_field", "params": {"field": "status", "value": "qualified"}},
            ],
        }
    )
    rule_create(
        actor=None,
        name="Downloads score",
        triggers=["contact.tagged"],
        conditions=[{"field": "tag", "operator": "eq", "value": "whitepaper"}],
        actions=[{"type": "change_lead_score", "params": {"delta": 60}}],
    )
    contact = contact_create(actor=marketer, first_name="Ana")
    lead = lead_create(actor=marketer, contact=contact, owner=rep)
    from crm.services.contacts import contact_set_tags

    contact_set_tags(contact=contact, actor=marketer, tags=["whitepaper"])
    _handle_all()  # tagged → +60 score → score_changed event
    _handle_all()  # score crossed 50 → tag hot, qualify
    lead.refresh_from_db()
    assert (lead.score, lead.status) == (60, "qualified")
    assert sorted(contact.tags.values_list("name", flat=True)) == ["hot", "whitepaper"]


def test_email_honours_opt_out_and_is_sent_once(rep, django_capture_on_commit_callbacks):
    _only(
        {
            "name": "Welcome",
            "triggers": ["contact.created"],
            "actions": [
                {
                    "type": "send_email",
                    "params": {"subject": "Hi {first_name}", "body": "Welcome, {contact}."},
                }
            ],
        }
    )
    contact_create(actor=rep, first_name="Ada", last_name="L", email="ada@example.com")
    contact_create(actor=rep, first_name="Opt", email="out@example.com", opted_out=True)
    _handle_all()
    email = OutboundEmail.objects.get()
    ada = Contact.objects.get(email="ada@example.com")
    unsubscribe = f"http://127.0.0.1:8000/m/unsubscribe/{unsubscribe_token(ada.pk)}/"
    assert (email.to, email.subject, email.unsubscribe_url) == (
        "ada@example.com",
        "Hi Ada",
        unsubscribe,
    )
    assert email.body == f"Welcome, Ada L.\n\n-- \nUnsubscribe: {unsubscribe}\n"
    assert outbound_email_send(email_id=email.pk) is True
    assert outbound_email_send(email_id=email.pk) is False  # a second delivery sends nothing
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]
    # Marketing email by a rule carries one-click unsubscribe (RFC 8058) like a campaign's.
    assert mail.outbox[0].extra_headers == {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    summaries = sorted(Run.objects.values_list("summary", flat=True))
    assert summaries == ["contact opted out; no email sent", "emailed ada@example.com"]


def test_notify_owner(rep, pipeline):
    _only(
        {
            "name": "Lost alert",
            "triggers": ["deal.lost"],
            "actions": [
                {"type": "notify_user", "params": {"recipient": "owner", "message": "Lost {deal}"}}
            ],
        }
    )
    from crm.services.deals import deal_mark_lost

    deal = deal_create(actor=rep, title="Acme", value=Decimal("10"))
    deal_mark_lost(deal=deal, actor=rep, reason="price")
    _handle_all()
    assert list(Notification.objects.values_list("user", "message")) == [(rep.pk, "Lost Acme")]
    assert OutboundEmail.objects.get().to == rep.email


def test_permanent_failure_is_logged_without_retry(rep, pipeline):
    from crm.tests.factories import CampaignFactory

    campaign = CampaignFactory()
    _only(
        {
            "name": "Enroll",
            "triggers": ["deal.created"],
            "actions": [{"type": "enroll_in_campaign", "params": {"campaign": campaign.pk}}],
        }
    )
    campaign.delete()
    deal_create(actor=rep, title="A", value=Decimal("1"), contact=ContactFactory())
    _handle_all()  # no exception: nothing to retry
    run = Run.objects.get()
    assert (run.status, run.summary) == (RunStatus.FAILED, "Failed: The campaign no longer exists.")
    event = DomainEvent.objects.get(kind=DomainEventKind.DEAL_CREATED)
    assert list(event.receipts.values_list("handler", flat=True)) == [HANDLER_TASK]


def test_disabled_rules_and_unautomated_events_do_nothing(rep, pipeline):
    Rule.objects.update(enabled=False)
    deal_create(actor=rep, title="A", value=Decimal("900"), contact=ContactFactory())
    deal_create(actor=rep, title="B", value=Decimal("900"), automate=False)
    _handle_all()
    assert Run.objects.count() == 0
    assert Activity.objects.count() == 0


def test_rule_email_footer_is_in_the_contacts_language(rep):
    """The rule's own words stay as written; the footer we add is in the contact's language."""
    _only(
        {
            "name": "Welcome",
            "triggers": ["contact.created"],
            "actions": [
                {
                    "type": "send_email",
                    "params": {"subject": "Hi {first_name}", "body": "Welcome, {contact}."},
                }
            ],
        }
    )
    contact_create(actor=rep, first_name="Mina", email="mina@example.com", language="ko")
    _handle_all()

    email = OutboundEmail.objects.get()
    mina = Contact.objects.get(email="mina@example.com")
    unsubscribe = f"http://127.0.0.1:8000/m/unsubscribe/{unsubscribe_token(mina.pk)}/"
    assert email.subject == "Hi Mina"
    assert email.body == f"Welcome, Mina.\n\n-- \n수신 거부: {unsubscribe}\n"
