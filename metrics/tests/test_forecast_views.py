"""The forecast page and GET /api/forecast/: same figures, roles, bad input, accuracy."""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from rest_framework.renderers import JSONRenderer

from crm.models import DealStatus
from crm.tests.factories import DealFactory, PipelineFactory, pipeline_with_stages
from metrics.forecast.accuracy import forecast_snapshot_take
from metrics.forecast.api import ForecastSerializer
from metrics.models import ForecastSnapshot

from .test_forecast import NOW, proposal_history

pytestmark = pytest.mark.django_db

PAGE = "/forecast/"
API = "/api/forecast/"


@pytest.fixture
def pipeline(rep, other_rep):
    _pipeline, stages = pipeline_with_stages()
    proposal_history(stages, n=20, won=8)
    DealFactory(stage=stages[2], owner=rep, value=Decimal("1000.00"), title="Rep's own")
    DealFactory(stage=stages[1], owner=other_rep, value=Decimal("3000.00"), title="Not the rep's")
    return stages


def _as_json(report) -> dict:
    return json.loads(JSONRenderer().render(ForecastSerializer(report).data))


def test_page_and_api_agree(client, api_as, manager, pipeline):
    client.force_login(manager)

    page = client.get(PAGE, {"period": "quarter", "scope": "company"})
    api = api_as(manager).get(API, {"period": "quarter", "scope": "company"})

    assert page.status_code == api.status_code == 200
    assert _as_json(page.context["report"]) == api.json()
    assert Decimal(api.json()["periods"][3]["expected"]) > 0


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin_user", 200),
        ("manager", 200),
        ("rep", 200),
        ("marketer", 403),
        ("support_agent", 403),
    ],
)
def test_each_role_gets_its_status(client, api_as, request, role, status, pipeline):
    user = request.getfixturevalue(role)
    client.force_login(user)

    assert client.get(PAGE).status_code == status
    assert api_as(user).get(API).status_code == status


def test_forecast_is_in_the_nav_of_the_roles_that_read_it(client, manager, marketer):
    client.force_login(manager)
    assert PAGE in [i["url"] for i in client.get("/dashboard/").context["nav_items"]]
    client.force_login(marketer)
    assert PAGE not in [i["url"] for i in client.get("/dashboard/").context["nav_items"]]


def test_a_rep_sees_only_their_own_deals(client, api_as, rep, other_rep, pipeline):
    client.force_login(rep)
    current = api_as(rep).get(API).json()
    assert current["scope"] == {"type": "owner", "id": rep.pk}
    start = next(p["start"] for p in current["periods"] if Decimal(p["expected"]) > 0)

    page = client.get(PAGE, {"drill": start})

    titles = [d.title for d in page.context["drill"]["open"]]
    assert titles == ["Rep's own"]
    assert "Not the rep" not in page.content.decode()
    assert api_as(rep).get(API, {"scope": "company"}).status_code == 403
    assert api_as(rep).get(API, {"scope": f"owner:{other_rep.pk}"}).status_code == 403
    assert client.get(PAGE, {"scope": f"owner:{other_rep.pk}"}).status_code == 403


@pytest.mark.parametrize(
    "params",
    [
        {"period": "week"},
        {"scope": "campaign:1"},
        {"scope": "team:abc"},
        {"scope": "pipeline:999999"},
        {"scope": "owner:" + "9" * 40},
    ],
)
def test_bad_parameters_are_a_400_with_field_errors(client, api_as, manager, params):
    client.force_login(manager)

    api = api_as(manager).get(API, params)
    page = client.get(PAGE, params)

    assert api.status_code == 400
    assert set(api.json()) == set(params)
    assert page.status_code == 400


@pytest.mark.parametrize("day", ["not-a-day", "9999-12-31"])
def test_bad_drill_date_is_a_400(client, manager, pipeline, day):
    client.force_login(manager)
    assert client.get(PAGE, {"drill": day}).status_code == 400


def test_accuracy_table_fills_once_the_period_has_closed(client, time_machine, manager, rep):
    _pipeline, stages = pipeline_with_stages()
    time_machine.move_to("2026-03-02 03:00:00+00:00")
    proposal_history(stages, n=10, won=4)
    DealFactory(stage=stages[2], owner=rep, value=Decimal("1000.00"))
    forecast_snapshot_take()
    march = ForecastSnapshot.objects.get(
        scope_type="company", period_kind="month", period_start=date(2026, 3, 1)
    )
    assert march.forecast == Decimal("400.00")
    client.force_login(manager)
    assert client.get(PAGE).context["report"]["accuracy"]["rows"] == []

    # March ends with $500 won; on 1 April the table holds the forecast against it.
    time_machine.move_to("2026-03-30 12:00:00+00:00")
    DealFactory(
        stage=stages[3],
        owner=rep,
        value=Decimal("500.00"),
        status=DealStatus.WON,
        created_at=NOW - timedelta(days=40),
        closed_at=NOW + timedelta(days=9),
    )
    time_machine.move_to("2026-04-01 09:00:00+00:00")
    client.force_login(manager)
    accuracy = client.get(PAGE).context["report"]["accuracy"]

    assert accuracy["rows"] == [
        {
            "period_start": date(2026, 3, 1),
            "period_end": date(2026, 4, 1),
            "taken_on": date(2026, 3, 2),
            "horizon": 0,
            "forecast": Decimal("400.00"),
            "actual": Decimal("500.00"),
            "error": Decimal("20.0"),
            "label": "March 2026",
        }
    ]
    assert accuracy["mape"] == [{"horizon": 0, "mape": Decimal("20.0"), "periods": 1}]


@pytest.mark.parametrize("url", [PAGE, API, PAGE + "?drill=2026-03-01"])
def test_query_count_does_not_grow_with_deals(client, manager, url, django_assert_max_num_queries):
    _pipeline, stages = pipeline_with_stages()
    client.force_login(manager)

    def add(n):
        for i in range(n):
            DealFactory(stage=stages[i % 4], value=Decimal("100.00"))
            PipelineFactory() if i == 0 else None

    add(2)
    client.get(url)
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    add(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_nightly_task_is_scheduled_and_idempotent(settings, time_machine, rep):
    from metrics.tasks import forecast_snapshot_nightly_task

    time_machine.move_to("2026-03-02 02:15:00+00:00")
    _pipeline, stages = pipeline_with_stages()
    DealFactory(stage=stages[2], owner=rep)
    schedule = settings.CELERY_BEAT_SCHEDULE["metrics-snapshot-forecast"]
    assert schedule["task"] == "metrics.tasks.forecast_snapshot_nightly_task"

    first = forecast_snapshot_nightly_task.apply().get()
    again = forecast_snapshot_nightly_task.apply().get()

    # Company, the rep and the pipeline; the current month and 3 ahead, the current
    # quarter and 3 ahead: 3 scopes x 8 periods, stored once however often it runs.
    assert first == again == 24
    assert ForecastSnapshot.objects.count() == 24
