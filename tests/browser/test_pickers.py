"""Pickers in real Chromium: typing searches (accent- and case-insensitive), the keyboard
and the mouse pick, and the chosen record is the one saved."""

import re

import pytest
from playwright.sync_api import expect

from crm.models import Deal, Role
from crm.tests.factories import ContactFactory, UserFactory, pipeline_with_stages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sixty_contacts(rep):
    """60 contacts; the wanted one sorts 40th, far past the first page of matches."""
    pipeline_with_stages(is_default=True)
    contacts = [
        ContactFactory(first_name=f"Ayşe {i:02d}", last_name="Kaya", owner=rep) for i in range(37)
    ]
    contacts.append(ContactFactory(first_name="Selin", last_name="Arslan", owner=rep))
    wanted = ContactFactory(first_name="Şükrü", last_name="Çelik", owner=rep)
    decoy = ContactFactory(first_name="Şükrüye", last_name="Demir", owner=rep)
    contacts += [wanted, decoy]
    contacts += [
        ContactFactory(first_name=f"Zeynep {i:02d}", last_name="Yıldız", owner=rep)
        for i in range(20)
    ]
    assert len(contacts) == 60
    return wanted, decoy


def test_deal_form_picker_finds_a_contact_past_the_first_page_by_keyboard(
    browser_login, live_server, rep, sixty_contacts
):
    wanted, _decoy = sixty_contacts
    page = browser_login(rep)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/deals/new/")
    page.get_by_label("Title").fill("Istanbul office")
    page.get_by_label("Value").fill("1000")
    page.get_by_label("Stage").select_option(index=1)
    box = page.get_by_role("combobox", name="Contact")
    box.press_sequentially("SUKRU", delay=40)

    listbox = page.get_by_role("listbox", name="Matches").first
    options = listbox.get_by_role("option")
    expect(options).to_have_count(2, timeout=15_000)
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(options.nth(0)).to_contain_text("Şükrü Çelik")
    expect(options.nth(1)).to_contain_text("Şükrüye Demir")

    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", options.nth(1).get_attribute("id"))
    box.press("ArrowUp")
    first_id = options.nth(0).get_attribute("id")
    expect(box).to_have_attribute("aria-activedescendant", first_id)
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    expect(box).to_have_value("Şükrü Çelik")
    expect(box).to_have_attribute("aria-expanded", "false")

    # Escape closes a reopened list without losing the choice.
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-expanded", "true", timeout=15_000)
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")

    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/deals/\d+/$"), timeout=15_000)
    deal = Deal.objects.get(title="Istanbul office")
    assert deal.contact_id == wanted.pk
    assert errors == []


def test_board_add_deal_dialog_picks_a_contact_with_the_mouse(
    browser_login, live_server, rep, sixty_contacts
):
    wanted, _decoy = sixty_contacts
    page = browser_login(rep)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/pipeline/")
    page.get_by_role("button", name="Add deal").click()
    dialog = page.get_by_role("dialog", name="Add a deal")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Title").fill("Ankara branch")
    dialog.get_by_label("Value").fill("500")
    dialog.get_by_label("Stage").select_option(index=1)
    box = dialog.get_by_role("combobox", name="Contact")
    box.press_sequentially("çelik", delay=40)
    option = dialog.get_by_role("option", name=re.compile("Şükrü Çelik"))
    expect(option).to_be_visible(timeout=15_000)
    expect(dialog.get_by_role("listbox", name="Matches").get_by_role("option")).to_have_count(1)
    option.click()
    expect(box).to_have_value("Şükrü Çelik")
    dialog.get_by_role("button", name="Add deal").click()
    expect(dialog).to_be_hidden(timeout=15_000)
    deal = Deal.objects.get(title="Ankara branch")
    assert deal.contact_id == wanted.pk
    assert errors == []


def test_a_manager_picks_a_deals_owner_by_typing_among_sellers_only(
    browser_login, live_server, manager, sixty_contacts
):
    for i in range(12):
        UserFactory(role=Role.REP, username=f"seller{i:02d}", first_name="Ahmet", last_name=f"{i}")
    # A surname no generated fixture user can carry; marketing's namesake may not own deals.
    wanted = UserFactory(role=Role.REP, username="sara", first_name="Sára", last_name="Qızılbaş")
    UserFactory(role=Role.MARKETING, username="sarah.q", first_name="Sarah", last_name="Qizilbas")
    page = browser_login(manager)
    page.goto(f"{live_server.url}/deals/new/")
    page.get_by_label("Title").fill("Tabriz warehouse")
    page.get_by_label("Value").fill("2500")
    page.get_by_label("Stage").select_option(index=1)
    page.get_by_role("combobox", name="Contact").press_sequentially("selin", delay=40)
    page.get_by_role("option", name=re.compile("Selin Arslan")).click()

    owner = page.get_by_role("combobox", name="Owner")
    owner.press_sequentially("qizil", delay=40)
    # Marketing's Sarah may not own a deal: only the seller is offered.
    options = page.locator(f"#{owner.get_attribute('aria-controls')}").get_by_role("option")
    expect(options).to_have_count(1, timeout=15_000)
    expect(options.first).to_contain_text("Sára Qızılbaş")
    owner.press("Enter")
    expect(owner).to_have_value("Sára Qızılbaş")

    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/deals/\d+/$"), timeout=15_000)
    assert Deal.objects.get(title="Tabriz warehouse").owner_id == wanted.pk


def _type_a_space_and_hold_its_search(page, box, lookup):
    """Type a space after the text and hold the search it starts, as a slow server would:
    the held route, for the test to let go (`continue_()`) when it chooses."""
    held = []
    page.route("**/lookup/contacts/**", lambda route: held.append(route))
    box.press("End")
    box.press_sequentially(" ")
    expect(lookup).to_have_attribute("aria-busy", "true", timeout=15_000)
    for _ in range(300):  # until the held request reaches the route, at most 15 s
        if held:
            return held[0]
        page.wait_for_timeout(50)
    pytest.fail("The search never reached the route")


def test_matches_arriving_while_an_option_is_pressed_do_not_lose_the_click(
    browser_login, live_server, rep, sixty_contacts
):
    """On a slow server the answer to the last keystroke can land between mousedown and
    mouseup: the option under the pointer must still be the one picked."""
    wanted, _decoy = sixty_contacts
    page = browser_login(rep)
    page.goto(f"{live_server.url}/deals/new/")
    box = page.get_by_role("combobox", name="Contact")
    box.press_sequentially("çelik", delay=40)
    option = page.get_by_role("option", name=re.compile("Şükrü Çelik"))
    expect(option).to_be_visible(timeout=15_000)

    lookup = page.locator(".lookup").filter(has=box)
    held = _type_a_space_and_hold_its_search(page, box, lookup)
    option.hover()
    page.mouse.down()
    held.continue_()
    expect(lookup).not_to_have_attribute("aria-busy", "true", timeout=15_000)
    page.mouse.up()

    expect(box).to_have_value("Şükrü Çelik")
    hidden = lookup.locator("[data-lookup-value]")
    expect(hidden).to_have_value(str(wanted.pk))


def test_matches_arriving_after_an_arrow_key_keep_the_option_it_chose(
    browser_login, live_server, rep, sixty_contacts
):
    """On a slow server the answer to the last keystroke can land after the person has
    moved down the list: the option they moved to stays the active one."""
    page = browser_login(rep)
    page.goto(f"{live_server.url}/deals/new/")
    box = page.get_by_role("combobox", name="Contact")
    box.press_sequentially("SUKRU", delay=40)
    second = page.get_by_role("option", name=re.compile("Şükrüye Demir"))
    expect(second).to_be_visible(timeout=15_000)

    lookup = page.locator(".lookup").filter(has=box)
    held = _type_a_space_and_hold_its_search(page, box, lookup)
    box.press("ArrowDown")
    expect(second).to_have_attribute("aria-selected", "true")
    held.continue_()
    expect(lookup).not_to_have_attribute("aria-busy", "true", timeout=15_000)

    expect(second).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", second.get_attribute("id"))


def test_matches_arriving_after_a_pick_do_not_reopen_the_list(
    browser_login, live_server, rep, sixty_contacts
):
    """On a slow server the answer to the last keystroke can land after the person has
    clicked an option: the list stays closed, so it cannot cover the form's buttons."""
    wanted, _decoy = sixty_contacts
    page = browser_login(rep)
    page.goto(f"{live_server.url}/deals/new/")
    page.get_by_label("Title").fill("Izmir depot")
    page.get_by_label("Value").fill("750")
    page.get_by_label("Stage").select_option(index=1)
    box = page.get_by_role("combobox", name="Contact")
    box.press_sequentially("çelik", delay=40)
    option = page.get_by_role("option", name=re.compile("Şükrü Çelik"))
    expect(option).to_be_visible(timeout=15_000)

    lookup = page.locator(".lookup").filter(has=box)
    held = _type_a_space_and_hold_its_search(page, box, lookup)
    option.click()
    held.continue_()
    expect(lookup).not_to_have_attribute("aria-busy", "true", timeout=15_000)

    expect(lookup.get_by_role("listbox")).to_be_hidden()
    expect(box).to_have_value("Şükrü Çelik")
    expect(lookup.locator("[data-lookup-value]")).to_have_value(str(wanted.pk))

    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/deals/\d+/$"), timeout=15_000)
    assert Deal.objects.get(title="Izmir depot").contact_id == wanted.pk
