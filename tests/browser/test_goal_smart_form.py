"""The SMART goal form in Chromium: exactly the missing letters, and "Save anyway"."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from goals.models import Goal
from goals.tests.factories import snapshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_prevent_churn_alone_fails_measurable_and_time_bound_and_warns_on_achievable(
    browser_login, live_server, manager
):
    page = browser_login(manager)
    page.goto(f"{live_server.url}/goals/new/")

    page.get_by_label("Title").fill("Prevent churn")
    page.get_by_role("button", name="Set the goal").click()

    expect(page.locator("#smart-errors")).to_be_visible()
    expect(page.locator("#letter-measurable-errors li")).to_have_text(
        ["Choose the KPI that measures the goal.", "Set the target value of the KPI."]
    )
    expect(page.locator("#letter-time_bound-errors li")).to_have_text(
        ["Set the start date.", "Set the deadline."]
    )
    for letter in ("specific", "achievable", "relevant"):
        expect(page.locator(f"#letter-{letter}-errors")).to_have_count(0)
    expect(page.locator("#letter-achievable .flash--warning")).to_have_text(
        [
            "Note the resources (people, budget, tools, time) that make the goal reachable.",
            "Write the action plan: what you will do to get there.",
        ]
    )
    expect(page.get_by_label("Title")).to_have_value("Prevent churn")
    assert not Goal.objects.exists()


def test_save_anyway_without_ticking_the_box_shows_an_error(browser_login, live_server, manager):
    snapshot("churn_rate", timezone.localdate() - timedelta(days=2), "8.2")
    today = timezone.localdate()
    page = browser_login(manager)
    page.goto(f"{live_server.url}/goals/new/")
    page.get_by_label("Title").fill("Prevent churn")
    page.get_by_label("KPI").select_option(label="Churn rate")
    expect(page.locator("#kpi-unit-hint")).to_have_text("In percent: 1.5 means 1.5 percent.")
    page.get_by_label("Baseline").fill("8")
    page.get_by_label("Target").fill("6")
    page.get_by_label("Start date").fill(today.isoformat())
    page.get_by_label("Deadline").fill((today + timedelta(days=90)).isoformat())
    page.get_by_role("button", name="Set the goal").click()

    # SMART, but without resources or plan: warned, and saving needs the box ticked.
    save_anyway = page.get_by_role("button", name="Save anyway")
    expect(save_anyway).to_be_visible()
    expect(page.locator("#letter-achievable .flash--warning").first).to_contain_text(
        "Note the resources"
    )
    save_anyway.click()

    expect(page.locator("#id_acknowledge_warnings_error")).to_have_text(
        "Tick the box to confirm you have read the warnings, then save again."
    )
    assert not Goal.objects.exists()

    page.get_by_label("I have read the warnings; save the goal anyway.").check()
    page.get_by_role("button", name="Save anyway").click()
    page.wait_for_url("**/goals/*/")
    goal = Goal.objects.get()
    assert (goal.title, goal.objective, goal.resources) == ("Prevent churn", "retention", "")
    expect(page.locator(".stat__value").nth(1)).to_have_text("8.0\u00a0% → 6.0\u00a0%")
