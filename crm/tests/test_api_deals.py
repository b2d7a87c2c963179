from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from crm.models import Deal, DomainEvent, Purchase, StageChange
from crm.services.deals import deal_create
from crm.tests.factories import ContactFactory, DealFactory, pipeline_with_stages
from crm.tests.test_api_world import world  # noqa: F401

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def test_create_a_deal_in_the_first_stage_owned_by_its_creator(rep, api_as, world):  # noqa: F811
    response = api_as(rep).post(
        "/api/deals/",
        {"title": "Website relaunch", "value": "600", "pipeline": world.pipeline.pk},
        format="json",
    )

    assert response.status_code == 201, response.data
    assert response.data["value"] == "600.00"
    assert response.data["currency"] == "USD"
    assert response.data["stage"] == world.stages[0].pk
    assert response.data["owner"] == rep.pk
    assert response.data["status"] == "open"
    assert response.data["closed_at"] is None
    deal = Deal.objects.get(pk=response.data["id"])
    assert list(deal.stage_changes.values_list("stage", "left_at")) == [(world.stages[0].pk, None)]
    assert DomainEvent.objects.filter(kind="deal.created", subject_id=deal.pk).count() == 1


def test_a_deal_has_the_product_field_names(manager, api_as, world):  # noqa: F811
    deal = deal_create(actor=manager, title="x", stage=world.stages[1])

    data = api_as(manager).get(f"/api/deals/{deal.pk}/").data

    assert set(data) >= {
        "title", "value", "currency", "pipeline", "stage", "owner", "contact", "company",
        "status", "lost_reason", "kind", "expected_close_date", "created_at", "closed_at",
    }  # fmt: skip


def test_negative_value_is_a_400_naming_value(rep, api_as, world):  # noqa: F811
    response = api_as(rep).post(
        "/api/deals/", {"title": "x", "value": "-5", "stage": world.stages[0].pk}, format="json"
    )

    assert response.status_code == 400
    assert list(response.data) == ["value"]
    assert Deal.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"value": "abc"}, "value"),
        ({"value": "1e20"}, "value"),
        ({"value": "1.234"}, "value"),
        ({"title": ""}, "title"),
        ({"currency": "dollars"}, "currency"),
        ({"currency": "12$"}, "currency"),
        ({"kind": "merger"}, "kind"),
        ({"status": "pending"}, "status"),
        ({"stage": 99999999}, "stage"),
        ({"contact": "abc"}, "contact"),
        ({"expected_close_date": "31/12/2025"}, "expected_close_date"),
        ({"created_at": "yesterday"}, "created_at"),
        ({"status": "lost"}, "lost_reason"),
        ({"closed_at": "2025-01-01T00:00:00Z"}, "closed_at"),
        (
            {"status": "won", "created_at": "2025-02-01T00:00Z", "closed_at": "2025-01-01T00:00Z"},
            "closed_at",
        ),
    ],
)
def test_invalid_deals_are_400s_naming_the_field(body, field, rep, api_as, world):  # noqa: F811
    payload = {"title": "Deal", "stage": world.stages[0].pk, **body}

    response = api_as(rep).post("/api/deals/", payload, format="json")

    assert response.status_code == 400
    assert field in response.data


def test_a_stage_of_another_pipeline_is_refused(rep, api_as, world):  # noqa: F811
    _, other_stages = pipeline_with_stages(names=("A", "B"))

    response = api_as(rep).post(
        "/api/deals/",
        {"title": "x", "pipeline": world.pipeline.pk, "stage": other_stages[1].pk},
        format="json",
    )

    assert response.status_code == 400
    assert "stage" in response.data


def test_a_rep_cannot_create_a_deal_for_another_rep(rep, other_rep, api_as, world):  # noqa: F811
    response = api_as(rep).post(
        "/api/deals/",
        {"title": "x", "stage": world.stages[0].pk, "owner": other_rep.pk},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.data) == ["owner"]


def test_a_manager_creates_a_deal_for_a_rep(manager, rep, api_as, world):  # noqa: F811
    response = api_as(manager).post(
        "/api/deals/", {"title": "x", "stage": world.stages[0].pk, "owner": rep.pk}, format="json"
    )

    assert response.status_code == 201
    assert response.data["owner"] == rep.pk


def test_historical_won_deal_goes_through_the_win_service(manager, api_as, world):  # noqa: F811
    contact = ContactFactory()

    response = api_as(manager).post(
        "/api/deals/",
        {
            "title": "Migrated",
            "value": "1500.00",
            "stage": world.stages[2].pk,
            "contact": contact.pk,
            "status": "won",
            "created_at": "2024-01-10T08:00:00+02:00",
            "closed_at": "2024-03-01T12:30:00+02:00",
        },
        format="json",
    )

    assert response.status_code == 201, response.data
    assert response.data["created_at"] == "2024-01-10T06:00:00Z"
    assert response.data["closed_at"] == "2024-03-01T10:30:00Z"
    purchase = Purchase.objects.get(deal_id=response.data["id"])
    assert purchase.amount == Decimal("1500.00")
    assert purchase.purchased_at == datetime(2024, 3, 1, 10, 30, tzinfo=UTC)
    contact.refresh_from_db()
    assert contact.lifecycle == "customer"
    assert contact.customer_since == purchase.purchased_at
    history = StageChange.objects.get(deal_id=response.data["id"])
    assert (history.entered_at, history.left_at) == (
        datetime(2024, 1, 10, 6, tzinfo=UTC),
        datetime(2024, 3, 1, 10, 30, tzinfo=UTC),
    )


def test_historical_lost_deal_keeps_its_reason(manager, api_as, world):  # noqa: F811
    response = api_as(manager).post(
        "/api/deals/",
        {
            "title": "Migrated",
            "stage": world.stages[0].pk,
            "status": "lost",
            "lost_reason": "Price",
            "created_at": "2024-01-10T08:00:00Z",
            "closed_at": "2024-02-01T08:00:00Z",
        },
        format="json",
    )

    assert response.status_code == 201
    assert (response.data["status"], response.data["lost_reason"]) == ("lost", "Price")


def test_three_stage_moves_leave_exact_stage_history(rep, api_as, world):  # noqa: F811
    client = api_as(rep)
    with time_machine.travel(T0, tick=False) as clock:
        deal_id = client.post(
            "/api/deals/", {"title": "x", "stage": world.stages[0].pk}, format="json"
        ).data["id"]
        for hours, stage in zip((5, 24, 48), world.stages[1:], strict=True):
            clock.move_to(T0 + timedelta(hours=hours))
            response = client.patch(f"/api/deals/{deal_id}/", {"stage": stage.pk}, format="json")
            assert response.status_code == 200, response.data
            assert response.data["stage"] == stage.pk

    history = client.get(f"/api/deals/{deal_id}/stage-history/")

    assert history.status_code == 200
    assert [(row["stage"], row["entered_at"], row["left_at"]) for row in history.data] == [
        (world.stages[0].pk, "2025-03-03T09:00:00Z", "2025-03-03T14:00:00Z"),
        (world.stages[1].pk, "2025-03-03T14:00:00Z", "2025-03-04T09:00:00Z"),
        (world.stages[2].pk, "2025-03-04T09:00:00Z", "2025-03-05T09:00:00Z"),
        (world.stages[3].pk, "2025-03-05T09:00:00Z", None),
    ]
    assert StageChange.objects.filter(deal_id=deal_id, left_at__isnull=False).count() == 3
    assert DomainEvent.objects.filter(kind="deal.stage_changed", subject_id=deal_id).count() == 3


def test_mark_won_then_lost_then_reopen(rep, api_as, world):  # noqa: F811
    client = api_as(rep)
    deal = deal_create(actor=rep, title="x", value=Decimal("700"), stage=world.stages[0])
    url = f"/api/deals/{deal.pk}/"

    won = client.patch(url, {"status": "won", "closed_at": "2099-01-01T00:00:00Z"}, format="json")
    again = client.patch(url, {"status": "lost", "lost_reason": "Budget"}, format="json")
    reopened = client.patch(url, {"status": "open"}, format="json")
    lost = client.patch(url, {"status": "lost"}, format="json")
    lost_with_reason = client.patch(url, {"status": "lost", "lost_reason": "Budget"}, format="json")

    assert (won.status_code, won.data["status"], won.data["closed_at"]) == (
        200,
        "won",
        "2099-01-01T00:00:00Z",
    )
    assert again.status_code == 400 and "status" in again.data
    assert (reopened.status_code, reopened.data["status"], reopened.data["closed_at"]) == (
        200,
        "open",
        None,
    )
    assert lost.status_code == 400 and list(lost.data) == ["lost_reason"]
    assert lost_with_reason.status_code == 200
    assert lost_with_reason.data["lost_reason"] == "Budget"


def test_a_closed_deal_cannot_move_stage(rep, api_as, world):  # noqa: F811
    deal = deal_create(actor=rep, title="x", stage=world.stages[0], status="lost", lost_reason="No")

    response = api_as(rep).patch(
        f"/api/deals/{deal.pk}/", {"stage": world.stages[1].pk}, format="json"
    )

    assert response.status_code == 400
    assert "stage" in response.data


def test_a_deal_cannot_change_pipeline(rep, api_as, world):  # noqa: F811
    other_pipeline, _ = pipeline_with_stages(names=("A",))
    deal = deal_create(actor=rep, title="x", stage=world.stages[0])

    response = api_as(rep).patch(
        f"/api/deals/{deal.pk}/", {"pipeline": other_pipeline.pk}, format="json"
    )

    assert response.status_code == 400
    assert list(response.data) == ["pipeline"]


def test_update_value_emits_value_changed(rep, api_as, world):  # noqa: F811
    deal = deal_create(actor=rep, title="x", value=Decimal("100"), stage=world.stages[0])

    response = api_as(rep).patch(f"/api/deals/{deal.pk}/", {"value": "900.5"}, format="json")

    assert response.status_code == 200
    assert response.data["value"] == "900.50"
    event = DomainEvent.objects.get(kind="deal.value_changed", subject_id=deal.pk)
    assert event.payload == {"old_value": "100.00", "value": "900.50"}


def test_put_round_trip_keeps_the_deal(rep, api_as, world):  # noqa: F811
    client = api_as(rep)
    deal = deal_create(actor=rep, title="x", stage=world.stages[0], created_at=T0)
    data = client.get(f"/api/deals/{deal.pk}/").data

    response = client.put(f"/api/deals/{deal.pk}/", {**data, "title": "y"}, format="json")

    assert response.status_code == 200, response.data
    assert (response.data["title"], response.data["created_at"]) == ("y", "2025-03-03T09:00:00Z")


def test_a_rep_cannot_reassign_their_deal(rep, other_rep, api_as, world):  # noqa: F811
    deal = deal_create(actor=rep, title="x", stage=world.stages[0])

    response = api_as(rep).patch(f"/api/deals/{deal.pk}/", {"owner": other_rep.pk}, format="json")

    assert response.status_code == 400
    assert list(response.data) == ["owner"]


def test_another_reps_deal_is_a_404(rep, other_rep, api_as, world):  # noqa: F811
    theirs = deal_create(actor=other_rep, title="theirs", stage=world.stages[0])

    assert api_as(rep).get(f"/api/deals/{theirs.pk}/").status_code == 404
    assert api_as(rep).get(f"/api/deals/{theirs.pk}/stage-history/").status_code == 404
    assert api_as(other_rep).get(f"/api/deals/{theirs.pk}/").status_code == 200


def test_filters(manager, rep, other_rep, api_as, world):  # noqa: F811
    a = DealFactory(owner=rep, stage=world.stages[0], kind="upsell")
    b = DealFactory(owner=other_rep, stage=world.stages[1])
    c = DealFactory(
        owner=rep, stage=world.stages[1], status="won", closed_at=T0, created_at=T0 - timedelta(1)
    )
    other_pipeline_deal = DealFactory(owner=rep)
    client = api_as(manager)

    def ids(query):
        response = client.get(f"/api/deals/?{query}")
        assert response.status_code == 200, response.data
        return sorted(row["id"] for row in response.data["results"])

    assert ids(f"owner={rep.pk}") == sorted([a.pk, c.pk, other_pipeline_deal.pk])
    assert ids(f"stage={world.stages[1].pk}") == sorted([b.pk, c.pk])
    assert ids("status=won") == [c.pk]
    assert ids(f"pipeline={world.pipeline.pk}&status=open") == sorted([a.pk, b.pk])
    assert ids("kind=upsell") == [a.pk]
    assert ids("search=" + b.title) == [b.pk]
    assert ids("closed_after=2025-03-01T00:00:00Z") == [c.pk]
    assert client.get("/api/deals/?status=bogus").status_code == 400
    assert client.get("/api/deals/?owner=abc").status_code == 400
    assert ids("owner=987654321") == []


def test_ordering_and_pagination(manager, api_as, world):  # noqa: F811
    for value in ("5", "50", "500"):
        DealFactory(stage=world.stages[0], value=Decimal(value))

    response = api_as(manager).get("/api/deals/?ordering=-value&page_size=2")

    assert response.data["count"] == 3
    assert [row["value"] for row in response.data["results"]] == ["500.00", "50.00"]
    assert response.data["next"].endswith("ordering=-value&page=2&page_size=2")
    assert response.data["previous"] is None


def test_delete_a_deal(manager, api_as, world):  # noqa: F811
    deal = deal_create(actor=manager, title="x", stage=world.stages[0])

    assert api_as(manager).delete(f"/api/deals/{deal.pk}/").status_code == 204
    assert not Deal.objects.filter(pk=deal.pk).exists()


def test_a_pipeline_or_stage_in_use_cannot_be_deleted(admin_user, api_as, world):  # noqa: F811
    deal_create(actor=admin_user, title="x", stage=world.stages[0])
    client = api_as(admin_user)

    stage = client.delete(f"/api/stages/{world.stages[0].pk}/")
    pipeline = client.delete(f"/api/pipelines/{world.pipeline.pk}/")
    unused = client.delete(f"/api/stages/{world.stages[3].pk}/")

    assert stage.status_code == 400
    # The stage service names how many deals hold it (Settings shows the same sentence).
    assert stage.data["non_field_errors"] == [
        "1 deal is in this stage; move it to another stage first."
    ]
    assert pipeline.status_code == 400
    assert unused.status_code == 204


def test_pipelines_list_their_stages_in_order(rep, api_as, world):  # noqa: F811
    response = api_as(rep).get(f"/api/pipelines/{world.pipeline.pk}/")

    assert [s["name"] for s in response.data["stages"]] == [
        "Qualified",
        "Needs analysis",
        "Proposal",
        "Negotiation",
    ]
    assert response.data["is_default"] is True


def test_stage_filter_and_invalid_probability(admin_user, api_as, world):  # noqa: F811
    client = api_as(admin_user)
    _, other = pipeline_with_stages(names=("Only",))

    listed = client.get(f"/api/stages/?pipeline={other[0].pipeline_id}")
    bad = client.post(
        "/api/stages/",
        {"pipeline": world.pipeline.pk, "name": "Over", "win_probability": 101},
        format="json",
    )
    duplicate = client.post(
        "/api/stages/", {"pipeline": world.pipeline.pk, "name": "Qualified"}, format="json"
    )

    assert [row["id"] for row in listed.data["results"]] == [other[0].pk]
    assert bad.status_code == 400 and list(bad.data) == ["win_probability"]
    assert duplicate.status_code == 400 and list(duplicate.data) == ["non_field_errors"]


def test_a_refused_patch_stores_nothing_and_emits_nothing(rep, api_as, world):  # noqa: F811
    deal = deal_create(actor=rep, title="Probe", value=Decimal("100.00"), stage=world.stages[0])
    events_before = DomainEvent.objects.count()

    response = api_as(rep).patch(
        f"/api/deals/{deal.pk}/",
        {"value": "900.00", "status": "won", "closed_at": "2000-01-01T00:00:00Z"},
        format="json",
    )

    assert response.status_code == 400
    assert response.data["closed_at"] == ["A deal cannot close before it was created."]
    deal.refresh_from_db()
    assert (deal.value, deal.status) == (Decimal("100.00"), "open")
    assert DomainEvent.objects.count() == events_before  # no deal.value_changed either
