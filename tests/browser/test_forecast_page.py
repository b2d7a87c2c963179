from decimal import Decimal

import pytest
from django.utils import timezone

from crm.tests.factories import DealFactory, TeamFactory, pipeline_with_stages


@pytest.mark.browser
def test_manager_switches_period_and_scope_and_drills_down(
    browser_login, live_server, manager, rep
):
    _, stages = pipeline_with_stages()
    # Expected today, so it lands in the current quarter (the highlighted row) whatever
    # the date: without it, the stage's default days to close can reach the next quarter.
    DealFactory(
        stage=stages[2],
        owner=rep,
        value=Decimal("1000.00"),
        title="Kestane lisansı",
        expected_close_date=timezone.localdate(),
    )
    TeamFactory(name="Ankara")
    page = browser_login(manager)

    page.goto(f"{live_server.url}/dashboard/")
    page.get_by_role("link", name="Forecast").first.click()
    page.wait_for_selector('canvas[data-chart="forecast"][data-rendered="true"]')

    page.select_option("#id_period", "quarter")
    page.select_option("#id_scope", f"owner:{rep.pk}")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**period=quarter**")
    assert page.locator("#id_scope").input_value() == f"owner:{rep.pk}"

    page.locator("tr.bar-biggest [data-drill]").click()
    page.wait_for_url("**drill=**")
    drill = page.locator("[data-drill-table]")
    assert "Kestane lisansı" in drill.inner_text()
    drill.get_by_role("link", name="Kestane lisansı").click()
    page.wait_for_url("**/deals/**")
