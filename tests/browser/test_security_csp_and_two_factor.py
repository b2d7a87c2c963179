"""Under the Content-Security-Policy the board still drags and htmx pages still work with
no violation in the console; a manager enrols in TOTP and signs in with a code."""

import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from crm.models import AuditEvent, AuditKind
from crm.services.deals import deal_create
from crm.tests.factories import ContactFactory, pipeline_with_stages
from tests.browser.test_workspace_board import _drag

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch_csp(page) -> list[str]:
    """Collect CSP violations: the console message and the DOM's violation event."""
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: (
            violations.append(msg.text)
            if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text
            else None
        ),
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e =>"
        " console.error('Content Security Policy violation: ' + e.violatedDirective))"
    )
    return violations


def test_board_drag_and_htmx_work_under_the_csp_without_violations(browser_login, live_server, rep):
    _pipeline, stages = pipeline_with_stages(is_default=True)
    contact = ContactFactory(first_name="Ada", last_name="Lovelace", owner=rep)
    deal = deal_create(actor=rep, title="Engine", value=900, stage=stages[0], contact=contact)
    page = browser_login(rep)
    violations = _watch_csp(page)

    response = page.goto(f"{live_server.url}/pipeline/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    _drag(
        page,
        page.locator(f'[data-deal-id="{deal.pk}"]'),
        page.locator(f'[data-stage-id="{stages[1].pk}"] .column__cards'),
    )
    expect(page.locator("#board-status")).to_contain_text("moved to")
    # An htmx page: the contact list's search swaps rows in place.
    page.goto(f"{live_server.url}/contacts/")
    page.get_by_role("searchbox").first.fill("Lovelace")
    expect(page.locator("table")).to_contain_text("Lovelace")
    page.goto(live_server.url + reverse("metrics:dashboard"))

    deal.refresh_from_db()
    assert deal.stage_id == stages[1].pk
    assert violations == []


def test_the_api_docs_render_from_our_own_files_under_the_csp(browser_login, live_server, rep):
    page = browser_login(rep)
    violations = _watch_csp(page)
    outside = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None,
    )

    page.goto(f"{live_server.url}/api/docs/")

    # Swagger UI drew the schema: its endpoint groups and models are on the page.
    expect(page.get_by_role("heading", name="Goalpost CRM API")).to_be_visible(timeout=30_000)
    expect(page.locator(".opblock-tag").first).to_be_visible(timeout=30_000)
    expect(page.locator("#model-AuthTokenResponse")).to_be_attached()
    assert violations == []
    assert outside == []  # no CDN


def test_manager_enrols_in_totp_and_signs_in_with_a_code(
    browser_login, live_server, manager, settings
):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the wrong code below would make us wait 1 s
    page = browser_login(manager)
    violations = _watch_csp(page)
    page.goto(f"{live_server.url}/profile/two-factor/")
    expect(page.locator(".qr svg")).to_be_visible()
    device = TOTPDevice.objects.get(user=manager, confirmed=False)
    page.get_by_label("Code from your authenticator app").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Turn two-factor sign-in on").click()
    expect(page.locator("[data-two-factor=on]")).to_be_visible()

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/?next=/pipeline/")
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill("goalpost-test")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/code/$"))
    # Signed in only after the code: the pipeline still sends us back to log in.
    device.refresh_from_db()
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("This code is not valid")).to_be_visible()
    # A fresh code for the next time step (the enrolment code may not be replayed), on the
    # device's clock: an enrolment answered in the step after its code was made synced the
    # device 1 step back (django-otp's OTP_TOTP_SYNC), and a code 2 steps ahead is refused.
    page.get_by_label("Code from your authenticator app").fill(
        f"{totp(device.bin_key, t0=device.t0, step=device.step, drift=device.drift + 1):06d}"
    )
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(re.compile(r"/pipeline/$"))

    kinds = list(AuditEvent.objects.filter(actor=manager).values_list("kind", flat=True))
    assert AuditKind.TWO_FACTOR_ENROLLED in kinds
    assert AuditKind.SIGNIN_SUCCEEDED in kinds
    assert violations == []
