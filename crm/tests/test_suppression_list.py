"""The suppression list in the API and the browser: marketing and admins only (issue 14)."""

import pytest
from django.core import mail
from django.urls import reverse

from crm.models import Contact, SuppressedAddress
from crm.services.consent import address_suppress
from crm.services.support import ticket_open
from crm.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("marketer", 201),
        ("admin_user", 201),
        ("manager", 403),
        ("rep", 403),
        ("support_agent", 403),
    ],
)
def test_who_may_add_to_the_list_through_the_api(role, status, request, api_as):
    response = api_as(request.getfixturevalue(role)).post(
        "/api/suppressions/", {"email": "Bounced@Example.com", "reason": "bounce"}, format="json"
    )
    assert response.status_code == status
    if status == 201:
        assert (response.data["email"], response.data["reason"]) == (
            "bounced@example.com",
            "bounce",
        )
        assert response.data["created_at"]


def test_the_api_lists_edits_and_removes_entries(api_as, marketer):
    contact = ContactFactory(email="Pat@Example.com")
    client = api_as(marketer)
    created = client.post(
        "/api/suppressions/", {"email": "pat@example.com", "reason": "complaint"}, format="json"
    )
    contact.refresh_from_db()
    assert contact.opted_out is True
    again = client.post(
        "/api/suppressions/", {"email": "PAT@example.com", "reason": "bounce"}, format="json"
    )
    assert (again.status_code, again.data["id"], again.data["reason"]) == (
        201,
        created.data["id"],
        "complaint",
    )
    listed = client.get("/api/suppressions/?reason=complaint")
    assert [row["email"] for row in listed.data["results"]] == ["pat@example.com"]
    url = f"/api/suppressions/{created.data['id']}/"
    edited = client.patch(url, {"note": "Spam report via ESP"}, format="json")
    assert edited.data["note"] == "Spam report via ESP"
    moved = client.patch(url, {"email": "other@example.com"}, format="json")
    assert moved.status_code == 400 and list(moved.data) == ["email"]
    bad = client.post("/api/suppressions/", {"email": "nope", "reason": "x"}, format="json")
    assert bad.status_code == 400 and set(bad.data) == {"email", "reason"}

    assert client.delete(url).status_code == 204
    contact.refresh_from_db()
    assert contact.opted_out is False
    assert not SuppressedAddress.objects.exists()


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
def test_who_sees_the_page(role, status, request, client):
    address_suppress(email="gone@example.com", reason="bounce")
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("web:suppression_list"))
    assert response.status_code == status
    if status == 200:
        assert "gone@example.com" in response.text
        assert "Bounced" in response.text


def test_marketing_adds_edits_and_removes_in_the_browser(client, marketer):
    contact = ContactFactory(email="Sam@Example.com")
    client.force_login(marketer)

    added = client.post(
        reverse("web:suppression_add"),
        {"email": "SAM@example.com", "reason": "manual", "note": "Asked by phone"},
        follow=True,
    )
    entry = SuppressedAddress.objects.get()
    assert (entry.email, entry.reason, entry.created_by) == ("sam@example.com", "manual", marketer)
    assert "Asked by phone" in added.text
    contact.refresh_from_db()
    assert contact.opted_out is True

    invalid = client.post(reverse("web:suppression_add"), {"email": "nope", "reason": "manual"})
    assert invalid.status_code == 422

    client.post(
        reverse("web:suppression_edit", args=[entry.pk]), {"reason": "complaint", "note": "ESP"}
    )
    entry.refresh_from_db()
    assert (entry.reason, entry.note) == ("complaint", "ESP")

    client.post(reverse("web:suppression_remove", args=[entry.pk]))
    assert not SuppressedAddress.objects.exists()
    contact.refresh_from_db()
    assert contact.opted_out is False


def test_a_rep_cannot_remove_an_entry(client, rep):
    entry = address_suppress(email="gone@example.com", reason="bounce")
    client.force_login(rep)
    assert client.post(reverse("web:suppression_remove", args=[entry.pk])).status_code == 403
    assert SuppressedAddress.objects.count() == 1


def test_duplicate_email_in_the_browser_offers_the_existing_contact_and_a_merge(client, manager):
    first = ContactFactory(first_name="Ada", last_name="L", email="ada@example.com")
    second = ContactFactory(first_name="Ada2", email="other@example.com")
    client.force_login(manager)

    created = client.post(
        reverse("web:contact_create"), {"first_name": "Dup", "email": "ADA@example.com",
                                        "lifecycle": "lead"}
    )  # fmt: skip
    assert created.status_code == 422
    assert f"Ada L (contact {first.pk}) already has this email address." in created.text
    assert reverse("web:contact_detail", args=[first.pk]) in created.text

    edited = client.post(
        reverse("web:contact_edit", args=[second.pk]),
        {"first_name": "Ada2", "email": "Ada@Example.com", "lifecycle": "lead"},
    )
    assert edited.status_code == 422
    assert reverse("importing:merge", args=["contact", first.pk, second.pk]) in edited.text
    assert Contact.objects.filter(email__iexact="ada@example.com").count() == 1


def test_send_and_resolve_emails_the_reply_and_shows_it(client, support_agent, run_on_commit):
    contact = ContactFactory(email="cust@example.com")
    ticket = ticket_open(actor=support_agent, subject="Broken", contact=contact)
    client.force_login(support_agent)

    response = run_on_commit(
        client.post,
        reverse("web:ticket_respond", args=[ticket.pk]),
        {"body": "Fixed it for you.", "resolve": "1"},
    )
    page = client.get(reverse("web:ticket_detail", args=[ticket.pk])).text

    assert response.status_code == 302
    (message,) = mail.outbox
    assert (message.to, message.body) == (["cust@example.com"], "Fixed it for you.")
    assert message.subject == f"Re: Broken [ticket #{ticket.pk}]"
    assert "List-Unsubscribe" not in message.extra_headers  # a reply is not bulk mail
    assert "Emailed to cust@example.com on" in page
    ticket.refresh_from_db()
    assert ticket.status == "resolved"


def test_reply_through_the_api_is_emailed_once(api_as, support_agent, run_on_commit):
    from crm.services.support import ticket_reply_deliver

    contact = ContactFactory(email="cust@example.com")
    ticket = ticket_open(actor=support_agent, subject="Broken", contact=contact)
    response = run_on_commit(
        api_as(support_agent).post,
        f"/api/tickets/{ticket.pk}/reply/",
        {"body": "On it."},
        format="json",
    )
    assert response.status_code == 201
    assert ticket_reply_deliver(reply_id=response.data["id"]) is False  # a second attempt
    assert len(mail.outbox) == 1
    historical = api_as(support_agent).post(
        f"/api/tickets/{ticket.pk}/reply/",
        {"body": "Old", "created_at": ticket.opened_at.isoformat()},
        format="json",
    )
    assert historical.data["emailed_to"] == ""
    assert len(mail.outbox) == 1


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def test_contact_page_shows_the_suppression_with_reason_and_date(client, marketer):
    contact = ContactFactory(email="Shown@Example.com")
    address_suppress(email="shown@example.com", reason="bounce")
    client.force_login(marketer)
    page = client.get(reverse("web:contact_detail", args=[contact.pk])).text
    assert "suppressed: bounced on" in page
    assert reverse("web:suppression_list") + "?q=shown%40example.com" in page


def test_a_database_conflict_in_a_browser_form_names_the_fields(client, manager, monkeypatch):
    """A race the service could not see: the database refuses, the form says which fields."""
    from django.db import connection

    taken = ContactFactory(email="race@example.com")

    def racing_create(**data):
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO crm_contact (first_name, last_name, email, phone, lifecycle, "
                "source, opted_out, occupation, gender, marital_status, income_band, "
                "education, created_at, updated_at) VALUES ('R', '', %s, '', 'lead', '', "
                "false, '', '', '', '', '', now(), now())",
                [taken.email.upper()],
            )

    monkeypatch.setattr("crm.web.views.contacts.contact_create", racing_create)
    client.force_login(manager)
    response = client.post(
        reverse("web:contact_create"), {"first_name": "New", "email": "", "lifecycle": "lead"}
    )
    assert response.status_code == 422
    assert "Email: Another contact already has this email address." in response.text
