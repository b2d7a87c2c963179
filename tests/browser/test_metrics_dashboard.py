from datetime import timedelta

import pytest
from django.utils import timezone

from crm.tests.factories import DealFactory, pipeline_with_stages
from metrics.services import snapshot_day


@pytest.mark.browser
def test_dashboard_draws_kpi_cards_and_sparklines(browser_login, live_server, manager, rep):
    _, stages = pipeline_with_stages()
    DealFactory(stage=stages[1], owner=rep, created_at=timezone.now() - timedelta(hours=1))
    today = timezone.localdate()
    for days in (3, 2, 1):
        snapshot_day(today - timedelta(days=days))
    page = browser_login(manager)

    page.goto(f"{live_server.url}/dashboard/")

    card = page.locator('[data-kpi="open_deals"]')
    assert card.locator(".kpi-card__value").inner_text() == "1"
    assert page.locator("canvas[data-sparkline]").count() >= 20
    page.wait_for_selector('canvas[data-sparkline="open_deals"][data-rendered="true"]')
    # A sparkline stays a sparkline: a responsive chart must not grow its card.
    assert page.locator('canvas[data-sparkline="open_deals"]').bounding_box()["height"] <= 48
    page.select_option("#id_period", "year")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**period=year**")
    assert page.locator('[data-kpi="close_rate"]').is_visible()


@pytest.mark.browser
def test_pipeline_report_highlights_the_bottleneck(browser_login, live_server, manager, rep):
    _, stages = pipeline_with_stages()
    for stage in (stages[1], stages[1], stages[0], stages[2]):
        DealFactory(stage=stage, owner=rep, created_at=timezone.now() - timedelta(hours=1))
    page = browser_login(manager)

    page.goto(f"{live_server.url}/reports/pipeline/")

    assert "50" in page.locator("[data-headline]").inner_text()
    assert "Needs analysis" in page.locator("[data-headline]").inner_text()
    page.wait_for_selector('canvas[data-chart="pipeline"][data-rendered="true"]')
