"""Every POST action of the goal pages by every role: allowed, 403, or 404 when unseen."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from goals.models import Goal, Quota
from goals.tests.factories import GoalFactory, QuotaFactory

pytestmark = pytest.mark.django_db

ROLES = ["rep", "other_rep", "manager", "marketer", "support_agent", "admin_user"]
WRITERS = {"manager", "admin_user"}


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
        "start_date": today.isoformat(),
        "deadline": (today + timedelta(days=90)).isoformat(),
        "acknowledge_warnings": "on",
    } | overrides


@pytest.fixture
def rows(manager, rep):
    return {
        "company": GoalFactory(owner=manager, title="Company goal"),
        "reps": GoalFactory(owner=rep, scope_type="rep", scope_id=rep.pk, title="Rep1 goal"),
        "quota": QuotaFactory(owner=rep),
    }


def _expected(role, *, writers, owner_role=None, visible=True):
    if role in writers or role == owner_role:
        return 302
    return 403 if visible else 404


@pytest.mark.parametrize("role", ROLES)
def test_create_company_goal(client, request, role, rows):
    client.force_login(request.getfixturevalue(role))
    response = client.post(reverse("goals:create"), goal_body())
    # A rep's form offers no company scope: the choice is a form error, not a save.
    expected = 400 if role in ("rep", "other_rep") else _expected(role, writers=WRITERS)
    assert response.status_code == expected
    assert Goal.objects.filter(title="Cut churn").exists() == (role in WRITERS)


@pytest.mark.parametrize("role", ROLES)
def test_edit_and_delete_company_goal(client, request, role, rows):
    goal = rows["company"]
    client.force_login(request.getfixturevalue(role))
    body = goal_body(
        title="Renamed",
        start_date=goal.start_date.isoformat(),
        deadline=goal.deadline.isoformat(),
        reason="x",
    )
    assert client.post(reverse("goals:edit", args=[goal.pk]), body).status_code == _expected(
        role, writers=WRITERS
    )
    assert client.post(reverse("goals:delete", args=[goal.pk])).status_code == _expected(
        role, writers=WRITERS
    )
    assert Goal.objects.filter(pk=goal.pk).exists() == (role not in WRITERS)


@pytest.mark.parametrize("role", ROLES)
def test_edit_and_delete_a_reps_goal(client, request, role, rows, rep):
    """Its rep and managers change it; nobody else even sees it (404)."""
    goal = rows["reps"]
    client.force_login(request.getfixturevalue(role))
    expected = 302 if role in WRITERS | {"rep"} else 404
    body = goal_body(
        title="Renamed",
        scope=f"rep:{rep.pk}",
        start_date=goal.start_date.isoformat(),
        deadline=goal.deadline.isoformat(),
        reason="x",
    )
    assert client.post(reverse("goals:edit", args=[goal.pk]), body).status_code == expected
    assert client.get(reverse("goals:detail", args=[goal.pk])).status_code == (
        200 if expected == 302 else 404
    )
    assert client.post(reverse("goals:delete", args=[goal.pk])).status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_quota_create_and_delete(client, request, role, rows, rep):
    client.force_login(request.getfixturevalue(role))
    body = {"owner": rep.pk, "period": "quarter", "start": "2025-04-01", "amount": "100"}
    assert client.post(reverse("goals:quotas"), body).status_code == _expected(
        role, writers=WRITERS
    )
    quota = rows["quota"]
    # The rep sees their own quota (403: read-only); others without rights do not (404).
    expected = _expected(role, writers=WRITERS, visible=role == "rep")
    assert client.post(reverse("goals:quota_delete", args=[quota.pk])).status_code == expected
    assert Quota.objects.filter(pk=quota.pk).exists() == (role not in WRITERS)


def test_rep_opening_a_company_goal_sees_only_their_own_children(client, manager, rep, other_rep):
    parent = GoalFactory(owner=manager, title="Company churn")
    GoalFactory(owner=rep, parent=parent, scope_type="rep", scope_id=rep.pk, title="Mine")
    GoalFactory(
        owner=other_rep, parent=parent, scope_type="rep", scope_id=other_rep.pk, title="Theirs"
    )
    client.force_login(rep)

    html = client.get(reverse("goals:detail", args=[parent.pk])).content.decode()

    assert "Mine" in html
    assert "Theirs" not in html
    client.force_login(manager)
    html = client.get(reverse("goals:detail", args=[parent.pk])).content.decode()
    assert "Mine" in html and "Theirs" in html
