"""Every browser page for every role: login required, 403 for missing rights, 404 outside scope."""

import pytest
from django.urls import reverse

from crm.models import Notification
from crm.tests.factories import (
    ActivityFactory,
    CompanyFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    NoteFactory,
    TicketFactory,
    pipeline_with_stages,
)

pytestmark = pytest.mark.django_db

ROLES = ["rep", "manager", "marketer", "support_agent", "admin_user"]


@pytest.fixture
def world(rep, other_rep):
    pipeline, stages = pipeline_with_stages(is_default=True)
    mine = ContactFactory(owner=rep, first_name="Mine")
    theirs = ContactFactory(owner=other_rep, first_name="Theirs")
    deal = DealFactory(stage=stages[0], owner=rep, contact=mine, title="My deal")
    return {
        "pipeline": pipeline,
        "stages": stages,
        "contact": mine,
        "company": CompanyFactory(),
        "deal": deal,
        "other_deal": DealFactory(
            stage=stages[0], owner=other_rep, contact=theirs, title="Their deal"
        ),
        "lead": LeadFactory(contact=mine, owner=rep),
        "other_lead": LeadFactory(contact=theirs, owner=other_rep),
        "activity": ActivityFactory(assignee=rep, deal=None, subject="My call"),
        "ticket": TicketFactory(contact=mine),
        "other_ticket": TicketFactory(contact=theirs),
        "deal_note": NoteFactory(author=rep, contact=None, deal=deal),
        "contact_note": NoteFactory(author=rep, contact=mine),
    }


# page -> {role: expected status}; a missing role means 200.
PAGES = {
    ("web:home", None): {},
    ("web:board", None): {"marketer": 403, "support_agent": 403},
    ("web:deal_list", None): {"marketer": 403, "support_agent": 403},
    ("web:deal_create", None): {"marketer": 403, "support_agent": 403},
    ("web:deal_detail", "deal"): {"marketer": 403, "support_agent": 403},
    ("web:deal_edit", "deal"): {"marketer": 403, "support_agent": 403},
    ("web:lead_list", None): {"support_agent": 403},
    ("web:lead_detail", "lead"): {"support_agent": 403},
    ("web:lead_create", None): {"support_agent": 403},
    ("web:contact_list", None): {},
    ("web:contact_detail", "contact"): {},
    ("web:contact_create", None): {"marketer": 403, "support_agent": 403},
    ("web:contact_edit", "contact"): {"marketer": 403, "support_agent": 403},
    ("web:company_list", None): {},
    ("web:company_detail", "company"): {},
    ("web:company_create", None): {"marketer": 403, "support_agent": 403},
    ("web:activity_list", None): {},
    ("web:activity_create", None): {},
    ("web:ticket_list", None): {"marketer": 403},
    ("web:ticket_detail", "ticket"): {"marketer": 403},
    ("web:ticket_create", None): {"rep": 403, "marketer": 403},
    ("web:notifications", None): {},
    # A note is edited by its author (the rep) or a manager or admin, seen with its record.
    ("web:note_edit", "deal_note"): {"marketer": 404, "support_agent": 404},
    ("web:note_edit", "contact_note"): {"marketer": 403, "support_agent": 403},
    ("web:note_delete", "contact_note"): {"marketer": 403, "support_agent": 403},
    ("password_change", None): {},
}


@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_each_role_with_the_policy_status(client, request, world, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    for (name, key), expected in PAGES.items():
        url = reverse(name, args=[world[key].pk] if key else [])
        response = client.get(url)
        assert response.status_code == expected.get(role, 200), (name, role)


def test_pages_require_login_except_auth_pages_and_healthz(client, world):
    for (name, key), _expected in PAGES.items():
        url = reverse(name, args=[world[key].pk] if key else [])
        response = client.get(url)
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("login")), name
    assert client.get(reverse("login")).status_code == 200
    assert client.get(reverse("password_reset")).status_code == 200


def test_rep_sees_only_their_own_deals_and_leads(client, rep, world):
    client.force_login(rep)
    deals = client.get(reverse("web:deal_list")).content.decode()
    assert "My deal" in deals and "Their deal" not in deals
    board = client.get(reverse("web:board")).content.decode()
    assert f'data-deal-id="{world["deal"].pk}"' in board
    assert f'data-deal-id="{world["other_deal"].pk}"' not in board
    leads = client.get(reverse("web:lead_list")).content.decode()
    assert reverse("web:lead_detail", args=[world["lead"].pk]) in leads
    assert reverse("web:lead_detail", args=[world["other_lead"].pk]) not in leads


def test_another_reps_rows_are_404_for_a_rep(client, rep, world):
    client.force_login(rep)
    other = world["other_deal"]
    for url in [
        reverse("web:deal_detail", args=[other.pk]),
        reverse("web:deal_edit", args=[other.pk]),
        reverse("web:deal_delete", args=[other.pk]),
        reverse("web:lead_detail", args=[world["other_lead"].pk]),
        reverse("web:ticket_detail", args=[world["other_ticket"].pk]),
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("web:deal_won", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.status == "open"


def test_a_rep_cannot_edit_another_reps_contact(client, rep, world):
    theirs = ContactFactory(owner=world["other_deal"].owner)
    client.force_login(rep)
    assert client.get(reverse("web:contact_detail", args=[theirs.pk])).status_code == 200
    assert client.get(reverse("web:contact_edit", args=[theirs.pk])).status_code == 403
    assert client.post(reverse("web:contact_delete", args=[theirs.pk])).status_code == 403


def test_manager_sees_every_deal(client, manager, world):
    client.force_login(manager)
    board = client.get(reverse("web:board")).content.decode()
    assert f'data-deal-id="{world["deal"].pk}"' in board
    assert f'data-deal-id="{world["other_deal"].pk}"' in board
    only_rep = client.get(reverse("web:board"), {"owner": world["deal"].owner_id}).content.decode()
    assert f'data-deal-id="{world["other_deal"].pk}"' not in only_rep


@pytest.mark.parametrize(
    ("role", "present", "absent"),
    [
        ("rep", ["Pipeline", "Deals", "Leads", "Tickets"], ["Automation"]),
        ("support_agent", ["Tickets", "Contacts"], ["Pipeline", "Leads"]),
        ("marketer", ["Leads", "Contacts"], ["Pipeline", "Tickets"]),
    ],
)
def test_navigation_follows_the_role(client, request, world, role, present, absent):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("web:home"))
    labels = [item["label"] for item in response.context["nav_items"]]
    for label in present:
        assert label in labels
    for label in absent:
        assert label not in labels


def test_notification_badge_counts_unread(client, rep, world):
    Notification.objects.create(user=rep, message="Goal off track")
    Notification.objects.create(user=rep, message="Old", read_at="2024-01-01T00:00Z")
    client.force_login(rep)
    html = client.get(reverse("web:home")).content.decode()
    assert "Notifications, 1 unread" in html
    client.post(reverse("web:notifications_read"))
    assert Notification.objects.filter(user=rep, read_at__isnull=True).count() == 0


def test_login_page_logs_in_with_the_real_form(client, rep):
    response = client.post(
        reverse("login"), {"username": "rep1", "password": "goalpost-test"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/"
    assert response.context["user"] == rep


def test_password_reset_sends_an_email(client, rep, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": rep.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/accounts/reset/" in mailoutbox[0].body
