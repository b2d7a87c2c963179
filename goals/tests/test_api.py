from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.models import DealStatus
from crm.tests.factories import ContactFactory, DealFactory, TeamFactory
from goals.models import Goal, GoalChange, Quota
from goals.tests.factories import GoalFactory, QuotaFactory, snapshot

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def goal_payload(**overrides):
    return {
        "title": "Cut churn",
        "plan": "Call every renewal a month ahead.",
        "kpi": "churn_rate",
        "scope": {"type": "company"},
        "baseline": "8",
        "target": "6",
        "resources": "Two account managers.",
        "objective": "retention",
        "start_date": today().isoformat(),
        "deadline": (today() + timedelta(days=90)).isoformat(),
    } | overrides


def test_title_alone_is_a_400_naming_only_measurable_and_time_bound(api_as, manager):
    # PRODUCT.md §3: "Prevent churn" alone fails Measurable and Time-bound; Achievable
    # only warns, and the title is specific and states the objective it serves.
    response = api_as(manager).post("/api/goals/", {"title": "Prevent churn"}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"measurable", "time_bound"}
    assert body["measurable"] == [
        "Choose the KPI that measures the goal.",
        "Set the target value of the KPI.",
    ]
    assert body["time_bound"] == ["Set the start date.", "Set the deadline."]
    assert not Goal.objects.exists()


def test_manager_creates_a_goal_and_reads_the_latest_snapshot(api_as, manager):
    snapshot("churn_rate", today() - timedelta(days=1), "8")

    response = api_as(manager).post("/api/goals/", goal_payload(), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["baseline"] == "8.0000"
    assert body["target"] == "6.0000"
    assert body["direction"] == "down"
    assert body["scope"] == {"type": "company", "id": None}
    assert body["owner"] == manager.pk
    assert body["current_value"] == "8.0000"
    assert body["progress"] == 0.0
    assert body["expected_progress"] == 0.0
    assert body["status"] == "too_early"  # one snapshot is no history
    assert body["warnings"] == []
    for key in ("projection", "children_progress", "parent", "resources", "objective"):
        assert key in body


def test_scope_as_a_string_and_bad_scopes_are_400(api_as, manager, rep):
    snapshot("churn_rate", today(), "8", scope_type="rep", scope_id=rep.pk)
    client = api_as(manager)

    created = client.post("/api/goals/", goal_payload(scope=f"rep:{rep.pk}"), format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["scope"] == {"type": "rep", "id": rep.pk}
    assert created.json()["owner"] == rep.pk

    for scope in [
        "planet:1",
        {"type": "rep", "id": "abc"},
        {"type": "rep"},
        7,
        "rep:99999999999999999999",
    ]:
        response = client.post("/api/goals/", goal_payload(scope=scope), format="json")
        assert response.status_code == 400, scope
        assert "scope" in response.json()
    missing = client.post("/api/goals/", goal_payload(scope="team:424242"), format="json")
    assert missing.status_code == 400
    assert missing.json()["measurable"] == ["Choose which team the goal is about."]


@pytest.mark.parametrize(
    "bad",
    [
        {"target": "abc"},
        {"deadline": "soon"},
        {"parent": 999999},
        {"owner": "x"},
        {"objective": "world_peace"},
        {"baseline": "1e400"},
        {"kpi": ["churn_rate"]},
    ],
)
def test_garbage_input_is_a_400_never_a_500(api_as, manager, bad):
    response = api_as(manager).post("/api/goals/", goal_payload(**bad), format="json")
    assert response.status_code == 400


def test_warning_when_the_goal_is_beyond_history(api_as, manager):
    for days_ago in range(0, 120, 10):
        snapshot(
            "churn_rate",
            today() - timedelta(days=days_ago),
            Decimal("8") + Decimal(days_ago) / 1000,
        )

    response = api_as(manager).post("/api/goals/", goal_payload(target="1"), format="json")

    assert response.status_code == 201
    assert len(response.json()["warnings"]) == 1
    assert "beyond anything in the history" in response.json()["warnings"][0]


def test_update_keeps_history_with_reason(api_as, manager):
    goal = GoalFactory(owner=manager)
    client = api_as(manager)

    response = client.patch(
        f"/api/goals/{goal.pk}/", {"target": "5.5", "reason": "Board asked for more"}, format="json"
    )

    assert response.status_code == 200, response.json()
    history = client.get(f"/api/goals/{goal.pk}/history/").json()
    assert [(h["field"], h["old_value"], h["new_value"], h["reason"]) for h in history] == [
        ("target", "6", "5.5", "Board asked for more")
    ]
    assert history[0]["changed_by"] == manager.pk


def test_list_query_count_does_not_grow(api_as, manager, django_assert_max_num_queries):
    for _ in range(12):
        # The last recompute had enough history for a status (not "too early to tell").
        GoalFactory(owner=manager, status="on_track")
    snapshot("churn_rate", today(), "7")
    client = api_as(manager)

    with django_assert_max_num_queries(4):
        response = client.get("/api/goals/")

    assert response.status_code == 200
    assert response.json()["count"] == 12
    assert {row["current_value"] for row in response.json()["results"]} == {"7.0000"}
    assert {row["status"] for row in response.json()["results"]} == {"on_track"}


def test_rep_sees_company_team_and_own_goals_only(api_as, rep, other_rep, manager):
    team = TeamFactory()
    rep.team = team
    rep.save()
    company = GoalFactory(owner=manager)
    team_goal = GoalFactory(owner=manager, scope_type="team", scope_id=team.pk)
    mine = GoalFactory(owner=rep, scope_type="rep", scope_id=rep.pk)
    theirs = GoalFactory(owner=other_rep, scope_type="rep", scope_id=other_rep.pk)
    other_team = GoalFactory(owner=manager, scope_type="team", scope_id=TeamFactory().pk)
    client = api_as(rep)

    ids = {row["id"] for row in client.get("/api/goals/").json()["results"]}

    assert ids == {company.pk, team_goal.pk, mine.pk}
    assert client.get(f"/api/goals/{theirs.pk}/").status_code == 404
    assert client.get(f"/api/goals/{other_team.pk}/").status_code == 404
    # company and team goals are read-only for a rep
    assert (
        client.patch(f"/api/goals/{company.pk}/", {"title": "x"}, format="json").status_code == 403
    )
    assert client.delete(f"/api/goals/{team_goal.pk}/").status_code == 403
    assert (
        client.patch(f"/api/goals/{mine.pk}/", {"title": "Mine"}, format="json").status_code == 200
    )
    assert client.delete(f"/api/goals/{mine.pk}/").status_code == 204


def test_rep_cannot_create_company_goals_but_may_create_their_own(api_as, rep, other_rep):
    snapshot("churn_rate", today(), "8", scope_type="rep", scope_id=rep.pk)
    client = api_as(rep)

    assert client.post("/api/goals/", goal_payload(), format="json").status_code == 403
    other = client.post("/api/goals/", goal_payload(scope=f"rep:{other_rep.pk}"), format="json")
    assert other.status_code == 403
    own = client.post(
        "/api/goals/", goal_payload(scope=None) | {"scope": f"rep:{rep.pk}"}, format="json"
    )
    assert own.status_code == 201
    assert own.json()["owner"] == rep.pk


@pytest.mark.parametrize("role", ["marketer", "support_agent"])
def test_marketing_and_support_read_company_goals_but_cannot_write(request, api_as, manager, role):
    user = request.getfixturevalue(role)
    company = GoalFactory(owner=manager)
    GoalFactory(owner=manager, scope_type="rep", scope_id=manager.pk)
    client = api_as(user)

    assert [row["id"] for row in client.get("/api/goals/").json()["results"]] == [company.pk]
    assert client.post("/api/goals/", goal_payload(), format="json").status_code == 403
    assert (
        client.patch(f"/api/goals/{company.pk}/", {"title": "x"}, format="json").status_code == 403
    )


def test_admin_sees_everything_and_anonymous_is_refused(api_as, api_client, admin_user, rep):
    goal = GoalFactory(owner=rep, scope_type="rep", scope_id=rep.pk)
    assert api_as(admin_user).get(f"/api/goals/{goal.pk}/").status_code == 200
    assert api_client.get("/api/goals/").status_code in (401, 403)


def test_templates_endpoint_lists_the_four_seed_goals(api_as, rep):
    response = api_as(rep).get("/api/goals/templates/")

    assert response.status_code == 200
    rows = {row["key"]: row for row in response.json()}
    assert set(rows) == {"reduce_churn", "shorten_sales_cycle", "grow_new_revenue", "lower_cac"}
    assert (rows["shorten_sales_cycle"]["baseline"], rows["shorten_sales_cycle"]["target"]) == (
        "120.0000",
        "60.0000",
    )
    assert (rows["lower_cac"]["baseline"], rows["lower_cac"]["target"]) == ("115.0000", "80.0000")
    assert rows["lower_cac"]["deadline"].endswith("-12-31")


def test_churn_template_target_is_25_percent_below_baseline(api_as, manager):
    # Baseline computed live: 5 customers a year old, 1 lost 10 days ago → 1 / 5 = 20 %.
    snapshot("churn_rate", today(), "8")  # a snapshot is not the baseline
    year_ago = timezone.now() - timedelta(days=365)
    for _ in range(4):
        ContactFactory(customer_since=year_ago)
    ContactFactory(customer_since=year_ago, churned_at=timezone.now() - timedelta(days=10))
    rows = {row["key"]: row for row in api_as(manager).get("/api/goals/templates/").json()}
    assert rows["reduce_churn"]["baseline"] == "20.0000"
    assert rows["reduce_churn"]["target"] == "15.0000"


# --- Quotas ----------------------------------------------------------------------------


def test_manager_sets_quotas_and_attainment_counts_won_deals(api_as, manager, rep):
    client = api_as(manager)
    response = client.post(
        "/api/quotas/",
        {"owner": rep.pk, "period": "month", "start": today().isoformat(), "amount": "4000.00"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["start"] == today().replace(day=1).isoformat()
    assert body["attainment"] == "0.00"
    now = timezone.now()
    DealFactory(
        owner=rep, value=Decimal("1000.00"), status=DealStatus.WON, created_at=now, closed_at=now
    )
    DealFactory(owner=rep, value=Decimal("500.00"), status=DealStatus.OPEN)

    row = client.get(f"/api/quotas/{body['id']}/").json()

    assert (row["won_value"], row["attainment"]) == ("1000.00", "25.00")


def test_quota_needs_exactly_one_of_rep_and_team(api_as, manager, rep):
    team = TeamFactory()
    client = api_as(manager)
    both = {
        "owner": rep.pk,
        "team": team.pk,
        "period": "quarter",
        "start": "2025-02-10",
        "amount": "1",
    }
    assert client.post("/api/quotas/", both, format="json").status_code == 400
    neither = {"period": "quarter", "start": "2025-02-10", "amount": "1"}
    assert client.post("/api/quotas/", neither, format="json").status_code == 400
    team_quota = client.post("/api/quotas/", {**neither, "team": team.pk}, format="json")
    assert team_quota.status_code == 201
    assert (team_quota.json()["start"], team_quota.json()["end"]) == ("2025-01-01", "2025-04-01")
    duplicate = client.post("/api/quotas/", {**neither, "team": team.pk}, format="json")
    assert duplicate.status_code == 400


def test_rep_reads_own_and_team_quotas_and_cannot_write(api_as, rep, other_rep, manager):
    team = TeamFactory()
    rep.team = team
    rep.save()
    mine = QuotaFactory(owner=rep)
    ours = QuotaFactory(team=team)
    QuotaFactory(owner=other_rep)
    client = api_as(rep)

    assert {row["id"] for row in client.get("/api/quotas/").json()["results"]} == {mine.pk, ours.pk}
    payload = {"owner": rep.pk, "period": "month", "start": "2030-01-01", "amount": "1"}
    assert client.post("/api/quotas/", payload, format="json").status_code == 403
    assert (
        client.patch(f"/api/quotas/{mine.pk}/", {"amount": "1"}, format="json").status_code == 403
    )


def test_quota_list_query_count(api_as, manager, rep, django_assert_max_num_queries):
    for month in range(1, 11):
        QuotaFactory(
            owner=rep,
            start=today().replace(year=2020, month=month, day=1),
            end=today().replace(year=2020, month=month + 1, day=1),
        )
    with django_assert_max_num_queries(3):
        response = api_as(manager).get("/api/quotas/")
    assert response.json()["count"] == 10


def test_metrics_quota_attainment_reads_the_quota_model(rep):
    from metrics import registry
    from metrics.scopes import Period, Scope

    quota = QuotaFactory(owner=rep, amount=Decimal("2000.00"))
    now = timezone.now()
    DealFactory(
        owner=rep, value=Decimal("500.00"), status=DealStatus.WON, created_at=now, closed_at=now
    )

    result = registry.compute("quota_attainment", Period(quota.start, quota.end), Scope.owner(rep))

    assert result.value == Decimal("25.0000")
    assert Quota.objects.count() == 1
    assert not GoalChange.objects.exists()
