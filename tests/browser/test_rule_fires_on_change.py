"""In Chromium: marketing sees and sets how often the $500 rule fires; with a real Celery
worker a $600 deal edited to 650, 700 and 600 gets exactly one call task (issue 14)."""

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from automation.defaults import CALL_RULE, default_rules_seed
from automation.models import Rule, Run
from automation.tests.fixtures import events_unhandled, thread_worker, wait_until
from crm.models import Activity, Role
from crm.tests.factories import ContactFactory, pipeline_with_stages

pytestmark = [pytest.mark.browser, pytest.mark.worker]


@pytest.fixture
def seeded(transactional_db):
    default_rules_seed()
    pipeline_with_stages(is_default=True)


def test_three_value_edits_make_one_call_task_with_a_real_worker(
    seeded, live_server, browser_login, make_user
):
    marketer = make_user(Role.MARKETING, username="marketing")
    rep = make_user(Role.REP, username="rep1")
    page = browser_login(marketer)
    page.goto(live_server.url + reverse("automation:rules"))
    page.get_by_role("link", name=CALL_RULE).click()
    expect(page.locator(".rule-summary")).to_contain_text(
        "When the conditions become true — not again while they stay true"
    )
    page.get_by_role("link", name="Edit rule").click()
    page.get_by_label("Only once per record, ever").check()
    page.get_by_role("button", name="Save rule").click()
    expect(page.locator(".rule-summary")).to_contain_text("Only once per record, ever")
    assert Rule.objects.get(name=CALL_RULE).fires == "once_per_record"

    from crm.services.deals import deal_create, deal_update

    contact = ContactFactory()
    with thread_worker():
        deal = deal_create(actor=rep, title="Big", value=Decimal("600"), contact=contact)
        for value in ("650", "700", "600"):
            deal = deal_update(deal=deal, actor=rep, data={"value": Decimal(value)})
        wait_until(
            lambda: (
                events_unhandled() == 0 and Run.objects.filter(rule__name=CALL_RULE).count() == 4
            ),
            message="the four deal events",
        )

    assert Activity.objects.filter(deal=deal, kind="call").count() == 1
