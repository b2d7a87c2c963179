"""Multi-language campaign email in Chromium: a marketer adds a German version of a step,
and a contact who prefers German is sent that version."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from automation.marketing.models import EmailSend, StepKind
from automation.marketing.services.campaigns import step_create
from automation.marketing.services.enrollments import campaign_enroll_contact
from automation.marketing.services.progress import due_steps_run
from crm.tests.factories import CampaignFactory, ContactFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_marketer_adds_a_german_version_and_a_german_contact_gets_it(
    browser_login, live_server, marketer
):
    campaign = CampaignFactory(name="Multilingual nurture")
    step = step_create(
        campaign=campaign,
        actor=None,
        kind=StepKind.EMAIL,
        subject="Welcome {{ contact.first_name }}",
        body="Hello {{ contact.first_name }}, good to have you.",
    )
    variant = step.variants.get()

    page = browser_login(marketer)
    page.goto(f"{live_server.url}/marketing/campaigns/{campaign.pk}/")
    languages = page.locator(f'.mk-languages[data-variant="{variant.pk}"]')
    expect(languages).to_contain_text("No other languages yet")

    # Opened from the keyboard, as a person without a mouse would.
    summary = languages.get_by_text("Add a language version")
    summary.focus()
    page.keyboard.press("Enter")
    form = languages.locator("form").last
    expect(form.get_by_label("Language")).to_be_visible()
    form.get_by_label("Language").select_option(label="Deutsch")
    form.get_by_label("Subject").fill("Willkommen {{ contact.first_name }}")
    form.get_by_label("Body").fill("Hallo {{ contact.first_name }}, schön, dass Sie da sind.")
    form.get_by_role("button", name="Add version").click()

    expect(page.get_by_text("Version added")).to_be_visible(timeout=15_000)
    covered = page.locator(f'.mk-languages[data-variant="{variant.pk}"]').get_by_role(
        "list", name="Languages covered"
    )
    expect(covered).to_contain_text("Deutsch")
    expect(covered.locator('[data-language="de"]')).to_contain_text("Willkommen")

    # The send to a contact who prefers German uses the German version.
    contact = ContactFactory(first_name="Jonas", email="jonas@example.com", language="de")
    campaign_enroll_contact(campaign=campaign, contact=contact)
    due_steps_run()
    sent = [m for m in mail.outbox if m.to == ["jonas@example.com"]]
    assert [m.subject for m in sent] == ["Willkommen Jonas"]
    assert "Hallo Jonas, schön, dass Sie da sind." in sent[0].body
    assert '<html lang="de" dir="ltr">' in sent[0].alternatives[0][0]
    assert EmailSend.objects.get(contact=contact).language == "de"
