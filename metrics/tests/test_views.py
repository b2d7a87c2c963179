import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from crm.models import DealStatus, StageChange
from crm.tests.factories import (
    ActivityFactory,
    CampaignFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    NpsResponseFactory,
    PurchaseFactory,
    TicketFactory,
    pipeline_with_stages,
)
from metrics.forms import PeriodKind, current_period
from metrics.services import snapshot_day

pytestmark = pytest.mark.django_db

ROLES = ["rep", "manager", "marketer", "support_agent", "admin_user"]
REPORT_ACCESS = {
    "metrics:report_sales": {"rep", "manager", "admin_user"},
    "metrics:report_pipeline": {"manager", "admin_user"},
    "metrics:report_support": {"support_agent", "manager", "admin_user"},
    "metrics:report_marketing": {"marketer", "manager", "admin_user"},
}


@pytest.fixture(autouse=True)
def mid_month():
    """ "This month" must hold the data made "a few days ago": mid-month, never the 1st."""
    with time_machine.travel(datetime(2026, 11, 18, 12, 0, tzinfo=UTC), tick=True):
        yield


@pytest.fixture
def data(rep, other_rep, support_agent):
    """A little of everything, this month."""
    now = timezone.now()
    pipeline, stages = pipeline_with_stages()
    stages[1].rotting_days = 7
    stages[1].save()
    for i in range(3):
        deal = DealFactory(
            stage=stages[1],
            owner=rep,
            created_at=now - timedelta(days=1),
            stage_entered_at=now - timedelta(days=10),
            title=f"=stuck {i}",
        )
        StageChange.objects.create(
            deal=deal,
            stage=stages[0],
            entered_at=now - timedelta(days=1),
            left_at=now - timedelta(hours=1),
        )
    DealFactory(stage=stages[0], owner=other_rep, created_at=now - timedelta(hours=2))
    DealFactory(
        stage=stages[2],
        owner=other_rep,
        status=DealStatus.WON,
        value=Decimal("700.00"),
        created_at=now - timedelta(hours=3),
        closed_at=now - timedelta(hours=1),
    )
    lead = LeadFactory(owner=rep, campaign=CampaignFactory(name="Spring"))
    ActivityFactory(lead=lead, assignee=rep, done_at=now - timedelta(minutes=5))
    customer = ContactFactory(customer_since=now - timedelta(hours=5))
    PurchaseFactory(contact=customer, campaign=lead.campaign, purchased_at=now - timedelta(hours=4))
    TicketFactory(
        assignee=support_agent,
        opened_at=now - timedelta(hours=6),
        resolved_at=now - timedelta(hours=1),
        sla_due_at=now - timedelta(hours=2),
    )
    NpsResponseFactory(score=10, responded_at=now - timedelta(minutes=1))
    return pipeline


@pytest.mark.parametrize("role", ROLES)
def test_dashboard_renders_for_every_role(client, request, role, data):
    user = request.getfixturevalue(role)
    client.force_login(user)

    response = client.get(reverse("metrics:dashboard"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="kpi-sparklines"' in html and "data-sparkline=" in html
    assert "vendor/chart.umd.min.js" in html
    if role == "rep":
        assert {c.kpi.key for c in response.context["cards"]} >= {"close_rate", "open_deals"}
        assert "cac" not in {c.kpi.key for c in response.context["cards"]}
        assert response.context["scope"].type == "owner"


def test_rep_dashboard_shows_only_own_figures_even_when_asking_for_company(client, rep, data):
    client.force_login(rep)

    response = client.get(reverse("metrics:dashboard"), {"scope": "company", "period": "quarter"})

    assert response.status_code == 200
    assert response.context["scope"].id == rep.pk
    # The manager's link's period holds: the figures are the quarter's, as the form says.
    assert response.context["period"] == current_period(PeriodKind.QUARTER)
    assert not response.context["form"].errors
    cards = {c.kpi.key: c for c in response.context["cards"]}
    assert cards["open_deals"].value == 3  # not the other rep's deal


def test_manager_picks_scope_and_custom_period_and_sees_form_errors(client, manager, rep, data):
    client.force_login(manager)
    ok = client.get(
        reverse("metrics:dashboard"),
        {
            "period": "custom",
            "start": "2020-01-01",
            "end": "2020-02-01",
            "scope": f"owner:{rep.pk}",
        },
    )
    assert ok.status_code == 200
    assert ok.context["scope"].id == rep.pk
    assert str(ok.context["period"].start) == "2020-01-01"
    cards = {c.kpi.key: c for c in ok.context["cards"]}
    assert cards["close_rate"].value is None

    bad = client.get(
        reverse("metrics:dashboard"),
        {"period": "custom", "start": "2020-02-01", "end": "2020-01-01", "scope": "galaxy:1"},
    )
    assert bad.status_code == 200
    assert "end" in bad.context["form"].errors and "scope" in bad.context["form"].errors
    assert 'role="alert"' in bad.content.decode()


def test_dashboard_change_arrow_follows_direction(client, manager, data):
    client.force_login(manager)
    cards = {c.kpi.key: c for c in client.get(reverse("metrics:dashboard")).context["cards"]}
    assert cards["leads"].trend == "up" and cards["leads"].verdict == "better"
    assert cards["sales_cycle_days"].previous is None and cards["sales_cycle_days"].trend is None


def test_dashboard_sparkline_comes_from_snapshots(client, manager, data):
    today = timezone.localdate()
    snapshot_day(today - timedelta(days=2))
    snapshot_day(today - timedelta(days=1))
    client.force_login(manager)

    response = client.get(reverse("metrics:dashboard"))

    assert [p[0] for p in response.context["sparklines"]["open_deals"]] == [
        (today - timedelta(days=2)).isoformat(),
        (today - timedelta(days=1)).isoformat(),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_reports_index_and_each_report_per_role(client, request, role, data):
    user = request.getfixturevalue(role)
    client.force_login(user)

    index = client.get(reverse("metrics:reports"))

    assert index.status_code == 200
    for name, allowed in REPORT_ACCESS.items():
        url = reverse(name)
        response = client.get(url)
        assert response.status_code == (200 if role in allowed else 403), (name, role)
        assert (url in index.content.decode()) == (role in allowed)
        if role in allowed:
            assert 'id="report-data"' in response.content.decode()
            assert "<canvas" in response.content.decode()


def test_anonymous_is_sent_to_login(client):
    for name in ["metrics:dashboard", "metrics:reports", *REPORT_ACCESS]:
        response = client.get(reverse(name))
        assert response.status_code == 302 and "login" in response["Location"]


def test_sales_report_rows_and_csv(client, manager, rep, other_rep, data):
    client.force_login(manager)
    rows = {r["owner"]: r for r in client.get(reverse("metrics:report_sales")).context["rows"]}
    assert rows[other_rep.pk]["won_count"] == 1
    assert rows[other_rep.pk]["won_value"] == Decimal("700.00")
    assert rows[other_rep.pk]["close_rate"] == Decimal("50")
    assert rows[rep.pk]["calls_per_lead"] == Decimal("1")

    response = client.get(reverse("metrics:report_sales"), {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0][:3] == ["Rep", "Won deals", "Won value"]
    assert len(table) == 1 + len(rows)


def test_rep_sales_report_has_only_their_row(client, rep, data):
    client.force_login(rep)
    rows = client.get(reverse("metrics:report_sales")).context["rows"]
    assert [r["owner"] for r in rows] == [rep.pk]


def test_pipeline_report_shows_the_bottleneck_and_stuck_deals(client, manager, data):
    client.force_login(manager)

    response = client.get(reverse("metrics:report_pipeline"), {"pipeline": data.pk})

    body = response.context["data"]
    assert response.context["biggest"].stage.name == "Needs analysis"
    assert response.context["biggest"].share == Decimal("75")
    assert (
        "75" in response.content.decode() and "Needs analysis</strong>" in response.content.decode()
    )
    assert body["stuck"]["count"] == 3
    funnel = [(r.stage.name, r.reached) for r in body["stages"]]
    assert funnel == [("Qualified", 5), ("Needs analysis", 4), ("Proposal", 1), ("Negotiation", 0)]
    assert body["stages"][0].mean_days is not None
    csv_text = client.get(
        reverse("metrics:report_pipeline"), {"pipeline": data.pk, "format": "csv"}
    ).content.decode()
    assert "Needs analysis,3,75" in csv_text


def test_support_and_marketing_reports(client, admin_user, support_agent, data):
    client.force_login(admin_user)
    support = client.get(reverse("metrics:report_support")).context["data"]
    agent = next(a for a in support["agents"] if a["agent"] == support_agent.pk)
    assert (agent["resolved"], agent["avg_hours"], agent["breached"]) == (1, Decimal("5"), 1)
    assert [m["nps"] for m in support["nps_trend"]][-1] == Decimal("100")

    marketing = client.get(reverse("metrics:report_marketing")).context["rows"]
    spring = next(r for r in marketing if r["campaign"].name == "Spring")
    assert (spring["revenue"], spring["new_customers"], spring["leads"]) == (
        Decimal("100.00"),
        1,
        1,
    )
    csv_text = client.get(reverse("metrics:report_marketing"), {"format": "csv"}).content.decode()
    assert "Spring,100.00,1,0.00,0.00,1,0.0000,USD" in csv_text.splitlines()


def test_csv_cells_cannot_smuggle_formulas(client, manager, data):
    from metrics.views import _csv_response

    response = _csv_response("x.csv", ["a", "b"], [["=cmd()", ""], ["ok", None]], money=False)
    assert response.content.decode("utf-8-sig").splitlines()[1:] == ["'=cmd(),", "ok,"]


@pytest.mark.parametrize(
    "name",
    [
        "metrics:dashboard",
        "metrics:report_sales",
        "metrics:report_pipeline",
        "metrics:report_support",
        "metrics:report_marketing",
    ],
)
def test_query_count_does_not_grow_with_rows(
    client, manager, rep, data, name, django_assert_max_num_queries
):
    client.force_login(manager)
    with django_assert_max_num_queries(200) as small:
        client.get(reverse(name))
    now = timezone.now()
    stage = data.stages.first()
    for i in range(15):
        DealFactory(stage=stage, owner=rep, created_at=now - timedelta(hours=i + 1))
        TicketFactory(assignee=rep, opened_at=now - timedelta(hours=3), resolved_at=now)
        PurchaseFactory(campaign=CampaignFactory(), purchased_at=now)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse(name))
