"""Email from records in the browser: compose, template, preview, send, replies, roles."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.models import EmailMessage, EmailTemplate, Interaction, SuppressedAddress
from crm.services.emails import email_send
from crm.tests.factories import ContactFactory, DealFactory, TicketFactory, pipeline_with_stages

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def stages(db):
    return pipeline_with_stages(is_default=True)[1]


@pytest.fixture
def deal(rep, stages):
    contact = ContactFactory(
        first_name="Elif", last_name="Kaya", email="elif@example.com", owner=rep
    )
    return DealFactory(title="Fleet renewal", stage=stages[0], owner=rep, contact=contact)


@pytest.fixture
def template(db):
    return EmailTemplate.objects.create(
        name="Follow-up", subject="About {deal}", body="Hello {first_name}, from {sender}."
    )


def test_rep_composes_picks_a_template_previews_and_sends_from_their_deal(
    client, rep, deal, template
):
    client.force_login(rep)
    url = reverse("web:deal_email", args=[deal.pk])

    page = client.get(url)
    assert page.status_code == 200
    assert "elif@example.com" in page.text and "Follow-up" in page.text

    picked = client.get(url, {"template": template.pk}, headers=HTMX)
    assert picked.status_code == 200
    assert "Hello {first_name}, from {sender}." in picked.text
    assert "<html" not in picked.text  # only the form swaps

    preview = client.post(
        reverse("web:deal_email_preview", args=[deal.pk]),
        {"subject": template.subject, "body": template.body},
        headers=HTMX,
    )
    assert preview.status_code == 200
    assert "Hello Elif, from" in preview.text and "About Fleet renewal" in preview.text

    sent = client.post(
        url, {"template": template.pk, "subject": template.subject, "body": template.body}
    )
    assert sent.status_code == 302 and sent.url == reverse("web:deal_detail", args=[deal.pk])
    assert mail.outbox[0].subject == "About Fleet renewal"

    deal_page = client.get(sent.url)
    assert "About Fleet renewal" in deal_page.text and "Record a reply" in deal_page.text
    contact_page = client.get(reverse("web:contact_detail", args=[deal.contact_id]))
    assert "Email sent: About Fleet renewal" in contact_page.text


def test_a_suppressed_address_is_a_form_error_and_nothing_is_sent(client, rep, deal):
    SuppressedAddress.objects.create(email="elif@example.com", reason="bounce")
    client.force_login(rep)

    response = client.post(
        reverse("web:deal_email", args=[deal.pk]), {"subject": "Hi", "body": "Hello"}
    )

    assert response.status_code == 422
    assert "suppression list" in response.text
    assert mail.outbox == [] and not EmailMessage.objects.exists()


def test_empty_subject_and_body_are_form_errors(client, rep, deal):
    client.force_login(rep)

    response = client.post(reverse("web:deal_email", args=[deal.pk]), {"subject": "", "body": ""})

    assert response.status_code == 422
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("role", "kind", "expected"),
    [
        ("rep", "deal", 200),
        ("rep", "contact", 200),
        ("rep", "ticket", 403),
        ("manager", "deal", 200),
        ("manager", "ticket", 200),
        ("admin_user", "contact", 200),
        ("support_agent", "ticket", 200),
        ("support_agent", "deal", 403),
        ("support_agent", "contact", 403),
        ("marketer", "contact", 403),
        ("marketer", "deal", 403),
    ],
)
def test_who_may_open_the_compose_form(client, request, rep, deal, role, kind, expected):
    user = request.getfixturevalue(role)
    record = {"deal": deal, "contact": deal.contact, "ticket": TicketFactory(contact=deal.contact)}
    client.force_login(user)

    assert client.get(reverse(f"web:{kind}_email", args=[record[kind].pk])).status_code == expected


def test_a_rep_cannot_email_from_another_reps_deal_or_contact(client, rep, other_rep, stages):
    theirs = DealFactory(stage=stages[0], owner=other_rep, contact=ContactFactory(owner=other_rep))
    client.force_login(rep)

    assert client.get(reverse("web:deal_email", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("web:contact_email", args=[theirs.contact_id])).status_code == 403
    response = client.post(
        reverse("web:contact_email", args=[theirs.contact_id]), {"subject": "x", "body": "y"}
    )
    assert response.status_code == 403 and mail.outbox == []


def test_support_emails_from_a_ticket_and_it_shows_on_the_ticket(client, support_agent):
    ticket = TicketFactory(contact=ContactFactory(email="cu@example.com"), subject="Login")
    client.force_login(support_agent)

    response = client.post(
        reverse("web:ticket_email", args=[ticket.pk]), {"subject": "Re: {ticket}", "body": "Done"}
    )

    assert response.status_code == 302
    page = client.get(reverse("web:ticket_detail", args=[ticket.pk]))
    assert "Re: Login" in page.text
    assert ticket.replies.count() == 1


def test_a_rep_records_a_reply_by_hand(client, rep, deal):
    sent = email_send(actor=rep, deal=deal, subject="Offer", body="Hello")
    client.force_login(rep)
    url = reverse("web:email_reply_record", args=[sent.pk])

    assert client.get(url).status_code == 200
    response = client.post(url, {"body": "Yes, let's talk.", "received_at": ""})

    assert response.status_code == 302
    assert Interaction.objects.get().kind == "email_replied"
    page = client.get(reverse("web:deal_detail", args=[deal.pk]))
    assert "Reply received" in page.text and "Yes, let&#x27;s talk." in page.text


def test_a_reply_by_hand_cannot_be_recorded_on_an_email_one_cannot_see(
    client, rep, other_rep, deal
):
    sent = email_send(actor=rep, deal=deal, subject="Offer", body="Hello")
    client.force_login(other_rep)

    url = reverse("web:email_reply_record", args=[sent.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"body": "x"}).status_code == 404
    assert not Interaction.objects.exists()


def test_user_text_is_isolated_and_escaped_on_the_deal_page(client, rep, deal):
    email_send(actor=rep, deal=deal, subject="<b>Teklif</b> عرض", body="<script>x</script>")
    client.force_login(rep)

    page = client.get(reverse("web:deal_detail", args=[deal.pk])).text

    assert "<bdi>&lt;b&gt;Teklif&lt;/b&gt; عرض</bdi>" in page
    assert "<script>x</script>" not in page
    assert 'class="email-body" dir="auto"' in page


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("manager", 200),
        ("admin_user", 200),
        ("rep", 403),
        ("support_agent", 403),
        ("marketer", 403),
    ],
)
def test_email_templates_are_managed_in_settings_by_managers_and_admins(
    client, request, role, expected
):
    client.force_login(request.getfixturevalue(role))

    assert client.get(reverse("web:settings_email_templates")).status_code == expected
    response = client.post(
        reverse("web:settings_email_template_create"),
        {"name": "Welcome", "subject": "Hi {first_name}", "body": "Welcome aboard"},
    )
    assert response.status_code == (302 if expected == 200 else 403)
    assert EmailTemplate.objects.filter(name="Welcome").exists() is (expected == 200)


def test_a_manager_edits_and_deletes_a_template(client, manager, template):
    client.force_login(manager)

    edit = client.post(
        reverse("web:settings_email_template_edit", args=[template.pk]),
        {"name": "Follow-up 2", "subject": "S", "body": "B"},
    )
    assert edit.status_code == 302
    template.refresh_from_db()
    assert template.name == "Follow-up 2"
    assert (
        client.post(reverse("web:settings_email_template_delete", args=[template.pk])).status_code
        == 302
    )
    assert not EmailTemplate.objects.exists()


def _emails(deal, rep, n):
    now = timezone.now()
    for i in range(n):
        EmailMessage.objects.create(
            direction="sent" if i % 2 else "received",
            source="composed",
            contact=deal.contact,
            deal=deal,
            author=rep,
            subject=f"S{i}",
            body="B",
            sent_at=now,
        )


@pytest.mark.parametrize("page", ["web:deal_detail", "web:contact_detail"])
def test_pages_listing_emails_run_a_fixed_number_of_queries(
    client, rep, deal, page, django_assert_max_num_queries
):
    client.force_login(rep)
    pk = deal.pk if page == "web:deal_detail" else deal.contact_id
    _emails(deal, rep, 2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(page, args=[pk])).status_code == 200
    _emails(deal, rep, 40)

    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse(page, args=[pk])).status_code == 200
