from datetime import date
from decimal import Decimal

from crm.models import Purchase, Spend
from crm.services.deals import deal_create
from crm.tests.factories import (
    ContactFactory,
    PurchaseFactory,
    SpendFactory,
    SubscriptionFactory,
)
from crm.tests.test_api_world import world  # noqa: F401


def test_record_a_historical_purchase(manager, api_as, world):  # noqa: F811
    response = api_as(manager).post(
        "/api/purchases/",
        {
            "contact": world.contact.pk,
            "amount": "600",
            "purchased_at": "2024-11-05T14:00:00+01:00",
            "product": "Pro plan",
            "category": "Software",
            "campaign": world.campaign.pk,
        },
        format="json",
    )

    assert response.status_code == 201, response.data
    assert set(response.data) >= {
        "contact", "company", "amount", "purchased_at", "product", "category", "campaign", "deal",
    }  # fmt: skip
    assert (response.data["amount"], response.data["purchased_at"]) == (
        "600.00",
        "2024-11-05T13:00:00Z",
    )
    # The contact's company is filled in, and the buyer is a customer from that moment.
    assert response.data["company"] == world.company.pk
    world.contact.refresh_from_db()
    assert world.contact.lifecycle == "customer"


def test_invalid_purchases(manager, api_as, world):  # noqa: F811
    client = api_as(manager)

    def errors(body):
        response = client.post("/api/purchases/", body, format="json")
        assert response.status_code == 400
        return set(response.data)

    assert errors({"amount": "10"}) == {"contact"}
    assert errors({"contact": world.contact.pk, "amount": "-1"}) == {"amount"}
    assert errors({"contact": world.contact.pk, "amount": "ten"}) == {"amount"}
    assert errors({"contact": world.contact.pk, "amount": "1", "purchased_at": "x"}) == {
        "purchased_at"
    }


def test_one_purchase_per_deal(manager, api_as, world):  # noqa: F811
    deal = deal_create(
        actor=manager, title="x", stage=world.stages[0], contact=world.contact, status="won"
    )

    response = api_as(manager).post(
        "/api/purchases/",
        {"contact": world.contact.pk, "amount": "1", "deal": deal.pk},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.data) == ["deal"]


def test_a_rep_sees_the_purchases_of_their_customers(rep, api_as):
    mine = PurchaseFactory(contact=ContactFactory(owner=rep))
    PurchaseFactory()

    response = api_as(rep).get("/api/purchases/")

    assert [row["id"] for row in response.data["results"]] == [mine.pk]


def test_update_and_filter_purchases(manager, api_as, world):  # noqa: F811
    purchase = PurchaseFactory(contact=world.contact, category="Software")
    PurchaseFactory(category="Hardware")
    client = api_as(manager)

    patched = client.patch(f"/api/purchases/{purchase.pk}/", {"amount": "75.25"}, format="json")
    filtered = client.get(f"/api/purchases/?contact={world.contact.pk}&category=software")

    assert patched.data["amount"] == "75.25"
    assert Purchase.objects.get(pk=purchase.pk).amount == Decimal("75.25")
    assert [row["id"] for row in filtered.data["results"]] == [purchase.pk]


def test_subscriptions(support_agent, api_as, world):  # noqa: F811
    client = api_as(support_agent)

    created = client.post(
        "/api/subscriptions/",
        {
            "contact": world.contact.pk,
            "plan": "Pro",
            "amount": "49.00",
            "started_at": "2025-01-01T00:00Z",
            "renewal_due": "2026-01-01",
        },
        format="json",
    )
    renewed = client.patch(
        f"/api/subscriptions/{created.data['id']}/", {"status": "renewed"}, format="json"
    )
    early = client.post(
        "/api/subscriptions/",
        {
            "contact": world.contact.pk,
            "plan": "Pro",
            "amount": "49.00",
            "started_at": "2025-01-01T00:00Z",
            "renewal_due": "2024-01-01",
        },
        format="json",
    )

    assert created.status_code == 201, created.data
    assert set(created.data) >= {
        "contact", "company", "plan", "amount", "started_at", "renewal_due", "status",
    }  # fmt: skip
    assert (renewed.data["status"], renewed.data["renewed_at"] is not None) == ("renewed", True)
    assert early.status_code == 400 and list(early.data) == ["renewal_due"]


def test_subscription_filters(manager, api_as):
    cancelled = SubscriptionFactory(status="cancelled")
    SubscriptionFactory()

    response = api_as(manager).get("/api/subscriptions/?status=cancelled")

    assert [row["id"] for row in response.data["results"]] == [cancelled.pk]


def test_spend_is_folded_to_the_first_of_the_month(marketer, api_as, world):  # noqa: F811
    client = api_as(marketer)

    created = client.post(
        "/api/spend/",
        {
            "month": "2025-03-17",
            "category": "marketing",
            "amount": "1200",
            "campaign": world.campaign.pk,
        },
        format="json",
    )
    moved = client.patch(
        f"/api/spend/{created.data['id']}/", {"month": "2025-04-30"}, format="json"
    )

    assert created.status_code == 201
    assert (created.data["month"], created.data["amount"]) == ("2025-03-01", "1200.00")
    assert moved.data["month"] == "2025-04-01"
    assert Spend.objects.get().month == date(2025, 4, 1)


def test_invalid_spend_and_filters(marketer, api_as):
    SpendFactory(category="sales")
    client = api_as(marketer)

    bad = client.post(
        "/api/spend/", {"month": "March", "category": "rent", "amount": "-3"}, format="json"
    )
    sales = client.get("/api/spend/?category=sales")

    assert bad.status_code == 400 and set(bad.data) == {"month", "category", "amount"}
    assert sales.data["count"] == 1
