"""Responsive Chart.js charts keep the height of their fixed wrapper (an unbounded
canvas grows a little on every resize, forever)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.tests.factories import DealFactory, TicketFactory, pipeline_with_stages
from goals.tests.factories import GoalFactory, snapshot

REPORT_CHART_PX = 18 * 16  # .report-chart { block-size: 18rem }
GOAL_CHART_PX = 20 * 16  # .chart-box { block-size: 20rem }


def _heights(page, selector: str) -> tuple[float, float]:
    page.wait_for_selector(f'{selector}[data-rendered="true"]')
    first = page.locator(selector).bounding_box()["height"]
    # Resizing makes Chart.js measure the parent again: the height must not creep up.
    page.set_viewport_size({"width": 900, "height": 700})
    page.set_viewport_size({"width": 1280, "height": 800})
    page.wait_for_timeout(300)
    return first, page.locator(selector).bounding_box()["height"]


@pytest.mark.browser
def test_report_charts_keep_their_wrapper_height(browser_login, live_server, manager, rep):
    _, stages = pipeline_with_stages()
    for stage in (stages[1], stages[1], stages[0]):
        DealFactory(stage=stage, owner=rep, created_at=timezone.now() - timedelta(hours=1))
    now = timezone.now()
    TicketFactory(assignee=manager, opened_at=now - timedelta(hours=5), resolved_at=now)
    page = browser_login(manager)

    page.goto(f"{live_server.url}/reports/pipeline/")
    first, later = _heights(page, "canvas#pipeline-chart")
    assert 0 < first <= REPORT_CHART_PX and later == first

    page.goto(f"{live_server.url}/reports/support/")
    first, later = _heights(page, "canvas#support-chart")
    assert 0 < first <= REPORT_CHART_PX and later == first


@pytest.mark.browser
def test_goal_chart_keeps_its_box_height(browser_login, live_server, manager):
    goal = GoalFactory(owner=manager)
    for days in (20, 10, 1):
        snapshot("churn_rate", timezone.localdate() - timedelta(days=days), 8 - days / 10)
    page = browser_login(manager)

    page.goto(f"{live_server.url}/goals/{goal.pk}/")
    page.wait_for_function("document.querySelector('canvas#goal-chart').height > 0")
    box = page.locator("canvas#goal-chart").bounding_box()
    page.set_viewport_size({"width": 900, "height": 700})
    page.wait_for_timeout(300)
    assert 100 < box["height"] <= GOAL_CHART_PX
    assert page.locator("canvas#goal-chart").bounding_box()["height"] == box["height"]
