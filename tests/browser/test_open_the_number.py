"""A manager opens a KPI card and lands on the records behind it: the counts are the card's."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm.models import DealStatus
from crm.tests.factories import DealFactory, pipeline_with_stages


def _number(text: str) -> float:
    """The number in a card or heading as the page shows it ("40.0 %", "1,234")."""
    return float(re.search(r"\d[\d,]*(?:\.\d+)?", text).group(0).replace(",", ""))


@pytest.mark.browser
def test_a_kpi_card_opens_to_a_list_whose_count_equals_the_card(
    browser_login, live_server, manager, rep
):
    _, stages = pipeline_with_stages()
    created = timezone.now() - timedelta(hours=2)
    for n in range(7):
        won = n < 3
        DealFactory(
            stage=stages[n % 3],
            owner=rep,
            created_at=created,
            status=DealStatus.WON if won else DealStatus.OPEN,
            closed_at=timezone.now() - timedelta(hours=1) if won else None,
        )
    page = browser_login(manager)
    page.goto(f"{live_server.url}/dashboard/")
    page.select_option("#id_period", "year")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**period=year**")

    # A count: open deals.
    card = page.locator('[data-kpi="open_deals"] [data-open-records]')
    expect(card).to_be_visible(timeout=15_000)
    on_card = _number(card.inner_text())
    card.click()
    page.wait_for_url("**/kpis/open_deals/records/**", timeout=15_000)
    listed = page.locator('[data-part="open"] [data-count]')
    expect(listed).to_be_visible(timeout=15_000)
    assert _number(listed.inner_text()) == on_card
    assert page.locator('[data-part="open"] tbody tr').count() == on_card
    assert _number(page.locator("[data-kpi-value]").inner_text()) == on_card

    # A rate: close rate, its numerator and denominator listed apart.
    page.get_by_role("link", name="Back to the dashboard").click()
    page.wait_for_url("**/dashboard/**", timeout=15_000)
    card = page.locator('[data-kpi="close_rate"] [data-open-records]')
    expect(card).to_be_visible(timeout=15_000)
    rate_on_card = card.inner_text()
    card.click()
    page.wait_for_url("**/kpis/close_rate/records/**", timeout=15_000)
    won = page.locator('[data-part="won"] [data-count]')
    cohort = page.locator('[data-part="created"] [data-count]')
    expect(cohort).to_be_visible(timeout=15_000)
    numerator, denominator = _number(won.inner_text()), _number(cohort.inner_text())
    assert page.locator("[data-kpi-value]").inner_text() == rate_on_card
    assert round(100 * numerator / denominator, 1) == _number(rate_on_card)
    assert page.locator('[data-part="won"] tbody tr').count() == numerator
    # Each listed record links to its page.
    page.locator('[data-part="won"] tbody a').first.click()
    page.wait_for_url("**/deals/*/", timeout=15_000)
