"""Settings in real Chromium: an admin shapes the pipeline and manages users without /admin/."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from crm.models import Deal, Stage, User
from crm.tests.factories import DealFactory, pipeline_with_stages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAGES = ("Qualified", "Needs analysis", "Proposal", "Closing")


@pytest.fixture
def default_pipeline():
    return pipeline_with_stages(names=STAGES, is_default=True, name="Sales")


def _add_negotiation(page, live_server):
    page.goto(f"{live_server.url}/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Pipelines and stages").click()
    page.get_by_role("link", name="Sales").click()
    page.get_by_role("link", name="Add a stage").click()
    page.get_by_label("Name").fill("Negotiation")
    page.get_by_label("Win probability (%)").fill("70")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#messages")).to_contain_text("Stage saved.")
    names = page.locator(".stage-order__name")
    expect(names).to_have_text([*STAGES, "Negotiation"])
    return names


def _board_shows(page, live_server, expected):
    page.goto(f"{live_server.url}/pipeline/")
    expect(page.locator(".column__title bdi")).to_have_text(expected)


def test_admin_adds_a_stage_and_drags_it_to_second_place(
    browser_login, live_server, admin_user, default_pipeline
):
    page = browser_login(admin_user)
    names = _add_negotiation(page, live_server)

    # Drag with real pointer events: SortableJS reorders the list, "Save order" posts it.
    item = page.locator(".stage-order__item", has_text="Negotiation")
    target = page.locator(".stage-order__item", has_text="Needs analysis")
    box, goal = item.bounding_box(), target.bounding_box()
    page.mouse.move(box["x"] + 12, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2 - 10, steps=5)
    page.mouse.move(goal["x"] + 12, goal["y"] + 4, steps=25)
    expected = ["Qualified", "Negotiation", "Needs analysis", "Proposal", "Closing"]
    # A busy machine may not have run SortableJS's swap yet: hover on, a pixel at a time,
    # until the list shows the new order (a condition, not a sleep), then drop.
    for nudge in range(60):
        if names.all_inner_texts() == expected:
            break
        page.mouse.move(goal["x"] + 12, goal["y"] + 4 + nudge % 3)
    page.mouse.up()
    expect(names).to_have_text(expected)
    page.get_by_role("button", name="Save order").click()
    expect(page.locator("#messages")).to_contain_text("Stage order saved.")
    expect(names).to_have_text(expected)

    stage = Stage.objects.get(name="Negotiation")
    assert (stage.win_probability, stage.position) == (70, 1)
    _board_shows(page, live_server, expected)


def test_admin_moves_a_stage_with_the_keyboard(
    browser_login, live_server, admin_user, default_pipeline
):
    page = browser_login(admin_user)
    names = _add_negotiation(page, live_server)

    order = [*STAGES, "Negotiation"]
    page.get_by_role("button", name="Move Negotiation up").focus()
    for _ in range(3):
        # Enter on the focused button, three times: the focus comes back to it each time.
        page.keyboard.press("Enter")
        index = order.index("Negotiation")
        order[index - 1], order[index] = order[index], order[index - 1]
        expect(names).to_have_text(order)
        expect(page.get_by_role("button", name="Move Negotiation up")).to_be_focused()
    expected = ["Qualified", "Negotiation", "Needs analysis", "Proposal", "Closing"]
    assert order == expected
    expect(page.locator("#messages")).to_contain_text("Stage order saved.")
    _board_shows(page, live_server, expected)


def test_admin_invites_a_user_and_deactivates_another_reassigning_their_deals(
    browser_login, live_server, admin_user, rep, manager, default_pipeline
):
    _pipeline, stages = default_pipeline
    deals = [DealFactory(owner=rep, stage=stages[0], title=f"Deal {n}") for n in range(2)]
    page = browser_login(admin_user)
    page.goto(f"{live_server.url}/settings/")
    page.get_by_role("link", name="Users and roles").click()

    page.get_by_role("link", name="Invite a user").click()
    page.get_by_label("Email").fill("elif@example.com")
    page.get_by_label("First name").fill("Elif")
    page.get_by_label("Role").select_option(label="Sales rep")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator("#messages")).to_contain_text("Invitation sent.")
    expect(page.get_by_role("cell", name="elif@example.com")).to_be_visible()
    invited = User.objects.get(email="elif@example.com")
    assert invited.role == "rep" and not invited.has_usable_password()
    assert [m.to for m in mail.outbox] == [["elif@example.com"]]

    page.locator(f"#user-{rep.pk}").get_by_role("link", name="Deactivate").click()
    expect(page.get_by_text("Open work: 2 deals")).to_be_visible()
    page.get_by_label("Reassign their open work to").select_option(label=str(manager))
    page.get_by_role("button", name="Deactivate").click()
    expect(page.locator("#messages")).to_contain_text("User deactivated.")
    expect(page.locator(f"#user-{rep.pk}")).to_contain_text("Deactivated")

    assert User.objects.get(pk=rep.pk).is_active is False
    assert set(
        Deal.objects.filter(pk__in=[d.pk for d in deals]).values_list("owner", flat=True)
    ) == {manager.pk}
    expect(page).to_have_url(re.compile(r"/settings/users/$"))


def test_an_invalid_save_after_a_good_one_drops_the_stale_saved_note(
    browser_login, live_server, admin_user
):
    page = browser_login(admin_user)
    page.goto(f"{live_server.url}/settings/sla/")
    field = page.get_by_label("High: first response (hours)")
    field.fill("2")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#messages")).to_contain_text("SLA targets saved.", timeout=15_000)

    page.get_by_label("High: first response (hours)").fill("0")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Ensure this value is greater than or equal to 1.")).to_be_visible(
        timeout=15_000
    )
    expect(page.locator("#messages")).not_to_contain_text("SLA targets saved.")
