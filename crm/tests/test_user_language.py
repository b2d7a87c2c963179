"""A user's language is theirs: stored on the account, used for pages, API and email.

Contacts have a preferred language too: the email we write them and the pages they reach
from it speak it.
"""

import csv
import io

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from automation.marketing.services.emails import email_send_record, unsubscribe_url
from crm.importing.cleaning import RowCleaner
from crm.languages import language_from_text
from crm.models import Contact, Role
from crm.services.support import ticket_open, ticket_respond
from crm.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

ROLES = [Role.REP, Role.MANAGER, Role.MARKETING, Role.SUPPORT, Role.ADMIN]


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


# --- the language switch and the middleware ---------------------------------------------


def test_setlang_stores_the_language_and_another_browser_shows_it(client, rep):
    client.force_login(rep)

    response = client.post(reverse("set_language"), {"language": "de", "next": "/contacts/"})

    assert response.status_code == 302
    assert response["Location"] == "/contacts/"
    rep.refresh_from_db()
    assert rep.language == "de"
    # A new session in another browser, which asks for English, gets German.
    other = Client()
    other.force_login(rep)
    page = other.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert page["Content-Language"] == "de"
    assert "Mein Tag" in page.text
    assert '<html lang="de"' in page.text


def test_setlang_for_an_anonymous_visitor_only_sets_the_cookie(client):
    response = client.post(reverse("set_language"), {"language": "tr", "next": "/accounts/login/"})

    assert response.status_code == 302
    assert response.cookies["django_language"].value == "tr"
    assert client.get("/accounts/login/")["Content-Language"] == "tr"


def test_setlang_ignores_an_unknown_language(client, rep):
    client.force_login(rep)

    client.post(reverse("set_language"), {"language": "tlh", "next": "/"})

    rep.refresh_from_db()
    assert rep.language == ""


def test_a_user_without_a_language_follows_the_browser(client, rep):
    client.force_login(rep)

    page = client.get("/", HTTP_ACCEPT_LANGUAGE="ko")

    assert page["Content-Language"] == "ko"
    assert "나의 하루" in page.text


# --- the profile page -------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_edits_their_own_profile(client, make_user, role):
    user = make_user(role, username="me", email="me@example.com")
    other = make_user(Role.REP, username="someone", first_name="Some")
    client.force_login(user)

    menu = client.get("/")
    page = client.get(reverse("web:profile"))
    saved = client.post(
        reverse("web:profile"),
        {"first_name": "Ayşe", "last_name": "Kaya", "email": "ayse@example.com", "language": "tr"},
    )

    assert f'href="{reverse("web:profile")}"' in menu.text
    assert page.status_code == 200
    assert 'name="language"' in page.text
    assert "Browser default" in page.text
    assert saved.status_code == 302
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.email, user.language, user.role) == (
        "Ayşe",
        "Kaya",
        "ayse@example.com",
        "tr",
        role,
    )
    other.refresh_from_db()
    assert (other.first_name, other.language) == ("Some", "")
    # The message and the next page are in the language just chosen.
    after = client.get(reverse("web:profile"))
    assert "Profiliniz kaydedildi." in after.text
    assert after["Content-Language"] == "tr"


def test_profile_form_shows_errors_in_the_page(client, rep):
    client.force_login(rep)

    response = client.post(
        reverse("web:profile"),
        {"first_name": "Rep", "email": "not-an-address", "language": "tlh"},
    )

    assert response.status_code == 422
    assert "Select a valid choice. tlh is not one of the available choices." in response.text
    assert "Enter a valid email address." in response.text
    rep.refresh_from_db()
    assert rep.language == ""


def test_profile_can_go_back_to_the_browser_default(client, make_user):
    user = make_user(Role.REP, username="de1", language="de")
    client.force_login(user)

    client.post(reverse("web:profile"), {"first_name": "D", "email": "", "language": ""})

    user.refresh_from_db()
    assert user.language == ""
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "en"


# --- /api/me/ ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_and_patches_only_their_own_account(api_as, make_user, role):
    user = make_user(role, username="me")
    other = make_user(Role.REP, username="other")
    client = api_as(user)

    read = client.get("/api/me/")
    patched = client.patch(
        "/api/me/", {"language": "ko", "first_name": "Min", "role": "admin"}, format="json"
    )

    assert read.status_code == 200
    assert (read.data["username"], read.data["language"]) == ("me", "")
    assert patched.status_code == 200, patched.data
    assert (patched.data["language"], patched.data["first_name"]) == ("ko", "Min")
    user.refresh_from_db()
    assert (user.language, user.role) == ("ko", role)  # role is read-only here
    other.refresh_from_db()
    assert other.language == ""


def test_api_me_refuses_an_unknown_language_with_a_field_error(api_as, rep):
    response = api_as(rep).patch("/api/me/", {"language": "tlh"}, format="json")

    assert response.status_code == 400
    assert response.data["language"] == ['"tlh" is not a valid choice.']
    rep.refresh_from_db()
    assert rep.language == ""


def test_api_me_needs_a_login(api_client):
    assert api_client.get("/api/me/").status_code in (401, 403)


def test_api_me_is_in_the_openapi_schema(api_as, rep):
    schema = api_as(rep).get("/api/schema/", {"format": "json"}).json()

    assert set(schema["paths"]["/api/me/"]) >= {"get", "patch"}


# --- contacts' language: form, API, importer --------------------------------------------


def test_contact_language_through_the_api_and_the_form(api_as, client, manager):
    created = api_as(manager).post(
        "/api/contacts/", {"first_name": "Elif", "language": "tr"}, format="json"
    )
    bad = api_as(manager).post(
        "/api/contacts/", {"first_name": "Worf", "language": "tlh"}, format="json"
    )
    client.force_login(manager)
    form = client.get(reverse("web:contact_edit", args=[created.data["id"]]))

    assert created.status_code == 201
    assert Contact.objects.get(pk=created.data["id"]).language == "tr"
    assert bad.status_code == 400
    assert "language" in bad.data
    assert 'name="language"' in form.text


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("de", "de"),
        ("tr-TR", "tr"),
        ("de_AT", "de"),
        ("Deutsch", "de"),
        ("Türkçe", "tr"),
        ("German", "de"),
        ("persian", "fa"),
        ("한국어", "ko"),
        ("Română", "ro"),
        ("Klingon", None),
    ],
)
def test_language_from_text(text, code):
    assert language_from_text(text) == code


def test_importer_reads_language_codes_and_names_and_refuses_others():
    cleaner = RowCleaner(
        kind="contacts",
        headers=["Name", "Sprache"],
        mapping={"Name": "full_name", "Sprache": "language"},
    )

    german = cleaner.clean(2, ["Ada Lovelace", "Deutsch"])
    turkish = cleaner.clean(3, ["Elif Şafak", "tr-TR"])
    klingon = cleaner.clean(4, ["Worf", "Klingon"])

    assert (german.errors, german.values["language"]) == ([], "de")
    assert (turkish.errors, turkish.values["language"]) == ([], "tr")
    assert [(e.column, e.value) for e in klingon.errors] == [("Sprache", "Klingon")]
    assert klingon.errors[0].reason.startswith(
        "“Klingon” is not a language Goalpost speaks; use one of: en (English), de (Deutsch)"
    )


# --- exports ----------------------------------------------------------------------------


def test_export_headers_are_in_a_german_users_language(client, make_user):
    german = make_user(Role.MANAGER, username="hans", language="de")
    english = make_user(Role.MANAGER, username="john")
    ContactFactory(first_name="Ada", language="tr")

    client.force_login(german)
    de_rows = list(
        csv.reader(
            io.StringIO(b"".join(client.get("/export/contacts.csv").streaming_content).decode())
        )
    )
    client.force_login(english)
    en_rows = list(
        csv.reader(
            io.StringIO(b"".join(client.get("/export/contacts.csv").streaming_content).decode())
        )
    )

    assert de_rows[0][:4] == ["\ufeffID", "Vorname", "Nachname", "E-Mail"]
    assert "Bevorzugte Sprache" in de_rows[0]
    assert en_rows[0][:4] == ["\ufeffid", "first_name", "last_name", "email"]
    assert en_rows[1][en_rows[0].index("language")] == "tr"


# --- email in the recipient's language --------------------------------------------------


def test_campaign_email_footer_is_in_the_contacts_language(run_on_commit):
    turkish = ContactFactory(email="elif@example.com", language="tr")
    plain = ContactFactory(email="ada@example.com")

    for contact in (turkish, plain):
        run_on_commit(
            email_send_record,
            contact=contact,
            subject="News",
            body="Hello {{ contact.first_name }}",
            deliver_inline=True,
        )

    to_turkish, to_plain = mail.outbox
    assert to_turkish.subject == "News"  # the marketer's words stay as written
    assert to_turkish.body.endswith(f"\n\n-- \nAbonelikten çık: {unsubscribe_url(turkish)}\n")
    assert ">Abonelikten çık</a>" in to_turkish.alternatives[0][0]
    assert to_plain.body.endswith(f"\n\n-- \nUnsubscribe: {unsubscribe_url(plain)}\n")
    assert ">Unsubscribe</a>" in to_plain.alternatives[0][0]


def test_ticket_reply_subject_is_in_the_contacts_language(support_agent, run_on_commit):
    contact = ContactFactory(email="dara@example.com", language="fa")
    ticket = ticket_open(actor=support_agent, subject="Broken", contact=contact)

    run_on_commit(ticket_respond, ticket=ticket, actor=support_agent, body="Fixed.")

    (message,) = mail.outbox
    assert message.subject == f"پاسخ: Broken [تیکت #{ticket.pk}]"
    assert message.body == "Fixed."


def test_unsubscribe_page_is_in_the_contacts_language(client):
    contact = ContactFactory(email="elif@example.com", language="tr")
    plain = ContactFactory(email="ada@example.com")

    page = client.get(unsubscribe_url(contact), HTTP_ACCEPT_LANGUAGE="en")
    plain_page = client.get(unsubscribe_url(plain), HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 200
    assert page["Content-Language"] == "tr"
    assert "E-posta tercihleri" in page.text
    assert plain_page["Content-Language"] == "en"
    assert "Email preferences" in plain_page.text


def test_password_reset_email_is_in_the_users_language(client, make_user):
    make_user(Role.REP, username="hans", email="hans@example.com", language="de")
    make_user(Role.REP, username="john", email="john@example.com")

    client.post(reverse("password_reset"), {"email": "hans@example.com"})
    client.post(reverse("password_reset"), {"email": "john@example.com"})

    german, english = mail.outbox
    assert german.to == ["hans@example.com"]
    assert english.to == ["john@example.com"]
    assert english.subject == "Reset your Goalpost password"
    assert german.subject == "Goalpost-Passwort zurücksetzen"
    assert "Ihr Benutzername: hans" in german.body
    assert "Your username: john" in english.body


def test_a_token_api_call_speaks_the_users_language(make_user):
    from django.utils import translation
    from rest_framework.authtoken.models import Token
    from rest_framework.fields import ChoiceField
    from rest_framework.test import APIClient

    german = make_user(Role.REP, username="hans", language="de")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=german).key}")

    response = client.patch(
        "/api/me/", {"language": "tlh"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    with translation.override("de"):
        expected = str(ChoiceField.default_error_messages["invalid_choice"]).format(input="tlh")
    assert expected != '"tlh" is not a valid choice.'
    assert response.status_code == 400
    assert response.data["language"] == [expected]
    assert response["Content-Language"] == "de"
