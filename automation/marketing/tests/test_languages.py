"""Language versions of campaign emails: each contact gets their language's version."""

import pytest
from django.core import mail
from django.urls import reverse

from automation.marketing.models import EmailSend, VariantLanguage
from automation.marketing.services.campaigns import variant_language_create
from automation.marketing.services.enrollments import campaign_enroll_contact
from automation.marketing.services.progress import due_steps_run
from crm.tests.factories import CampaignFactory, ContactFactory

from .conftest import email_wait_email

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(db):
    campaign = CampaignFactory(name="Languages")
    first = email_wait_email(campaign)[0]
    variant = first.variants.get()
    for code, subject, body in [
        ("tr", "Hoş geldin {{ contact.first_name }}", "Merhaba {{ contact.first_name }}"),
        ("fa", "خوش آمدی {{ contact.first_name }}", "سلام {{ contact.first_name }}"),
    ]:
        variant_language_create(
            variant=variant, actor=None, language=code, subject=subject, body=body
        )
    return campaign


def _send_to(run_on_commit, campaign, contact):
    run_on_commit(campaign_enroll_contact, campaign=campaign, contact=contact)
    run_on_commit(due_steps_run)
    message = next(m for m in mail.outbox if m.to == [contact.email])
    html = message.alternatives[0][0] if message.alternatives else ""
    return message, html, EmailSend.objects.get(contact=contact)


def test_turkish_contact_gets_the_turkish_version(campaign, run_on_commit):
    contact = ContactFactory(first_name="Ayşe", email="ayse@example.com", language="tr")
    message, html, send = _send_to(run_on_commit, campaign, contact)
    assert message.subject == "Hoş geldin Ayşe"
    assert "Merhaba Ayşe" in message.body
    assert '<html lang="tr" dir="ltr">' in html
    assert send.language == "tr" and send.variant.label == "A"


def test_persian_contact_gets_the_persian_version_right_to_left(campaign, run_on_commit):
    contact = ContactFactory(first_name="Sara", email="sara@example.com", language="fa")
    message, html, send = _send_to(run_on_commit, campaign, contact)
    assert message.subject == "خوش آمدی Sara"
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="fa" dir="rtl">' in html
    assert "سلام Sara" in html
    assert send.language == "fa"
    # The footer is ours, written in the contact's language.
    assert "لغو اشتراک" in html


def test_contact_without_a_version_in_their_language_gets_the_default(campaign, run_on_commit):
    contact = ContactFactory(first_name="Min", email="min@example.com", language="ko")
    message, html, send = _send_to(run_on_commit, campaign, contact)
    assert message.subject == "Welcome Min"
    assert send.language == ""
    # The default content is in the site's language; our footer is marked as Korean.
    assert '<html lang="en" dir="ltr">' in html
    assert '<p style="font-size:small" lang="ko" dir="ltr">' in html


def test_contact_with_no_preference_gets_the_default(campaign, run_on_commit):
    contact = ContactFactory(first_name="Ada", email="ada@example.com", language="")
    message, _html, send = _send_to(run_on_commit, campaign, contact)
    assert message.subject == "Welcome Ada"
    assert send.language == ""


def test_version_is_refused_twice_and_for_unknown_languages(campaign):
    from django.core.exceptions import ValidationError

    variant = campaign.steps.get(position=1).variants.get()
    with pytest.raises(ValidationError):
        variant_language_create(variant=variant, actor=None, language="tr", subject="S", body="B")
    with pytest.raises(ValidationError):
        variant_language_create(variant=variant, actor=None, language="xx", subject="S", body="B")
    with pytest.raises(ValidationError):
        variant_language_create(variant=variant, actor=None, language="de", subject="S", body="")
    assert VariantLanguage.objects.filter(variant=variant).count() == 2


# API


def test_api_creates_a_step_with_versions_and_replaces_them(api_as, marketer, campaign):
    api = api_as(marketer)
    response = api.post(
        "/api/campaign-steps/",
        {
            "campaign": campaign.pk,
            "kind": "email",
            "subject": "Hello",
            "body": "Hi {{ contact.first_name }}",
            "languages": [
                {"language": "de", "subject": "Hallo", "body": "Hallo {{ contact.first_name }}"},
                {"language": "ro", "subject": "Bună", "body": "Bună ziua"},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    versions = response.data["variants"][0]["languages"]
    assert [(v["language"], v["subject"]) for v in versions] == [("de", "Hallo"), ("ro", "Bună")]
    step_id = response.data["id"]

    response = api.patch(
        f"/api/campaign-steps/{step_id}/",
        {"languages": [{"language": "de", "subject": "Servus", "body": "Servus!"}]},
        format="json",
    )
    assert response.status_code == 200, response.data
    assert [(v["language"], v["subject"]) for v in response.data["variants"][0]["languages"]] == [
        ("de", "Servus")
    ]

    variant_id = response.data["variants"][0]["id"]
    response = api.patch(
        f"/api/campaign-variants/{variant_id}/",
        {"languages": [{"language": "fa", "subject": "سلام", "body": "سلام"}]},
        format="json",
    )
    assert response.status_code == 200, response.data
    assert [v["language"] for v in response.data["languages"]] == ["fa"]
    assert api.get(f"/api/campaign-variants/{variant_id}/").data["languages"][0]["body"] == "سلام"


@pytest.mark.parametrize(
    "languages",
    [
        [{"language": "xx", "subject": "S", "body": "B"}],
        [{"language": "de", "subject": "", "body": "B"}],
        [{"language": "de", "subject": "S"}],
        [{"language": "de", "subject": "S" * 301, "body": "B"}],
        [{"language": "de", "subject": "S", "body": "B" * 20001}],
        [
            {"language": "de", "subject": "S", "body": "B"},
            {"language": "de", "subject": "T", "body": "C"},
        ],
        [{"language": "de", "subject": "S", "body": "{% load static %}"}],
        [{"language": "de", "subject": "{{ x|safe }}", "body": "B"}],
        ["de"],
        "de",
        [None],
        {"language": "de"},
    ],
)
def test_api_refuses_bad_versions_with_400(api_as, marketer, campaign, languages):
    api = api_as(marketer)
    step = campaign.steps.get(position=1)
    variant = step.variants.get()
    before = list(VariantLanguage.objects.order_by("pk").values_list("pk", "subject"))
    for url in (f"/api/campaign-steps/{step.pk}/", f"/api/campaign-variants/{variant.pk}/"):
        response = api.patch(url, {"languages": languages}, format="json")
        assert response.status_code == 400, (url, response.data)
        assert "languages" in response.data
    assert list(VariantLanguage.objects.order_by("pk").values_list("pk", "subject")) == before


def test_api_refuses_versions_on_a_wait_step(api_as, marketer, campaign):
    wait = campaign.steps.get(position=2)
    response = api_as(marketer).patch(
        f"/api/campaign-steps/{wait.pk}/",
        {"languages": [{"language": "de", "subject": "S", "body": "B"}]},
        format="json",
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("marketer", 200),
        ("admin_user", 200),
        ("manager", 403),
        ("rep", 403),
        ("support_agent", 403),
    ],
)
def test_api_writes_versions_per_role(api_as, request, campaign, role, status):
    variant = campaign.steps.get(position=1).variants.get()
    response = api_as(request.getfixturevalue(role)).patch(
        f"/api/campaign-variants/{variant.pk}/",
        {"languages": [{"language": "de", "subject": "S", "body": "B"}]},
        format="json",
    )
    assert response.status_code == status


def test_email_send_api_shows_the_language(api_as, marketer, campaign, run_on_commit):
    contact = ContactFactory(email="t@example.com", language="tr")
    _send_to(run_on_commit, campaign, contact)
    rows = api_as(marketer).get("/api/email-sends/").data
    rows = rows["results"] if isinstance(rows, dict) else rows
    assert [r["language"] for r in rows] == ["tr"]


# The editor page


def _editor(campaign):
    return reverse("marketing:campaign", args=[campaign.pk])


@pytest.mark.parametrize(
    ("role", "reads", "writes"),
    [
        ("marketer", True, True),
        ("admin_user", True, True),
        ("manager", True, False),
        ("rep", False, False),
        ("support_agent", False, False),
    ],
)
def test_editor_languages_part_per_role(client, request, campaign, role, reads, writes):
    client.force_login(request.getfixturevalue(role))
    response = client.get(_editor(campaign))
    assert response.status_code == (200 if reads else 403)
    if reads:
        html = response.content.decode()
        assert "Türkçe" in html and "فارسی" in html
        assert ("Add a language version" in html) == writes
    variant = campaign.steps.get(position=1).variants.get()
    key = f"lang-new-{variant.pk}"
    response = client.post(
        reverse("marketing:language_add", args=[campaign.pk, variant.pk]),
        {f"{key}-language": "de", f"{key}-subject": "Hallo", f"{key}-body": "Hallo!"},
    )
    assert response.status_code == (302 if writes else 403)
    assert variant.languages.filter(language="de").exists() == writes


def test_editor_adds_edits_and_removes_a_version(client, marketer, campaign):
    client.force_login(marketer)
    variant = campaign.steps.get(position=1).variants.get()
    key = f"lang-new-{variant.pk}"
    url = reverse("marketing:language_add", args=[campaign.pk, variant.pk])
    # A missing body and a language already covered stay in the page as form errors.
    response = client.post(url, {f"{key}-language": "ro", f"{key}-subject": "Bună"})
    assert response.status_code == 422
    response = client.post(
        url, {f"{key}-language": "tr", f"{key}-subject": "Tekrar", f"{key}-body": "x"}
    )
    assert response.status_code == 422
    assert variant.languages.get(language="tr").subject != "Tekrar"

    response = client.post(
        url, {f"{key}-language": "ro", f"{key}-subject": "Bună", f"{key}-body": "Bună ziua"}
    )
    assert response.status_code == 302
    version = variant.languages.get(language="ro")
    edit = f"lang-{version.pk}"
    response = client.post(
        reverse("marketing:language_edit", args=[campaign.pk, version.pk]),
        {f"{edit}-subject": "Salut", f"{edit}-body": "Salut {{ contact.first_name }}"},
    )
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.subject == "Salut"
    response = client.post(
        reverse("marketing:language_edit", args=[campaign.pk, version.pk]),
        {f"{edit}-subject": "Salut", f"{edit}-body": "{% load x %}"},
    )
    assert response.status_code == 422
    html = client.get(_editor(campaign)).content.decode()
    assert "Română" in html
    response = client.post(reverse("marketing:language_delete", args=[campaign.pk, version.pk]))
    assert response.status_code == 302
    assert not variant.languages.filter(language="ro").exists()


def test_editor_queries_do_not_grow_with_versions(
    client, marketer, campaign, django_assert_max_num_queries
):
    client.force_login(marketer)
    with django_assert_max_num_queries(40) as captured:
        client.get(_editor(campaign))
    baseline = len(captured)
    for step in campaign.steps.filter(kind="email"):
        variant = step.variants.get()
        for code in ("de", "ko", "ro"):
            if not variant.languages.filter(language=code).exists():
                variant_language_create(
                    variant=variant, actor=None, language=code, subject="S", body="B"
                )
    with django_assert_max_num_queries(baseline):
        client.get(_editor(campaign))


def test_demo_nurture_series_has_every_language(db):
    from django.conf import settings
    from django.utils import translation

    from automation.marketing.demo import seed_demo
    from crm.tests.factories import UserFactory

    nurture = CampaignFactory(name="Nurture (languages test)")
    seed_demo(users={"marketing": UserFactory()}, campaigns={"Nurture": nurture})
    codes = sorted(code for code, _label in settings.LANGUAGES)
    for step in nurture.steps.filter(kind="email"):
        for variant in step.variants.all():
            assert sorted(variant.languages.values_list("language", flat=True)) == codes
    first = nurture.steps.get(position=1).variants.get(label="A")
    with translation.override("tr"):
        assert first.languages.get(language="tr").subject == translation.gettext(
            "Getting started in a week"
        )
    assert first.languages.get(language="tr").subject != first.languages.get(language="en").subject


# Our own HTML emails (rule actions, surveys, codes) and the send gate


def test_nps_survey_email_is_in_the_contacts_language_right_to_left(run_on_commit):
    from automation.marketing.services.offers import nps_survey_send

    contact = ContactFactory(first_name="Sara", email="sara.nps@example.com", language="fa")
    nps_survey_send(contact=contact)
    send = EmailSend.objects.get(contact=contact)
    assert send.body_html.startswith('<!DOCTYPE html>\n<html lang="fa" dir="rtl">')
    assert "لغو اشتراک" in send.body_html
    assert send.language == ""


def test_email_deliver_wraps_an_html_fragment_with_lang_and_dir(db):
    from crm.services.outbound_email import MailKind, outbound_email_send

    def email_deliver(**fields):
        outbound_email_send(kind=MailKind.TRANSACTIONAL, **fields)

    email_deliver(to="x@example.com", subject="S", body="B", html="<p>سلام</p>", language="fa")
    email_deliver(to="y@example.com", subject="S", body="B", html="<p>Hi</p>")
    whole = '<!DOCTYPE html><html lang="ko" dir="ltr"><body>x</body></html>'
    email_deliver(to="z@example.com", subject="S", body="B", html=whole)
    htmls = [m.alternatives[0][0] for m in mail.outbox]
    assert '<html lang="fa" dir="rtl">' in htmls[0] and "<p>سلام</p>" in htmls[0]
    assert '<html lang="en" dir="ltr">' in htmls[1]
    assert htmls[2] == whole


def test_contact_timeline_says_which_language_version_went_out(campaign, run_on_commit, marketer):
    from automation.marketing.selectors import contact_timeline_entries

    contact = ContactFactory(first_name="Ali", email="ali@example.com", language="tr")
    _send_to(run_on_commit, campaign, contact)
    [entry] = contact_timeline_entries(user=marketer, contact=contact, limit=10)
    assert "Türkçe" in str(entry.detail) and "Hoş geldin Ali" in str(entry.title)
