from datetime import date
from decimal import Decimal

import pytest

from crm.models import Deal, DealStatus
from crm.tests.factories import (
    CampaignFactory,
    DealFactory,
    PurchaseFactory,
    TeamFactory,
    pipeline_with_stages,
)
from metrics.models import KpiSnapshot
from metrics.registry import KPIS
from metrics.services import snapshot_day
from metrics.tests.conftest import at

pytestmark = pytest.mark.django_db
JUNE = {"start": "2025-06-01", "end": "2025-07-01"}


def _deals(owner, n_won, n_open, stage):
    Deal.objects.bulk_create(
        Deal(
            title=f"D{i}",
            pipeline=stage.pipeline,
            stage=stage,
            owner=owner,
            value=Decimal("250.00"),
            created_at=at("2025-06-02"),
            status=DealStatus.WON if i < n_won else DealStatus.OPEN,
            closed_at=at("2025-06-12") if i < n_won else None,
        )
        for i in range(n_won + n_open)
    )


def test_catalogue_lists_every_kpi_with_its_metadata(api_as, rep):
    response = api_as(rep).get("/api/kpis/")

    assert response.status_code == 200
    assert [row["key"] for row in response.json()] == list(KPIS)
    close = next(row for row in response.json() if row["key"] == "close_rate")
    assert close["unit"] == "percent"
    assert close["direction"] == "higher_is_better"
    assert close["scopes"] == ["company", "owner", "team", "pipeline"]
    assert close["name"] == "Close rate" and close["formula"] and close["description"]


def test_close_rate_matches_hand_computation(api_as, manager, rep):
    _, stages = pipeline_with_stages()
    _deals(rep, 30, 70, stages[0])

    response = api_as(manager).get("/api/kpis/close_rate/", JUNE)

    assert response.status_code == 200
    assert response.json() == {
        "key": "close_rate",
        "name": "Close rate",
        "unit": "percent",
        "direction": "higher_is_better",
        "value": 30.0,
        "numerator": 30,
        "denominator": 100,
        "start": "2025-06-01",
        "end": "2025-07-01",
        "scope": {"type": "company", "id": None},
        "time_zone": "UTC",
        "reading": "cohort",
        "extra": {"open_share": 70.0},
    }


def test_empty_period_is_null_not_an_error(api_as, manager):
    for key in ("close_rate", "nps", "cac", "clv", "sales_cycle_days"):
        response = api_as(manager).get(f"/api/kpis/{key}/", JUNE)
        assert response.status_code == 200, key
        assert response.json()["value"] is None, key


def test_money_is_a_decimal_string_and_breakdown_and_extra_are_returned(api_as, manager, rep):
    pipeline, stages = pipeline_with_stages()
    _deals(rep, 0, 2, stages[0])
    PurchaseFactory(
        amount=Decimal("19.99"), purchased_at=at("2025-06-04"), campaign=CampaignFactory()
    )

    revenue = api_as(manager).get("/api/kpis/campaign_revenue/", JUNE).json()
    open_deals = api_as(manager).get("/api/kpis/open_deals/", JUNE).json()
    stages_json = (
        api_as(manager)
        .get("/api/kpis/stage_duration_days/", {**JUNE, "pipeline": pipeline.pk})
        .json()
    )

    assert (revenue["value"], revenue["denominator"]) == ("19.99", None)
    assert open_deals["value"] == 2 and open_deals["extra"] == {"amount": "500.00"}
    assert stages_json["breakdown"] == [] and stages_json["scope"] == {
        "type": "pipeline",
        "id": pipeline.pk,
    }


def test_unknown_kpi_is_404(api_as, manager):
    assert api_as(manager).get("/api/kpis/nope/", JUNE).status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "start"),
        ({"start": "2025-13-01", "end": "2025-07-01"}, "start"),
        ({"start": "2025-06-01", "end": "2025-06-01"}, "end"),
        ({"start": "2025-06-01", "end": "2025-05-01"}, "end"),
        ({"start": "0001-01-01", "end": "2025-05-01"}, "start"),
        ({**JUNE, "owner": 999999}, "owner"),
        ({**JUNE, "team": "abc"}, "team"),
        ({**JUNE, "pipeline": 99999999999999999999}, "pipeline"),
        ({**JUNE, "campaign": 999999}, "campaign"),
    ],
)
def test_bad_input_is_400_with_field_errors(api_as, manager, params, field):
    response = api_as(manager).get("/api/kpis/close_rate/", params)

    assert response.status_code == 400
    assert field in response.json()


def test_unsupported_scope_and_two_scopes_are_400(api_as, manager, rep):
    campaign = CampaignFactory()
    response = api_as(manager).get("/api/kpis/close_rate/", {**JUNE, "campaign": campaign.pk})
    assert response.status_code == 400 and "campaign" in response.json()
    response = api_as(manager).get(
        "/api/kpis/leads/", {**JUNE, "campaign": campaign.pk, "owner": rep.pk}
    )
    assert response.status_code == 400 and "non_field_errors" in response.json()


def test_rep_gets_own_figures_and_403_for_anybody_elses(api_as, rep, other_rep):
    _, stages = pipeline_with_stages()
    _deals(rep, 1, 1, stages[0])
    _deals(other_rep, 3, 0, stages[0])
    client = api_as(rep)

    own = client.get("/api/kpis/close_rate/", JUNE).json()
    assert (own["value"], own["denominator"], own["scope"]) == (
        50.0,
        2,
        {"type": "owner", "id": rep.pk},
    )
    assert client.get("/api/kpis/close_rate/", {**JUNE, "owner": rep.pk}).json()["value"] == 50.0
    assert client.get("/api/kpis/close_rate/", {**JUNE, "owner": other_rep.pk}).status_code == 403
    team = TeamFactory()
    assert client.get("/api/kpis/close_rate/", {**JUNE, "team": team.pk}).status_code == 403
    assert client.get("/api/kpis/cac/", JUNE).status_code == 403


@pytest.mark.parametrize("role_fixture", ["manager", "admin_user"])
def test_managers_and_admins_may_ask_for_any_rep(request, api_as, role_fixture, rep):
    user = request.getfixturevalue(role_fixture)
    response = api_as(user).get("/api/kpis/close_rate/", {**JUNE, "owner": rep.pk})
    assert response.status_code == 200
    assert response.json()["scope"] == {"type": "owner", "id": rep.pk}


@pytest.mark.parametrize("role_fixture", ["marketer", "support_agent"])
def test_marketing_and_support_see_the_company_and_themselves_not_a_rep_or_team(
    request, api_as, role_fixture, rep
):
    user = request.getfixturevalue(role_fixture)
    client = api_as(user)
    assert client.get("/api/kpis/close_rate/", {**JUNE, "owner": rep.pk}).status_code == 403
    team = TeamFactory()
    assert client.get("/api/kpis/close_rate/", {**JUNE, "team": team.pk}).status_code == 403
    company = client.get("/api/kpis/close_rate/", JUNE)
    assert company.status_code == 200
    assert company.json()["scope"] == {"type": "company", "id": None}
    own = client.get("/api/kpis/close_rate/", {**JUNE, "owner": user.pk})
    assert own.status_code == 200
    assert own.json()["scope"] == {"type": "owner", "id": user.pk}
    # Their snapshot history holds no other person's or team's figures either.
    KpiSnapshot.objects.create(
        kpi="close_rate", date=date(2024, 6, 1), scope_type="owner", scope_id=rep.pk, value=1
    )
    KpiSnapshot.objects.create(
        kpi="close_rate", date=date(2024, 6, 1), scope_type="company", scope_id=0, value=2
    )
    listed = client.get("/api/kpi-snapshots/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert {row["scope_type"] for row in rows} == {"company"}


def test_anonymous_is_refused(api_client):
    assert api_client.get("/api/kpis/").status_code in (401, 403)
    assert api_client.get("/api/kpi-snapshots/").status_code in (401, 403)


def test_snapshots_filtered_and_paginated(api_as, manager, rep, django_assert_max_num_queries):
    _, stages = pipeline_with_stages()
    DealFactory(stage=stages[0], owner=rep, created_at=at("2025-06-02"))
    for day in (date(2025, 6, 10), date(2025, 6, 11), date(2025, 6, 12)):
        snapshot_day(day)

    client = api_as(manager)
    with django_assert_max_num_queries(6):
        response = client.get(
            "/api/kpi-snapshots/",
            {
                "kpi": "open_deals",
                "scope_type": "company",
                "scope_id": 0,
                "date_after": "2025-06-11",
                "date_before": "2025-06-12",
            },
        )
    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 2
    assert [(r["date"], r["value"]) for r in body["results"]] == [
        ("2025-06-11", "1.0000"),
        ("2025-06-12", "1.0000"),
    ]
    page = client.get("/api/kpi-snapshots/", {"page_size": 5}).json()
    assert len(page["results"]) == 5 and page["next"]
    assert client.get("/api/kpi-snapshots/", {"scope_type": "galaxy"}).status_code == 400
    assert client.get("/api/kpi-snapshots/", {"date_after": "june"}).status_code == 400

    mine = api_as(rep).get("/api/kpi-snapshots/", {"page_size": 200}).json()
    assert mine["count"] == KpiSnapshot.objects.filter(scope_type="owner", scope_id=rep.pk).count()
    assert {(r["scope_type"], r["scope_id"]) for r in mine["results"]} == {("owner", rep.pk)}
