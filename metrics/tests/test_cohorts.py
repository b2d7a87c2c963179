"""Cohort KPIs (issue #12): close and conversion rate read "of those created in the period,
how many have reached the outcome as of now", with the share still undecided beside it;
their snapshots are restated nightly while the cohort matures; every KPI response names
the time zone of its period boundaries."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from crm.models import DealStatus, LeadStatus
from crm.tests.factories import DealFactory, LeadFactory, pipeline_with_stages
from metrics import registry, reports
from metrics.models import KpiSnapshot
from metrics.scopes import Period, Scope
from metrics.services import COHORT_RESTATE_DAYS, restate_cohorts, snapshot_day
from metrics.tasks import kpi_snapshot_nightly_task
from metrics.tests.conftest import at

pytestmark = pytest.mark.django_db
JANUARY_2019 = {"start": "2019-01-01", "end": "2019-02-01"}


def _post_deal(client, stage, owner, i, **fields):
    payload = {
        "title": f"January deal {i}",
        "value": "100.00",
        "pipeline": stage.pipeline_id,
        "stage": stage.pk,
        "owner": owner.pk,
        "created_at": f"2019-01-{i + 1:02d}T10:00:00Z",
        **fields,
    }
    response = client.post("/api/deals/", payload, format="json")
    assert response.status_code == 201, response.json()


def test_ten_january_deals_three_won_in_march_two_lost_read_30_percent_half_open(
    api_as, manager, rep
):
    """The issue's must-show: 3 won ÷ 10 created = 30.0 %; 5 of 10 still open = 50.0 %.
    The wins came in March, after January ended: the cohort reading still counts them."""
    _, stages = pipeline_with_stages()
    client = api_as(manager)
    for i in range(3):
        _post_deal(
            client, stages[0], rep, i, status=DealStatus.WON, closed_at="2019-03-12T10:00:00Z"
        )
    for i in range(3, 5):
        _post_deal(
            client,
            stages[0],
            rep,
            i,
            status=DealStatus.LOST,
            closed_at="2019-02-20T10:00:00Z",
            lost_reason="Price",
        )
    for i in range(5, 10):
        _post_deal(client, stages[0], rep, i)

    response = client.get("/api/kpis/close_rate/", JANUARY_2019)

    assert response.status_code == 200
    body = response.json()
    assert (body["value"], body["numerator"], body["denominator"]) == (30.0, 3, 10)
    assert body["extra"] == {"open_share": 50.0}
    assert body["reading"] == "cohort"
    assert body["time_zone"] == "UTC"
    # The sales report reads the same cohort for the rep's row.
    row = next(
        r
        for r in reports.sales_performance(Period(date(2019, 1, 1), date(2019, 2, 1)))
        if r["owner"] == rep.pk
    )
    assert row["close_rate"] == Decimal("30.0000")


def test_conversion_rate_counts_conversions_after_the_period_and_undecided_leads(rep, june):
    # 4 leads created in June: one converted in July, one disqualified, two still worked.
    LeadFactory(
        owner=rep,
        created_at=at("2025-06-03"),
        status=LeadStatus.CONVERTED,
        converted_at=at("2025-07-15"),
    )
    LeadFactory(owner=rep, created_at=at("2025-06-04"), status=LeadStatus.DISQUALIFIED)
    LeadFactory(owner=rep, created_at=at("2025-06-05"), status=LeadStatus.WORKING)
    LeadFactory(owner=rep, created_at=at("2025-06-06"), status=LeadStatus.NEW)
    LeadFactory(owner=rep, created_at=at("2025-05-31"), status=LeadStatus.NEW)  # May: not in

    result = registry.compute("conversion_rate", june)

    # 1 ÷ 4 = 25 %; undecided 2 ÷ 4 = 50 %.
    assert (result.value, result.numerator, result.denominator) == (Decimal("25"), 1, 4)
    assert result.extra == {"open_share": Decimal("50")}


def test_empty_cohort_has_no_value_and_no_open_share(june):
    result = registry.compute("close_rate", june)
    assert (result.value, result.extra) == (None, {"open_share": None})


def test_catalogue_states_each_kpis_reading_translated_with_its_time_zone(api_as, rep):
    rows = {row["key"]: row for row in api_as(rep).get("/api/kpis/").json()}

    assert {key for key, row in rows.items() if row["reading"] == "cohort"} == {
        "close_rate",
        "conversion_rate",
    }
    assert rows["close_rate"]["definition"].startswith("Cohort: of those created in the period")
    assert rows["close_rate"]["version"] == 2
    assert rows["win_rate"]["reading"] == "period"
    assert all(row["time_zone"] == "UTC" for row in rows.values())
    german = api_as(rep).get("/api/kpis/", HTTP_ACCEPT_LANGUAGE="de").json()
    with translation.override("de"):
        expected = registry.KPIS["close_rate"].definition
    assert next(r for r in german if r["key"] == "close_rate")["definition"] == expected
    assert expected != rows["close_rate"]["definition"]


def test_every_kpi_response_names_the_time_zone_of_its_boundaries(api_as, manager, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    for key in ("leads", "close_rate", "new_revenue", "nps"):
        body = api_as(manager).get(f"/api/kpis/{key}/", JANUARY_2019).json()
        assert body["time_zone"] == "Europe/Berlin", key


def test_dashboard_card_shows_the_cohorts_maturity(client, manager, rep):
    _, stages = pipeline_with_stages()
    DealFactory(stage=stages[0], owner=rep, created_at=at("2025-06-02"))
    DealFactory(
        stage=stages[0],
        owner=rep,
        created_at=at("2025-06-03"),
        status=DealStatus.WON,
        closed_at=at("2025-06-20"),
    )
    client.force_login(manager)

    page = client.get(
        "/dashboard/", {"period": "custom", "start": "2025-06-01", "end": "2025-07-01"}
    )

    html = page.content.decode()
    card = html[html.index('data-kpi="close_rate"') :]
    card = card[: card.index("</li>")]
    assert '<bdi dir="ltr">50.0\u00a0%</bdi> still open' in card  # 1 of 2 deals open
    assert "still open" not in html[html.index('data-kpi="win_rate"') :].split("</li>")[0]


def _snapshot(kpi, day):
    return KpiSnapshot.objects.get(kpi=kpi, scope_type="company", scope_id=0, date=day)


def test_restating_a_cohort_snapshot_follows_its_deals_as_they_close(rep):
    _, stages = pipeline_with_stages()
    day = date(2025, 6, 30)
    deal = DealFactory(stage=stages[0], owner=rep, created_at=at("2025-06-10"))
    DealFactory(stage=stages[0], owner=rep, created_at=at("2025-06-11"))
    snapshot_day(day, scopes=[Scope.company()])
    leads_before = _snapshot("leads", day).computed_at
    assert _snapshot("close_rate", day).value == 0

    deal.status, deal.closed_at = DealStatus.WON, at("2025-08-01")
    deal.save()
    written = restate_cohorts(date(2025, 8, 1))

    # 1 won ÷ 2 created = 50 %; only the cohort KPIs' rows were rewritten.
    assert _snapshot("close_rate", day).value == Decimal("50")
    assert _snapshot("close_rate", day).denominator == 2
    assert _snapshot("close_rate", day).definition_version == 2
    assert _snapshot("leads", day).computed_at == leads_before
    assert written == KpiSnapshot.objects.filter(kpi__in=["close_rate", "conversion_rate"]).count()
    # The company's day still has every KPI once (restating adds no duplicate).
    assert KpiSnapshot.objects.filter(date=day, scope_type="company").count() == sum(
        1 for kpi in registry.KPIS.values() if kpi.supports("company")
    )


def test_restatement_stops_once_the_cohort_is_older_than_180_days(rep):
    _, stages = pipeline_with_stages()
    day = date(2025, 1, 31)
    deal = DealFactory(stage=stages[0], owner=rep, created_at=at("2025-01-10"))
    snapshot_day(day, scopes=[Scope.company()])
    deal.status, deal.closed_at = DealStatus.WON, at("2025-09-01")
    deal.save()

    assert restate_cohorts(day + timedelta(days=COHORT_RESTATE_DAYS)) == 0
    assert _snapshot("close_rate", day).value == 0
    restate_cohorts(day + timedelta(days=COHORT_RESTATE_DAYS - 1))
    assert _snapshot("close_rate", day).value == Decimal("100")


def test_nightly_task_restates_the_maturing_cohorts(time_machine, rep, celery_eager):
    _, stages = pipeline_with_stages()
    deal = DealFactory(stage=stages[0], owner=rep, created_at=at("2025-06-10"))
    snapshot_day(date(2025, 6, 30))
    deal.status, deal.closed_at = DealStatus.WON, at("2025-07-20")
    deal.save()
    time_machine.move_to("2025-08-01 02:00:00+00:00")

    kpi_snapshot_nightly_task()

    assert _snapshot("close_rate", date(2025, 6, 30)).value == Decimal("100")
    owner = KpiSnapshot.objects.get(
        kpi="close_rate", scope_type="owner", scope_id=rep.pk, date=date(2025, 6, 30)
    )
    assert owner.value == Decimal("100")
    assert _snapshot("close_rate", date(2025, 7, 31)).value is None  # no deal created then
