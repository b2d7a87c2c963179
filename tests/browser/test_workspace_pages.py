"""My day, contact forms, search and escaping in real Chromium."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm.models import Activity, Contact
from crm.tests.factories import ActivityFactory, ContactFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_contact_form_shows_a_bad_email_inline(browser_login, live_server, rep):
    page = browser_login(rep)
    page.goto(f"{live_server.url}/contacts/new/")
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Email", exact=True).fill("not-an-email")
    page.get_by_role("button", name="Save").click()

    email = page.get_by_label("Email", exact=True)
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_email_error")).to_have_text("Enter a valid email address.")
    expect(page).to_have_url(f"{live_server.url}/contacts/new/")  # swapped in place
    assert Contact.objects.count() == 0

    email.fill("ada@example.com")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Ada")).to_be_visible()
    assert Contact.objects.get().email == "ada@example.com"


def test_log_a_call_from_my_day_and_mark_a_task_done(browser_login, live_server, rep):
    contact = ContactFactory(first_name="Grace", last_name="Hopper", owner=rep)
    task = ActivityFactory(
        assignee=rep, subject="Follow up", due_at=timezone.now() - timedelta(hours=30)
    )
    page = browser_login(rep)
    page.goto(f"{live_server.url}/")
    expect(page.get_by_text("Overdue (1)")).to_be_visible()

    page.get_by_role("button", name="Log a call").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("What happened?")).to_have_value("Call")
    dialog.get_by_label("Contact").fill("Hopp")
    dialog.get_by_role("option", name=re.compile("Grace Hopper")).click()
    dialog.get_by_role("button", name="Save").click()

    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(page.locator("#done-today")).to_contain_text("Call")
    expect(page.locator("#messages")).to_contain_text("Call logged.")
    logged = Activity.objects.exclude(pk=task.pk).get()
    assert (logged.kind, logged.contact_id, logged.done_at is not None) == (
        "call",
        contact.pk,
        True,
    )

    page.get_by_role("button", name="Mark “Follow up” done").click()
    expect(page.locator(f"#activity-{task.pk}")).to_have_class(re.compile(r"\btask--done\b"))
    task.refresh_from_db()
    assert task.done_at is not None


def test_a_script_name_renders_as_text(browser_login, live_server, rep):
    ContactFactory(first_name="<script>window.__xss=1</script>", last_name="Evil", owner=rep)
    page = browser_login(rep)
    page.goto(f"{live_server.url}/contacts/")
    expect(page.get_by_role("link", name="<script>window.__xss=1</script> Evil")).to_be_visible()
    assert page.evaluate("typeof window.__xss") == "undefined"


def test_contact_search_finds_a_contact(browser_login, live_server, rep):
    ContactFactory(first_name="Katherine", last_name="Johnson", owner=rep)
    ContactFactory(first_name="Dorothy", last_name="Vaughan", owner=rep)
    page = browser_login(rep)
    page.goto(f"{live_server.url}/contacts/?q=johnson")
    results = page.locator("#results")
    expect(results.get_by_role("link", name="Katherine Johnson")).to_be_visible()
    expect(results.get_by_role("link", name="Dorothy Vaughan")).to_have_count(0)
    # Typing in the box searches as you type (htmx), keeping the URL shareable.
    page.get_by_role("searchbox", name="Search contacts").fill("vaughan")
    expect(results.get_by_role("link", name="Dorothy Vaughan")).to_be_visible()
    expect(results.get_by_role("link", name="Katherine Johnson")).to_have_count(0)
    expect(page).to_have_url(f"{live_server.url}/contacts/?q=vaughan")
