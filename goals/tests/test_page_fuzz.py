"""Junk in the goal pages' query strings and forms is a page or a 4xx, never a 500."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from automation.tests.fuzzing import ROLES, get_with_junk, post_with_junk
from goals.models import Goal, Quota
from goals.tests.factories import GoalFactory, QuotaFactory, snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def goal_body(**overrides):
    today = timezone.localdate()
    return {
        "title": "Cut churn",
        "plan": "Call every renewal a month ahead.",
        "kpi": "churn_rate",
        "scope": "company",
        "baseline": "8",
        "target": "6",
        "resources": "Two account managers.",
        "objective": "retention",
        "custom_objective": "",
        "parent": "",
        "owner": "",
        "start_date": today.isoformat(),
        "deadline": (today + timedelta(days=90)).isoformat(),
        "reason": "",
        "acknowledge_warnings": "on",
    } | overrides


@pytest.fixture
def world(manager, rep):
    today = timezone.localdate()
    snapshot("churn_rate", today - timedelta(days=3), "7.5")
    return {
        "company": GoalFactory(owner=manager),
        "mine": GoalFactory(owner=rep, scope_type="rep", scope_id=rep.pk),
        "quota": QuotaFactory(owner=rep),
    }


@pytest.mark.parametrize("role", ROLES)
def test_junk_query_strings_never_500(client, request, role, world):
    client.force_login(request.getfixturevalue(role))
    for url in (
        reverse("goals:list"),
        reverse("goals:create"),
        reverse("goals:quotas"),
        reverse("goals:detail", args=[world["company"].pk]),
        reverse("goals:edit", args=[world["mine"].pk]),
    ):
        get_with_junk(client, url, ["status", "scope", "page", "template"], each_alone=False)


def test_junk_goal_form_never_500(client, manager, rep, world):
    client.force_login(manager)
    post_with_junk(client, reverse("goals:create"), goal_body())
    client.force_login(rep)
    post_with_junk(
        client, reverse("goals:edit", args=[world["mine"].pk]), goal_body(scope=f"rep:{rep.pk}")
    )


@pytest.mark.parametrize(
    ("field", "day"), [("start_date", "0001-01-02"), ("deadline", "9999-12-31")]
)
def test_goal_dates_outside_supported_years_are_a_time_bound_error(client, manager, field, day):
    client.force_login(manager)

    response = client.post(reverse("goals:create"), goal_body(**{field: day}))

    assert response.status_code == 400
    assert "Pick dates between the years 1900 and 2999." in response.content.decode()
    assert not Goal.objects.exists()


def test_quota_start_outside_supported_years_is_a_form_error(client, manager, rep):
    client.force_login(manager)
    body = {"owner": rep.pk, "period": "quarter", "start": "9999-12-31", "amount": "5"}

    response = client.post(reverse("goals:quotas"), body)

    assert response.status_code == 400
    assert "Pick a date between the years 1900 and 2999." in response.content.decode()
    assert not Quota.objects.exists()


def test_junk_quota_form_never_500(client, manager, rep, world):
    client.force_login(manager)
    post_with_junk(
        client,
        reverse("goals:quotas"),
        {"owner": str(rep.pk), "team": "", "period": "month", "start": "2025-06-01", "amount": "5"},
    )
