"""Junk in the dashboard's and the reports' query strings is a page, never a 500."""

import pytest
from django.urls import reverse

from automation.tests.fuzzing import ROLES, get_with_junk
from crm.tests.factories import CampaignFactory, DealFactory, TeamFactory, pipeline_with_stages

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

PERIOD = ["period", "start", "end"]
# Each page with the query parameters it reads (a parameter no view reads cannot break it):
# the period form's, then its scope, CSV switch, pipeline, drill-down day or list page.
PAGES = {
    "dashboard": ("metrics:dashboard", [], [*PERIOD, "scope"]),
    "reports": ("metrics:reports", [], PERIOD),
    "report_sales": ("metrics:report_sales", [], [*PERIOD, "format"]),
    "report_pipeline": ("metrics:report_pipeline", [], [*PERIOD, "format", "pipeline"]),
    "report_support": ("metrics:report_support", [], [*PERIOD, "format"]),
    "report_marketing": ("metrics:report_marketing", [], [*PERIOD, "format"]),
    "forecast": ("metrics:forecast", [], ["period", "scope", "drill"]),
    "close_rate_records": (
        "metrics:kpi_records", ["close_rate"], [*PERIOD, "scope", "format", "won_page"]
    ),
    "cac_records": ("metrics:kpi_records", ["cac"], [*PERIOD, "scope", "format", "won_page"]),
}  # fmt: skip


def url_of(page: str) -> str:
    name, args, _params = PAGES[page]
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
    for page, (_name, _args, params) in PAGES.items():
        get_with_junk(client, url_of(page), params, each_alone=False)


@pytest.mark.parametrize("page", PAGES)
def test_each_junk_parameter_alone_never_500(client, admin_user, page, world):
    client.force_login(admin_user)
    get_with_junk(client, url_of(page), PAGES[page][2])
