"""Goal list and quota page run as many queries at 30 rows as at 3."""

import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from automation.tests.fuzzing import assert_flat
from crm.tests.factories import UserFactory
from goals.periods import add_months
from goals.tests.factories import GoalFactory, QuotaFactory, snapshot

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["manager", "rep"])
def test_goal_list(client, request, role, manager):
    user = request.getfixturevalue(role)
    snapshot("churn_rate", timezone.localdate(), "7")
    parent = GoalFactory(owner=manager)

    def add(n):
        for _ in range(n):
            GoalFactory(owner=user, parent=parent, scope_type="rep", scope_id=user.pk)

    client.force_login(user)
    assert assert_flat(client, reverse("goals:list"), add) <= 10
    assert_flat(client, reverse("goals:detail", args=[parent.pk]), add)


@pytest.mark.parametrize("role", ["manager", "rep"])
def test_quota_page(client, request, role, rep):
    months = itertools.count()

    def add(n):
        for _ in range(n):
            start = add_months(timezone.localdate(), -next(months))
            QuotaFactory(owner=rep, start=start)
            QuotaFactory(owner=UserFactory(role="rep"), start=start)

    client.force_login(request.getfixturevalue(role))
    assert assert_flat(client, reverse("goals:quotas"), add) <= 10
