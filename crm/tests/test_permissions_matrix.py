"""Role by resource: every status code follows crm/policies.py ACCESS exactly."""

import pytest
from django.utils import timezone

from crm import policies
from crm.models import Interaction, LostReason, Referral, SavedView, SuppressedAddress
from crm.tests.factories import (
    ActivityFactory,
    CompanyFactory,
    ContactFactory,
    DealFactory,
    ExchangeRateFactory,
    LeadFactory,
    NoteFactory,
    NpsResponseFactory,
    PipelineFactory,
    PurchaseFactory,
    SpendFactory,
    StageFactory,
    SubscriptionFactory,
    TeamFactory,
    TicketFactory,
    UserFactory,
)
from crm.tests.test_api_world import ENDPOINTS, ROLES, create_payload, world  # noqa: F401

UPDATES = {
    "users": {"first_name": "Grace"},
    "teams": {"name": "Team South"},
    "companies": {"industry": "Retail"},
    "contacts": {"phone": "+49 30 1234"},
    "interactions": {"url": "https://acme.example/demo"},
    "leads": {"score": 42},
    "pipelines": {"name": "Partners"},
    "stages": {"win_probability": 55},
    "deals": {"title": "Renamed deal"},
    "activities": {"subject": "Call again"},
    "notes": {"body": "Prefers email"},
    "purchases": {"product": "Pro plan"},
    "subscriptions": {"plan": "Max"},
    "tickets": {"description": "Still broken"},
    "nps": {"comment": "Great"},
    "referrals": {"referred_on": "2025-01-01"},
    "spend": {"note": "Trade fair"},
    "suppressions": {"note": "Bounced twice"},
    "exchange_rates": {"rate": "0.95000000"},
    "lost_reasons": {"name": "Went with a spreadsheet"},
    "saved_views": {"name": "Renamed view"},
}


def row_owned_by(resource, world, user):  # noqa: F811
    """A row of `resource` that is the acting user's own wherever rows have an owner."""
    own_contact = ContactFactory(owner=user)
    makers = {
        "users": lambda: UserFactory(),
        "teams": lambda: TeamFactory(),
        "companies": lambda: CompanyFactory(owner=user),
        "contacts": lambda: own_contact,
        "interactions": lambda: Interaction.objects.create(
            contact=own_contact, kind="email_opened", occurred_at=timezone.now()
        ),
        "leads": lambda: LeadFactory(owner=user, contact=own_contact),
        "pipelines": lambda: PipelineFactory(),
        "stages": lambda: StageFactory(pipeline=world.pipeline),
        "deals": lambda: DealFactory(owner=user, stage=world.stages[0]),
        "activities": lambda: ActivityFactory(assignee=user),
        "notes": lambda: NoteFactory(author=user, contact=own_contact),
        "purchases": lambda: PurchaseFactory(contact=own_contact),
        "subscriptions": lambda: SubscriptionFactory(contact=own_contact),
        "tickets": lambda: TicketFactory(contact=own_contact, assignee=user),
        "nps": lambda: NpsResponseFactory(contact=own_contact),
        "referrals": lambda: Referral.objects.create(
            referrer=own_contact, referred=world.contact, referred_on="2024-06-01"
        ),
        "spend": lambda: SpendFactory(),
        "suppressions": lambda: SuppressedAddress.objects.create(
            email=f"gone-{user.pk}@example.com", reason="bounce"
        ),
        "exchange_rates": lambda: ExchangeRateFactory(),
        "lost_reasons": lambda: LostReason.objects.create(name=f"Too slow {user.pk}"),
        "saved_views": lambda: SavedView.objects.create(
            owner=user, list_key="activities", name="My calls", query={"kind": "call"}
        ),
    }
    return makers[resource]()


def read_code(role, resource, ok=200):
    return ok if role in policies.ACCESS[resource][0] else 403


def write_code(role, resource, ok):
    return ok if role in policies.ACCESS[resource][1] else 403


MATRIX = [(role, resource) for role in ROLES for resource in ENDPOINTS]


@pytest.mark.parametrize(("role", "resource"), MATRIX)
def test_list(role, resource, make_user, api_as, world):  # noqa: F811
    user = make_user(role, username=f"acting-{role}")

    response = api_as(user).get(ENDPOINTS[resource])

    assert response.status_code == read_code(role, resource)


@pytest.mark.parametrize(("role", "resource"), MATRIX)
def test_create(role, resource, make_user, api_as, world):  # noqa: F811
    user = make_user(role, username=f"acting-{role}")

    response = api_as(user).post(
        ENDPOINTS[resource], create_payload(resource, world), format="json"
    )

    assert response.status_code == write_code(role, resource, 201), response.data


@pytest.mark.parametrize(("role", "resource"), MATRIX)
def test_retrieve_own_row(role, resource, make_user, api_as, world):  # noqa: F811
    user = make_user(role, username=f"acting-{role}")
    row = row_owned_by(resource, world, user)

    response = api_as(user).get(f"{ENDPOINTS[resource]}{row.pk}/")

    assert response.status_code == read_code(role, resource)


@pytest.mark.parametrize(("role", "resource"), MATRIX)
def test_update_own_row(role, resource, make_user, api_as, world):  # noqa: F811
    user = make_user(role, username=f"acting-{role}")
    row = row_owned_by(resource, world, user)

    response = api_as(user).patch(
        f"{ENDPOINTS[resource]}{row.pk}/", UPDATES[resource], format="json"
    )

    assert response.status_code == write_code(role, resource, 200), response.data
    if response.status_code == 200:
        field, value = next(iter(UPDATES[resource].items()))
        assert response.data[field] == value


@pytest.mark.parametrize(
    ("role", "resource", "expected"),
    [
        # A few rows of the ACCESS table spelled out, so the matrix cannot drift with it.
        ("rep", "users", 403),
        ("support", "deals", 403),
        ("marketing", "leads", 200),
        ("marketing", "deals", 403),
        ("rep", "tickets", 200),
        ("marketing", "tickets", 403),
        ("rep", "spend", 403),
        ("support", "purchases", 403),
    ],
)
def test_spot_checks_of_the_access_table(role, resource, expected, make_user, api_as):
    user = make_user(role, username=f"acting-{role}")

    assert api_as(user).get(ENDPOINTS[resource]).status_code == expected


@pytest.mark.parametrize("resource", ["deals", "leads", "activities"])
def test_a_rep_never_sees_another_reps_rows(resource, rep, other_rep, api_as, world):  # noqa: F811
    theirs = row_owned_by(resource, world, other_rep)
    client = api_as(rep)

    assert client.get(f"{ENDPOINTS[resource]}{theirs.pk}/").status_code == 404
    assert client.patch(f"{ENDPOINTS[resource]}{theirs.pk}/", {}, format="json").status_code == 404
    assert client.delete(f"{ENDPOINTS[resource]}{theirs.pk}/").status_code == 404
    assert client.get(ENDPOINTS[resource]).data["count"] == 0


def test_a_rep_may_read_but_not_edit_another_reps_contact(rep, other_rep, api_as):
    theirs = ContactFactory(owner=other_rep)
    client = api_as(rep)

    assert client.get(f"/api/contacts/{theirs.pk}/").status_code == 200
    response = client.patch(f"/api/contacts/{theirs.pk}/", {"phone": "1"}, format="json")

    assert response.status_code == 403


def test_a_superuser_without_the_admin_role_is_an_admin(make_user, api_as):
    root = make_user("rep", username="root", is_superuser=True)

    assert api_as(root).get("/api/users/").status_code == 200


def test_anonymous_requests_are_refused(api_client, world):  # noqa: F811
    for url in ENDPOINTS.values():
        response = api_client.get(url)
        # 403 with session auth listed first in settings, 401 with token auth first.
        assert response.status_code in (401, 403)
        assert response.data["detail"].code == "not_authenticated"
    response = api_client.post("/api/deals/", {"title": "x"}, format="json")
    assert response.data["detail"].code == "not_authenticated"


# /api/emails/: reading follows the record an email belongs to; sending needs the right
# to change that record (crm/services/emails.py::email_record_check), so each writer
# role is tried on the record it works from.
EMAIL_SENDS = {
    "rep": ("deal", 201),
    "manager": ("deal", 201),
    "admin": ("contact", 201),
    "support": ("ticket", 201),
    "marketing": ("contact", 403),
}


@pytest.mark.parametrize("role", ROLES)
def test_emails_list_send_and_retrieve(role, make_user, api_as, world):  # noqa: F811
    user = make_user(role, username=f"acting-{role}")
    contact = ContactFactory(owner=user)
    rows = {
        "contact": contact,
        "deal": DealFactory(owner=user, stage=world.stages[0], contact=contact),
        "ticket": TicketFactory(contact=contact),
    }
    record, expected = EMAIL_SENDS[role]
    client = api_as(user)

    assert client.get("/api/emails/").status_code == read_code(role, "emails")
    response = client.post(
        "/api/emails/",
        {record: rows[record].pk, "subject": "Hello", "body": "Hi"},
        format="json",
    )
    assert response.status_code == expected, response.data
    if expected == 201:
        assert client.get(f"/api/emails/{response.data['id']}/").status_code == 200
