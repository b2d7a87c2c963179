"""Bulk actions in real Chromium: a manager filters the deal list, selects every matching
deal, reassigns them in one action, then undoes it."""

import re

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from crm.models import Deal, Role
from crm.services.deals import deal_create
from crm.tests.factories import UserFactory, pipeline_with_stages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_reassigns_thirty_filtered_deals_then_undoes(
    browser_login, live_server, manager, rep, other_rep
):
    third = UserFactory(role=Role.REP, username="rep3")
    stages = pipeline_with_stages(is_default=True)[1]
    renewals = [
        deal_create(
            actor=manager,
            title=f"Renewal {i:02d}",
            stage=stages[i % 2],
            owner=rep if i % 2 else third,
        )
        for i in range(30)
    ]
    others = [
        deal_create(actor=manager, title=f"New logo {i}", stage=stages[0], owner=rep)
        for i in range(4)
    ]
    before = {d.pk: d.owner_id for d in renewals}
    assert len(set(before.values())) == 2

    page = browser_login(manager)
    page.goto(f"{live_server.url}/deals/")
    page.get_by_role("searchbox", name="Search deals").press_sequentially("renewal", delay=30)
    # The list swaps in once the last keystroke's search is answered (and the URL says so).
    expect(page).to_have_url(re.compile(r"\?q=renewal$"), timeout=15_000)
    expect(page.get_by_text("30 matching deals")).to_be_visible(timeout=15_000)
    expect(page.locator("form[role=search].htmx-request")).to_have_count(0, timeout=15_000)

    page.get_by_role("checkbox", name="Select all on this page").check()
    expect(page.locator("[data-bulk-status]")).to_have_text(
        "25 selected on this page.", timeout=15_000
    )
    page.get_by_role("button", name="Select all 30 matching").click()
    expect(page.locator("[data-bulk-status]")).to_have_text("All 30 matching records are selected.")
    page.get_by_label("Action", exact=True).select_option(label="Reassign")
    page.get_by_label("New owner").select_option(label=other_rep.get_full_name())
    page.get_by_role("button", name="Apply to selected").click()

    expect(page.get_by_test_id("bulk-confirm-text")).to_contain_text(
        "30 selected records", timeout=15_000
    )
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_test_id("bulk-summary")).to_have_text("30 reassigned.", timeout=15_000)
    assert set(Deal.objects.filter(pk__in=before).values_list("owner", flat=True)) == {other_rep.pk}
    assert set(
        Deal.objects.filter(pk__in=[d.pk for d in others]).values_list("owner", flat=True)
    ) == {rep.pk}

    page.get_by_role("button", name="Undo").click()
    expect(page).to_have_url(re.compile(r"/deals/\?q=renewal$"), timeout=15_000)
    expect(page.get_by_role("status").filter(has_text="Undone")).to_contain_text(
        "30 records are as they were before"
    )
    assert dict(Deal.objects.filter(pk__in=before).values_list("pk", "owner")) == before


def test_manager_checks_rows_and_moves_their_stage(browser_login, live_server, manager, rep):
    stages = pipeline_with_stages(is_default=True)[1]
    deals = [
        deal_create(actor=manager, title=f"Move me {i}", stage=stages[0], owner=rep)
        for i in range(3)
    ]
    page = browser_login(manager)
    page.goto(f"{live_server.url}/deals/")
    page.get_by_role("checkbox", name="Select Move me 0").check()
    page.get_by_role("checkbox", name="Select Move me 2").check()
    expect(page.locator("[data-bulk-status]")).to_have_text("2 selected on this page.")
    page.get_by_label("Action", exact=True).select_option(label="Move to stage")
    page.get_by_label("New stage").select_option(label=str(stages[2]))
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.get_by_test_id("bulk-confirm-text")).to_contain_text(
        "2 selected records", timeout=15_000
    )
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_test_id("bulk-summary")).to_have_text("2 moved.", timeout=15_000)
    stage_of = dict(Deal.objects.filter(pk__in=[d.pk for d in deals]).values_list("pk", "stage"))
    assert stage_of == {
        deals[0].pk: stages[2].pk,
        deals[1].pk: stages[0].pk,
        deals[2].pk: stages[2].pk,
    }


@override_settings(LIST_COUNT_LIMIT=5)
def test_above_the_count_limit_select_all_matching_still_reaches_every_deal(
    browser_login, live_server, manager, rep, other_rep
):
    stages = pipeline_with_stages(is_default=True)[1]
    renewals = [
        deal_create(actor=manager, title=f"Renewal {i:02d}", stage=stages[0], owner=rep)
        for i in range(30)
    ]
    page = browser_login(manager)
    page.goto(f"{live_server.url}/deals/")
    # 30 deals, counted only as far as the first page needs: "25+", no page total.
    expect(page.get_by_test_id("result-count")).to_have_text("1–25 of 25+")
    expect(page.get_by_text("25+ matching deals")).to_be_visible()
    expect(
        page.get_by_role("note").filter(has_text="Totals are shown for up to 5 deals")
    ).to_be_visible()
    expect(page.get_by_text("Page 1", exact=True)).to_be_visible()

    page.get_by_role("checkbox", name="Select all on this page").check()
    page.get_by_role("button", name="Select all 25+ matching").click()
    expect(page.locator("[data-bulk-status]")).to_have_text(
        "All 25+ matching records are selected."
    )
    page.get_by_label("Action", exact=True).select_option(label="Reassign")
    page.get_by_label("New owner").select_option(label=other_rep.get_full_name())
    page.get_by_role("button", name="Apply to selected").click()
    # The action works on the filter, not on the number shown: all 30 are counted and moved.
    expect(page.get_by_test_id("bulk-confirm-text")).to_contain_text(
        "30 selected records", timeout=15_000
    )
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_test_id("bulk-summary")).to_have_text("30 reassigned.", timeout=15_000)
    owners = Deal.objects.filter(pk__in=[d.pk for d in renewals]).values_list("owner", flat=True)
    assert set(owners) == {other_rep.pk}
