"""In Chromium: marketing puts an address on the suppression list and takes it off again;
the contact with that address (in another letter case) follows (issue 14)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from crm.models import Role, SuppressedAddress
from crm.tests.factories import ContactFactory

pytestmark = [pytest.mark.browser]


def test_marketing_suppresses_and_restores_an_address(live_server, browser_login, make_user):
    contact = ContactFactory(email="Kim@Example.com")
    page = browser_login(make_user(Role.MARKETING, username="marketing"))

    page.goto(live_server.url + reverse("web:suppression_list"))
    expect(page.get_by_text("No suppressed addresses")).to_be_visible()
    page.get_by_role("link", name="Suppress an address").first.click()
    page.get_by_label("Email address").fill("kim@example.COM")
    page.get_by_label("Reason").select_option("complaint")
    page.get_by_label("Note").fill("Marked as spam")
    page.get_by_role("button", name="Save").click()

    row = page.locator("tbody tr").first
    expect(row).to_contain_text("kim@example.com")
    expect(row).to_contain_text("Complaint (marked as spam)")
    expect(row).to_contain_text("Marked as spam")
    contact.refresh_from_db()
    assert contact.opted_out is True

    row.get_by_role("button", name="Remove").click()
    expect(page.get_by_text("No suppressed addresses")).to_be_visible()
    assert not SuppressedAddress.objects.exists()
    contact.refresh_from_db()
    assert contact.opted_out is False
