"""Dashboard and reports run as many queries at 30 rows as at 3 (deals, reps, campaigns,
tickets and snapshots all grow)."""

import itertools
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from automation.tests.fuzzing import assert_flat
from crm.models import DealStatus
from crm.tests.factories import (
    CampaignFactory,
    DealFactory,
    PurchaseFactory,
    TicketFactory,
    UserFactory,
    pipeline_with_stages,
)
from goals.tests.factories import snapshot

pytestmark = pytest.mark.django_db

PAGES = [
    "metrics:dashboard",
    "metrics:report_sales",
    "metrics:report_pipeline",
    "metrics:report_support",
    "metrics:report_marketing",
]


@pytest.fixture
def add_rows(db):
    _pipeline, stages = pipeline_with_stages()
    now = timezone.now()
    days = itertools.count(1)

    def add(n):
        for i in range(n):
            owner = UserFactory(role="rep")
            DealFactory(stage=stages[i % 4], owner=owner, created_at=now - timedelta(days=1))
            DealFactory(
                stage=stages[2],
                owner=owner,
                status=DealStatus.WON,
                created_at=now - timedelta(days=3),
                closed_at=now - timedelta(hours=1),
            )
            TicketFactory(assignee=owner, opened_at=now - timedelta(hours=3), resolved_at=now)
            PurchaseFactory(campaign=CampaignFactory(), purchased_at=now)
            snapshot("leads", timezone.localdate() - timedelta(days=next(days)), i)

    return add


@pytest.mark.parametrize("name", PAGES)
def test_pages_do_not_grow_with_rows(client, manager, add_rows, name):
    client.force_login(manager)
    assert_flat(client, reverse(name), add_rows)


def test_rep_dashboard_does_not_grow_with_rows(client, rep, add_rows):
    client.force_login(rep)
    assert_flat(client, reverse("metrics:dashboard"), add_rows)
