from datetime import UTC, datetime

from crm.models import Company, Contact, DomainEvent, Interaction, Referral, Tag
from crm.tests.factories import (
    CompanyFactory,
    ContactFactory,
    NpsResponseFactory,
    TeamFactory,
)
from crm.tests.test_api_world import world  # noqa: F401


def test_create_a_contact_with_tags_and_a_historical_created_at(rep, api_as, world):  # noqa: F811
    response = api_as(rep).post(
        "/api/contacts/",
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@example.com",
            "company": world.company.pk,
            "tags": ["vip", " newsletter ", "vip"],
            "lifecycle": "customer",
            "source": "referral",
            "referred_by": world.contact.pk,
            "created_at": "2023-05-01T10:00:00+03:00",
        },
        format="json",
    )

    assert response.status_code == 201, response.data
    data = response.data
    assert data["tags"] == ["newsletter", "vip"]
    assert data["owner"] == rep.pk
    assert data["created_at"] == "2023-05-01T07:00:00Z"
    assert data["customer_since"] is not None
    assert data["opted_out"] is False
    assert set(data) >= {
        "first_name", "last_name", "email", "phone", "company", "owner", "lifecycle",
        "customer_since", "churned_at", "source", "referred_by", "tags", "opted_out",
    }  # fmt: skip
    contact = Contact.objects.get(pk=data["id"])
    assert DomainEvent.objects.filter(kind="contact.tagged", subject_id=contact.pk).count() == 2


def test_update_tags_replaces_them(rep, api_as):
    contact = ContactFactory(owner=rep)
    contact.tags.add(Tag.objects.create(name="old"))

    response = api_as(rep).patch(
        f"/api/contacts/{contact.pk}/", {"tags": ["new"], "opted_out": True}, format="json"
    )

    assert response.status_code == 200
    assert (response.data["tags"], response.data["opted_out"]) == (["new"], True)


def test_invalid_contacts(rep, api_as):
    client = api_as(rep)

    assert "first_name" in client.post("/api/contacts/", {}, format="json").data
    assert (
        "email"
        in client.post("/api/contacts/", {"first_name": "A", "email": "nope"}, format="json").data
    )
    assert (
        "tags"
        in client.post("/api/contacts/", {"first_name": "A", "tags": "vip"}, format="json").data
    )
    assert (
        "tags"
        in client.post("/api/contacts/", {"first_name": "A", "tags": ["  "]}, format="json").data
    )
    assert (
        "lifecycle"
        in client.post(
            "/api/contacts/", {"first_name": "A", "lifecycle": "alien"}, format="json"
        ).data
    )
    churned_first = client.post(
        "/api/contacts/",
        {
            "first_name": "A",
            "customer_since": "2025-01-01T00:00:00Z",
            "churned_at": "2024-01-01T00:00:00Z",
        },
        format="json",
    )
    assert churned_first.status_code == 400 and list(churned_first.data) == ["churned_at"]


def test_a_contact_cannot_refer_themselves(rep, api_as):
    contact = ContactFactory(owner=rep)

    response = api_as(rep).patch(
        f"/api/contacts/{contact.pk}/", {"referred_by": contact.pk}, format="json"
    )

    assert response.status_code == 400
    assert list(response.data) == ["referred_by"]


def test_contact_filters(manager, rep, api_as):
    company = CompanyFactory()
    vip = ContactFactory(owner=rep, company=company, lifecycle="customer")
    vip.tags.add(Tag.objects.create(name="VIP"), Tag.objects.create(name="beta"))
    other = ContactFactory(lifecycle="lead", last_name="Zebra")
    client = api_as(manager)

    def ids(query):
        response = client.get(f"/api/contacts/?{query}")
        assert response.status_code == 200, response.data
        return [row["id"] for row in response.data["results"]]

    assert ids("tag=vip") == [vip.pk]
    assert ids("lifecycle=lead") == [other.pk]
    assert ids(f"owner={rep.pk}") == [vip.pk]
    assert ids(f"company={company.pk}") == [vip.pk]
    assert ids("search=zebra") == [other.pk]
    assert client.get("/api/contacts/?lifecycle=alien").status_code == 400


def test_a_rep_can_give_a_contact_only_to_themselves(rep, other_rep, api_as):
    response = api_as(rep).post(
        "/api/contacts/", {"first_name": "A", "owner": other_rep.pk}, format="json"
    )

    assert response.status_code == 400
    assert list(response.data) == ["owner"]


def test_companies_create_update_filter(rep, api_as):
    client = api_as(rep)
    created = client.post("/api/companies/", {"name": "Acme", "industry": "Retail"}, format="json")
    CompanyFactory(name="Other", industry="Banking")

    updated = client.patch(
        f"/api/companies/{created.data['id']}/", {"phone": "+1 555"}, format="json"
    )
    listed = client.get("/api/companies/?industry=retail")

    assert created.status_code == 201 and created.data["owner"] == rep.pk
    assert updated.data["phone"] == "+1 555"
    assert [row["name"] for row in listed.data["results"]] == ["Acme"]
    assert client.post("/api/companies/", {"name": ""}, format="json").status_code == 400
    assert Company.objects.count() == 2


def test_interactions_default_to_now_and_accept_history(marketer, api_as, world):  # noqa: F811
    client = api_as(marketer)
    now = client.post(
        "/api/interactions/",
        {"contact": world.contact.pk, "kind": "form_submission", "details": {"form": "demo"}},
        format="json",
    )
    past = client.post(
        "/api/interactions/",
        {"contact": world.contact.pk, "kind": "email_opened", "occurred_at": "2024-01-01T00:00Z"},
        format="json",
    )

    assert now.status_code == 201 and past.status_code == 201
    assert past.data["occurred_at"] == "2024-01-01T00:00:00Z"
    assert Interaction.objects.get(pk=now.data["id"]).details == {"form": "demo"}
    filtered = client.get(f"/api/interactions/?kind=email_opened&contact={world.contact.pk}")
    assert [row["id"] for row in filtered.data["results"]] == [past.data["id"]]
    bad = client.post(
        "/api/interactions/",
        {"contact": world.contact.pk, "kind": "visit", "details": [1], "url": "not a url"},
        format="json",
    )
    assert bad.status_code == 400 and set(bad.data) == {"kind", "details", "url"}


def test_referrals(rep, api_as, world):  # noqa: F811
    client = api_as(rep)
    body = {"referrer": world.contact.pk, "referred": world.other_contact.pk}

    first = client.post("/api/referrals/", body, format="json")
    duplicate = client.post("/api/referrals/", body, format="json")
    self_referral = client.post(
        "/api/referrals/",
        {"referrer": world.contact.pk, "referred": world.contact.pk},
        format="json",
    )

    assert first.status_code == 201
    world.other_contact.refresh_from_db()
    assert world.other_contact.referred_by_id == world.contact.pk
    assert duplicate.status_code == 400
    assert self_referral.status_code == 400 and list(self_referral.data) == ["referred"]
    assert Referral.objects.count() == 1


def test_nps_responses(support_agent, api_as, world):  # noqa: F811
    client = api_as(support_agent)

    ten = client.post(
        "/api/nps-responses/",
        {"contact": world.contact.pk, "score": 10, "responded_at": "2025-01-02T03:04:05Z"},
        format="json",
    )
    five = client.post(
        "/api/nps-responses/", {"contact": world.contact.pk, "score": 5, "scale": 5}, format="json"
    )
    too_high = client.post(
        "/api/nps-responses/", {"contact": world.contact.pk, "score": 6, "scale": 5}, format="json"
    )
    zero_on_five = client.post(
        "/api/nps-responses/", {"contact": world.contact.pk, "score": 0, "scale": 5}, format="json"
    )
    bad_scale = client.post(
        "/api/nps-responses/", {"contact": world.contact.pk, "score": 3, "scale": 7}, format="json"
    )

    assert (ten.status_code, ten.data["scale"], ten.data["responded_at"]) == (
        201,
        10,
        "2025-01-02T03:04:05Z",
    )
    assert five.status_code == 201
    assert too_high.status_code == 400 and list(too_high.data) == ["score"]
    assert zero_on_five.status_code == 400 and list(zero_on_five.data) == ["score"]
    assert bad_scale.status_code == 400 and list(bad_scale.data) == ["scale"]
    patched = client.patch(f"/api/nps-responses/{five.data['id']}/", {"score": 9}, format="json")
    assert patched.status_code == 400 and list(patched.data) == ["score"]


def test_nps_filter_by_scale(manager, api_as):
    five = NpsResponseFactory(scale=5, score=4)
    NpsResponseFactory(scale=10, score=4)

    response = api_as(manager).get("/api/nps-responses/?scale=5")

    assert [row["id"] for row in response.data["results"]] == [five.pk]


def test_teams(admin_user, manager, api_as):
    team = TeamFactory(name="North")

    created = api_as(admin_user).post(
        "/api/teams/", {"name": "South", "manager": manager.pk}, format="json"
    )
    duplicate = api_as(admin_user).post("/api/teams/", {"name": "North"}, format="json")
    listed = api_as(manager).get(f"/api/teams/?manager={manager.pk}")

    assert created.status_code == 201
    assert duplicate.status_code == 400 and list(duplicate.data) == ["name"]
    assert [row["name"] for row in listed.data["results"]] == ["South"]
    assert team.pk != created.data["id"]


def test_timestamps_keep_their_offset_as_utc(rep, api_as):
    response = api_as(rep).post(
        "/api/contacts/",
        {"first_name": "A", "created_at": "2024-06-01T12:00:00-05:00"},
        format="json",
    )

    assert Contact.objects.get(pk=response.data["id"]).created_at == datetime(
        2024, 6, 1, 17, tzinfo=UTC
    )
