from decimal import Decimal

from crm.models import Deal, Lead
from crm.services.deals import deal_create
from crm.tests.factories import CampaignFactory, ContactFactory, LeadFactory
from crm.tests.test_api_world import world  # noqa: F401


def test_marketing_creates_a_lead_for_a_rep(marketer, rep, api_as, world):  # noqa: F811
    response = api_as(marketer).post(
        "/api/leads/",
        {
            "contact": world.contact.pk,
            "campaign": world.campaign.pk,
            "source": "advertising",
            "score": 35,
            "owner": rep.pk,
            "handed_off_at": "2025-02-01T09:00:00Z",
            "created_at": "2025-01-15T09:00:00Z",
        },
        format="json",
    )

    assert response.status_code == 201, response.data
    assert set(response.data) >= {
        "contact", "source", "campaign", "status", "score", "owner", "handed_off_at",
        "converted_at", "created_at",
    }  # fmt: skip
    assert (response.data["owner"], response.data["status"]) == (rep.pk, "new")
    assert response.data["created_at"] == "2025-01-15T09:00:00Z"


def test_invalid_leads(rep, api_as, world):  # noqa: F811
    client = api_as(rep)

    def errors(body):
        response = client.post("/api/leads/", body, format="json")
        assert response.status_code == 400
        return set(response.data)

    assert errors({}) == {"contact"}
    assert errors({"contact": world.contact.pk, "status": "converted"}) == {"status"}
    assert errors({"contact": world.contact.pk, "score": "high"}) == {"score"}
    assert errors({"contact": world.contact.pk, "campaign": 999999}) == {"campaign"}
    assert errors({"contact": world.contact.pk, "source": "tv"}) == {"source"}


def test_lead_filters(manager, rep, other_rep, api_as):
    campaign = CampaignFactory()
    a = LeadFactory(owner=rep, status="working", campaign=campaign)
    b = LeadFactory(owner=other_rep, status="new")
    client = api_as(manager)

    def ids(query):
        return [row["id"] for row in client.get(f"/api/leads/?{query}").data["results"]]

    assert ids("status=working") == [a.pk]
    assert ids(f"owner={other_rep.pk}") == [b.pk]
    assert ids(f"campaign={campaign.pk}") == [a.pk]
    assert ids(f"search={b.contact.last_name}") == [b.pk]
    assert ids("ordering=created_at") == [a.pk, b.pk]


def test_update_a_lead_score(rep, api_as):
    lead = LeadFactory(owner=rep, score=10)

    response = api_as(rep).patch(f"/api/leads/{lead.pk}/", {"score": 80}, format="json")
    converted = api_as(rep).patch(f"/api/leads/{lead.pk}/", {"status": "converted"}, format="json")

    assert response.status_code == 200 and response.data["score"] == 80
    assert converted.status_code == 400 and list(converted.data) == ["status"]


def test_convert_opens_a_deal_for_the_leads_contact(rep, api_as, world):  # noqa: F811
    contact = ContactFactory(company=world.company, first_name="Ada", last_name="L")
    lead = LeadFactory(owner=rep, contact=contact)

    response = api_as(rep).post(
        f"/api/leads/{lead.pk}/convert/",
        {"value": "2500", "stage": world.stages[1].pk},
        format="json",
    )

    assert response.status_code == 200, response.data
    assert response.data["status"] == "converted"
    assert response.data["converted_at"] is not None
    deal = Deal.objects.get(pk=response.data["deal"])
    assert (deal.title, deal.value, deal.stage, deal.owner, deal.contact, deal.company) == (
        "Ada L",
        Decimal("2500.00"),
        world.stages[1],
        rep,
        contact,
        world.company,
    )
    contact.refresh_from_db()
    assert contact.lifecycle == "prospect"
    again = api_as(rep).post(f"/api/leads/{lead.pk}/convert/", {}, format="json")
    assert again.status_code == 400 and list(again.data) == ["status"]


def test_convert_links_an_existing_deal_only_if_visible(rep, other_rep, api_as, world):  # noqa: F811
    lead = LeadFactory(owner=rep)
    mine = deal_create(actor=rep, title="mine", stage=world.stages[0])
    theirs = deal_create(actor=other_rep, title="theirs", stage=world.stages[0])
    client = api_as(rep)

    refused = client.post(f"/api/leads/{lead.pk}/convert/", {"deal": theirs.pk}, format="json")
    both = client.post(
        f"/api/leads/{lead.pk}/convert/", {"deal": mine.pk, "title": "x"}, format="json"
    )
    linked = client.post(f"/api/leads/{lead.pk}/convert/", {"deal": mine.pk}, format="json")

    assert refused.status_code == 400 and list(refused.data) == ["deal"]
    assert both.status_code == 400 and list(both.data) == ["deal"]
    assert linked.status_code == 200 and linked.data["deal"] == mine.pk
    assert Deal.objects.count() == 2


def test_convert_needs_lead_write_access_and_visibility(rep, other_rep, support_agent, api_as):
    theirs = LeadFactory(owner=other_rep)

    assert api_as(rep).post(f"/api/leads/{theirs.pk}/convert/").status_code == 404
    assert api_as(support_agent).post(f"/api/leads/{theirs.pk}/convert/").status_code == 403
    assert Lead.objects.get(pk=theirs.pk).status == "new"


def test_a_disqualified_lead_cannot_be_converted(manager, api_as, world):  # noqa: F811
    lead = LeadFactory(owner=manager, status="disqualified")

    response = api_as(manager).post(f"/api/leads/{lead.pk}/convert/", {}, format="json")

    assert response.status_code == 400
    assert list(response.data) == ["status"]
