"""In Chromium: marketing moves the deal-value threshold to $1,000 in the rule builder, and
a $600 deal then goes to Nurture instead of getting a call (real Celery worker on Redis)."""

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from automation.defaults import default_rules_seed
from automation.models import Enrollment
from automation.tasks import HANDLER_TASK
from automation.tests.fixtures import events_handled_by, thread_worker, wait_until
from crm.models import Activity, Role
from crm.tests.factories import ContactFactory, pipeline_with_stages

pytestmark = [pytest.mark.browser, pytest.mark.worker]


@pytest.fixture
def seeded(transactional_db):
    # live_server tests flush the database, migration seed rows included.
    default_rules_seed()
    pipeline_with_stages(is_default=True)


def _set_threshold(page, live_server, rule_name, value):
    page.goto(live_server.url + reverse("automation:rules"))
    page.get_by_role("link", name=rule_name).click()
    page.get_by_role("link", name="Edit rule").click()
    page.locator('input[name="c0-value"]').fill(value)
    page.get_by_role("button", name="Save rule").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(rule_name)


def test_marketer_raises_threshold_and_a_600_deal_goes_to_nurture(
    seeded, live_server, browser_login, make_user
):
    marketer = make_user(Role.MARKETING, username="marketing")
    rep = make_user(Role.REP, username="rep1")
    page = browser_login(marketer)

    _set_threshold(page, live_server, "Deal over $500 → call the owner", "1000")
    expect(page.locator(".rule-summary")).to_contain_text("Deal value > 1000")
    _set_threshold(page, live_server, "Deal $500 or less → Nurture", "1000")
    expect(page.locator(".rule-summary")).to_contain_text("Deal value ≤ 1000")

    contact = ContactFactory()
    with thread_worker():
        from crm.services.deals import deal_create

        deal = deal_create(actor=rep, title="Mid-size", value=Decimal("600"), contact=contact)
        wait_until(
            lambda: events_handled_by(HANDLER_TASK) >= 1,
            message="the deal.created event",
        )

    assert Enrollment.objects.filter(contact=contact, campaign__name="Nurture").count() == 1
    assert Activity.objects.filter(deal=deal).count() == 0


def test_picking_a_trigger_swaps_the_condition_fields(
    seeded, live_server, browser_login, make_user
):
    page = browser_login(make_user(Role.MARKETING, username="marketing"))
    page.goto(live_server.url + reverse("automation:rule_create"))
    field = page.locator('select[name="c0-field"]')
    expect(field.locator("option")).to_have_count(1)  # no trigger yet: only the blank

    page.get_by_label("Lead score changed").check()
    expect(field.locator('option[value="old_score"]')).to_have_count(1)
    expect(field.locator('option[value="value"]')).to_have_count(0)

    # htmx wires the swapped-in fields once they settle; a person is never quicker than
    # that, but Playwright on a busy machine can be, and its change would go unheard.
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )
    field.select_option("score")
    operators = page.locator('select[name="c0-operator"] option')
    expect(operators).to_have_count(7)  # numbers: = ≠ > ≥ < ≤ in, no "contains"

    page.locator('input[name="c0-value"]').fill("lots")
    page.locator('select[name="a0-type"]').select_option("add_tag")
    page.locator('input[name="name"]').fill("Hot leads")
    page.get_by_role("button", name="Save rule").click()
    expect(page.get_by_role("alert").first).to_contain_text("The rule was not saved")
    expect(page.locator(".condition .error")).to_contain_text("Enter a number.")
    expect(page.locator(".action .error")).to_contain_text("This field is required.")
