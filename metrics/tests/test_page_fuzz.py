"""Junk in the dashboard's and the reports' query strings is a page, never a 500."""

import pytest
from django.urls import reverse

from automation.tests.fuzzing import ROLES, get_with_junk
from crm.tests.factories import CampaignFactory, DealFactory, TeamFactory, pipeline_with_stages

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

PAGES = [
    "metrics:dashboard",
    "metrics:reports",
    "metrics:report_sales",
    "metrics:report_pipeline",
    "metrics:report_support",
    "metrics:report_marketing",
    "metrics:forecast",
    ("metrics:kpi_records", ["close_rate"]),
    ("metrics:kpi_records", ["cac"]),
]
PARAMS = ["period", "start", "end", "scope", "format", "pipeline", "drill", "won_page"]


def url_of(page) -> str:
    name, args = page if isinstance(page, tuple) else (page, [])
    return reverse(name, args=args)


@pytest.fixture
def world(db):
    _pipeline, stages = pipeline_with_stages()
    DealFactory(stage=stages[0])
    CampaignFactory()
    TeamFactory()


@pytest.mark.parametrize("role", ROLES)
def test_junk_query_strings_never_500_for_any_role(client, request, role, world):
    client.force_login(request.getfixturevalue(role))
    for page in PAGES:
        get_with_junk(client, url_of(page), PARAMS, each_alone=False)


@pytest.mark.parametrize("page", PAGES)
def test_each_junk_parameter_alone_never_500(client, admin_user, page, world):
    client.force_login(admin_user)
    get_with_junk(client, url_of(page), PARAMS)
