"""In Chromium: a rep emails a deal's contact with a template and sees it on the timeline."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from crm.models import EmailMessage, EmailTemplate
from crm.tests.factories import ContactFactory, DealFactory, pipeline_with_stages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def deal(rep):
    stages = pipeline_with_stages(is_default=True, name="Sales")[1]
    contact = ContactFactory(
        first_name="Elif", last_name="Kaya", email="elif.kaya@example.com", owner=rep
    )
    EmailTemplate.objects.create(
        name="Proposal follow-up",
        subject="Your proposal for {deal}",
        body="Hello {first_name},\nthanks for your time today.",
    )
    return DealFactory(title="Fleet renewal", stage=stages[0], owner=rep, contact=contact)


def test_rep_emails_a_contact_from_a_deal_with_a_template(page, live_server, rep, deal):
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/?next=/deals/")
    page.get_by_label("Username").fill("rep1")
    page.get_by_label("Password").fill("goalpost-test")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/deals/$"))

    page.get_by_role("link", name="Fleet renewal").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fleet renewal")
    page.get_by_role("link", name="Email", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Elif Kaya")
    # htmx binds its handlers once the deferred scripts have run.
    page.wait_for_load_state("load")

    page.get_by_label("Template").select_option(label="Proposal follow-up")
    expect(page.get_by_label("Subject")).to_have_value("Your proposal for {deal}", timeout=15_000)
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#email-preview")
    expect(preview).to_contain_text("Hello Elif,", timeout=15_000)
    expect(preview).to_contain_text("Your proposal for Fleet renewal")

    page.get_by_role("button", name="Send").click()
    expect(page).to_have_url(re.compile(rf"/deals/{deal.pk}/$"))
    expect(page.locator("#messages")).to_contain_text("Email sent.", timeout=15_000)
    emails = page.locator(".email-list")
    expect(emails).to_contain_text("Your proposal for Fleet renewal")
    expect(emails).to_contain_text("elif.kaya@example.com")

    page.get_by_role("link", name="Elif Kaya").first.click()
    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline).to_contain_text("Email sent: Your proposal for Fleet renewal", timeout=15_000)

    assert [m.to for m in mail.outbox] == [["elif.kaya@example.com"]]
    assert mail.outbox[0].body == "Hello Elif,\nthanks for your time today."
    assert EmailMessage.objects.get().author == rep
