from datetime import timedelta

import pytest
from django.utils import timezone

from goals.models import Goal
from goals.tests.factories import snapshot


@pytest.mark.browser
def test_manager_creates_a_goal_from_a_template_and_sees_its_chart(
    browser_login, live_server, manager
):
    today = timezone.localdate()
    # Three weeks of snapshots: enough history for a status (4 points over 2 weeks).
    for days_ago, value in ((20, "125"), (15, "122"), (10, "120"), (2, "118"), (1, "112")):
        snapshot("cac", today - timedelta(days=days_ago), value)
    page = browser_login(manager)

    page.goto(f"{live_server.url}/goals/")
    page.get_by_role("link", name="Lower CAC from $115 to $80 by year end").click()

    page.wait_for_url("**/goals/new/?template=lower_cac")
    assert page.get_by_label("Baseline").input_value() == "115"
    assert page.get_by_label("Target").input_value() == "80"
    page.get_by_label("Target").fill("78")
    page.get_by_role("button", name="Set the goal").click()

    page.wait_for_selector('canvas#goal-chart[data-rendered="true"]')
    goal = Goal.objects.get()
    assert page.url == f"{live_server.url}/goals/{goal.pk}/"
    assert (goal.kpi, goal.baseline, goal.target, goal.objective) == ("cac", 115, 78, "lower_cac")
    assert page.locator("h1").inner_text() == "Lower CAC from $115 to $80 by year end"
    assert page.locator(".page-head [data-status]").inner_text() == "On track"
    box = page.locator("canvas#goal-chart").bounding_box()
    assert box["width"] > 200 and box["height"] > 100
    datasets = page.evaluate(
        "document.getElementById('goal-chart').chart.data.datasets.map(d => d.data.length)"
    )
    assert datasets == [5, 2, 2, 2]  # snapshots, target line, expected path, projection
