"""POST/GET /api/emails/ and the inbound webhook: roles, field errors, matching, junk."""

import base64

import pytest
from django.core import mail
from django.test import override_settings

from crm.models import EmailMessage, Interaction, SuppressedAddress
from crm.services.emails import email_send
from crm.tests.factories import ContactFactory, DealFactory, TicketFactory, pipeline_with_stages

pytestmark = pytest.mark.django_db

SECRET = "a-long-inbound-secret"
INBOUND = override_settings(
    GOALPOST_INBOUND_EMAIL_DOMAIN="reply.crm.example", GOALPOST_INBOUND_EMAIL_SECRET=SECRET
)


@pytest.fixture
def stages(db):
    return pipeline_with_stages(is_default=True)[1]


@pytest.fixture
def deal(rep, stages):
    contact = ContactFactory(first_name="Elif", email="elif@example.com", owner=rep)
    return DealFactory(title="Fleet", stage=stages[0], owner=rep, contact=contact)


def test_a_rep_sends_from_their_deal(rep, deal, api_as):
    response = api_as(rep).post(
        "/api/emails/",
        {"deal": deal.pk, "subject": "About {deal}", "body": "Hi {first_name}"},
        format="json",
    )

    assert response.status_code == 201, response.data
    assert response.data["contact"] == deal.contact_id
    assert (response.data["subject"], response.data["body"]) == ("About Fleet", "Hi Elif")
    assert response.data["direction"] == "sent" and response.data["author"] == rep.pk
    assert mail.outbox[0].to == ["elif@example.com"]


def test_a_suppressed_address_is_a_400_on_contact_and_nothing_is_sent(rep, deal, api_as):
    SuppressedAddress.objects.create(email="elif@example.com", reason="complaint")

    response = api_as(rep).post(
        "/api/emails/", {"deal": deal.pk, "subject": "Hi", "body": "x"}, format="json"
    )

    assert response.status_code == 400
    assert "suppression list" in str(response.data["contact"])
    assert mail.outbox == [] and not EmailMessage.objects.exists()


def test_a_contact_without_email_is_a_400(rep, api_as):
    contact = ContactFactory(email="", owner=rep)

    response = api_as(rep).post(
        "/api/emails/", {"contact": contact.pk, "subject": "Hi", "body": "x"}, format="json"
    )

    assert response.status_code == 400 and "contact" in response.data


def test_a_foreign_record_is_a_400(rep, other_rep, stages, api_as):
    theirs = DealFactory(stage=stages[0], owner=other_rep, contact=ContactFactory())
    their_contact = ContactFactory(owner=other_rep)
    client = api_as(rep)

    deal_response = client.post(
        "/api/emails/", {"deal": theirs.pk, "subject": "Hi", "body": "x"}, format="json"
    )
    contact_response = client.post(
        "/api/emails/", {"contact": their_contact.pk, "subject": "Hi", "body": "x"}, format="json"
    )

    assert deal_response.status_code == 400 and "deal" in deal_response.data
    assert contact_response.status_code == 400 and "contact" in contact_response.data
    assert mail.outbox == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"subject": "Hi", "body": "x"},
        {"deal": "abc", "subject": "Hi", "body": "x"},
        {"deal": True, "subject": "Hi", "body": "x"},
        {"contact": 99999999999999999999, "subject": "Hi", "body": "x"},
        {"contact": None, "subject": "", "body": ""},
        ["not", "an", "object"],
    ],
)
def test_junk_bodies_are_400s(rep, api_as, body):
    response = api_as(rep).post("/api/emails/", body, format="json")

    assert response.status_code == 400
    assert mail.outbox == []


def test_sent_email_is_neither_edited_nor_deleted(rep, deal, api_as):
    message = email_send(actor=rep, deal=deal, subject="Hi", body="x")
    client = api_as(rep)

    assert client.patch(f"/api/emails/{message.pk}/", {"subject": "y"}).status_code == 405
    assert client.delete(f"/api/emails/{message.pk}/").status_code == 405


@pytest.mark.parametrize(
    ("role", "record", "expected"),
    [
        ("rep", "deal", 201),
        ("rep", "contact", 201),
        ("rep", "ticket", 400),
        ("manager", "deal", 201),
        ("manager", "ticket", 201),
        ("admin_user", "contact", 201),
        ("support_agent", "ticket", 201),
        ("support_agent", "deal", 400),
        ("support_agent", "contact", 400),
        ("marketer", "contact", 403),
    ],
)
def test_who_may_send_from_which_record(request, api_as, rep, deal, role, record, expected):
    rows = {"deal": deal, "contact": deal.contact, "ticket": TicketFactory(contact=deal.contact)}
    user = request.getfixturevalue(role)

    response = api_as(user).post(
        "/api/emails/", {record: rows[record].pk, "subject": "Hi", "body": "x"}, format="json"
    )

    assert response.status_code == expected, response.data


@pytest.fixture
def mailbox(rep, other_rep, deal, stages, support_agent):
    """One email on the rep's deal, one on another rep's deal, one on a ticket, one on a
    contact alone."""
    theirs = DealFactory(stage=stages[0], owner=other_rep, contact=ContactFactory())
    ticket = TicketFactory(contact=ContactFactory(owner=other_rep))
    loner = ContactFactory(owner=rep)
    return {
        "own_deal": email_send(actor=rep, deal=deal, subject="own", body="x"),
        "their_deal": email_send(actor=other_rep, deal=theirs, subject="theirs", body="x"),
        "ticket": email_send(actor=support_agent, ticket=ticket, subject="ticket", body="x"),
        "contact": email_send(actor=rep, contact=loner, subject="contact", body="x"),
    }


@pytest.mark.parametrize(
    ("role", "seen"),
    [
        ("rep", {"own", "contact"}),
        ("other_rep", {"theirs", "ticket", "contact"}),
        ("manager", {"own", "theirs", "ticket", "contact"}),
        ("admin_user", {"own", "theirs", "ticket", "contact"}),
        ("support_agent", {"ticket", "contact"}),
        ("marketer", {"contact"}),
    ],
)
def test_the_list_holds_what_the_user_may_see(request, api_as, mailbox, role, seen):
    user = request.getfixturevalue(role)

    response = api_as(user).get("/api/emails/")

    assert response.status_code == 200
    assert {row["subject"] for row in response.data["results"]} == seen


def test_the_list_filters_by_record(api_as, manager, mailbox, deal):
    client = api_as(manager)

    by_deal = client.get(f"/api/emails/?deal={deal.pk}").data["results"]
    by_contact = client.get(f"/api/emails/?contact={deal.contact_id}").data["results"]
    by_ticket = client.get(f"/api/emails/?ticket={mailbox['ticket'].ticket_id}").data["results"]

    assert [r["subject"] for r in by_deal] == ["own"]
    assert [r["subject"] for r in by_contact] == ["own"]
    assert [r["subject"] for r in by_ticket] == ["ticket"]
    assert client.get("/api/emails/?deal=abc").status_code == 400


def test_the_list_runs_a_fixed_number_of_queries(api_as, rep, deal, django_assert_max_num_queries):
    for i in range(30):
        email_send(actor=rep, deal=deal, subject=f"S{i}", body="x")

    with django_assert_max_num_queries(4):
        assert api_as(rep).get("/api/emails/?page_size=100").status_code == 200


def test_anonymous_is_refused(api_client):
    assert api_client.get("/api/emails/").status_code in (401, 403)


# --- the inbound webhook -----------------------------------------------------------


def _sent(rep, deal):
    with INBOUND:
        return email_send(actor=rep, deal=deal, subject="Offer", body="Hi")


def test_inbound_records_a_mailgun_style_reply(api_client, rep, deal):
    sent = _sent(rep, deal)
    with INBOUND:
        response = api_client.post(
            "/api/emails/inbound/",
            {
                "sender": "elif@example.com",
                "recipient": f"reply+{sent.reply_token}@reply.crm.example",
                "subject": "Re: Offer",
                "body-plain": "Yes",
                "Message-Id": "<r1@mail.example>",
            },
            headers={"X-Goalpost-Inbound-Secret": SECRET},
        )

    assert response.status_code == 201, response.data
    assert response.data["direction"] == "received" and response.data["parent"] == sent.pk
    assert Interaction.objects.get().kind == "email_replied"


def test_inbound_accepts_a_postmark_style_json_reply_with_basic_auth(api_client, rep, deal):
    sent = _sent(rep, deal)
    credentials = base64.b64encode(f"inbound:{SECRET}".encode()).decode()
    with INBOUND:
        response = api_client.post(
            "/api/emails/inbound/",
            {
                "FromFull": {"Email": "elif@example.com", "Name": "Elif"},
                "To": "sales@acme.example",
                "Subject": "Re: Offer",
                "TextBody": "Yes",
                "MessageID": "pm-1",
                "Headers": [{"Name": "In-Reply-To", "Value": sent.message_id}],
            },
            format="json",
            headers={"Authorization": f"Basic {credentials}"},
        )

    assert response.status_code == 201, response.data
    assert response.data["parent"] == sent.pk


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Goalpost-Inbound-Secret": "wrong"}, {"Authorization": "Basic !!!"}],
)
def test_inbound_without_the_secret_is_a_403(api_client, rep, deal, headers):
    with INBOUND:
        response = api_client.post(
            "/api/emails/inbound/", {"sender": "elif@example.com", "body": "x"}, headers=headers
        )

    assert response.status_code == 403
    assert not Interaction.objects.exists()


def test_inbound_is_refused_when_no_secret_is_configured(api_client):
    with override_settings(GOALPOST_INBOUND_EMAIL_SECRET=""):
        response = api_client.post(
            "/api/emails/inbound/",
            {"sender": "a@example.com", "body": "x"},
            headers={"X-Goalpost-Inbound-Secret": ""},
        )

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ({"sender": "elif@example.com"}, None),
        ({"body": "text only"}, None),
        ("{not json", "application/json"),
        ('["a list"]', "application/json"),
        ({"sender": ["a", "b"], "body": {"x": 1}}, "json"),
    ],
)
def test_inbound_junk_is_a_400(api_client, body, content_type):
    kwargs = {"headers": {"X-Goalpost-Inbound-Secret": SECRET}}
    if content_type == "json":
        kwargs["format"] = "json"
    elif content_type:
        kwargs["content_type"] = content_type
    with INBOUND:
        response = api_client.post("/api/emails/inbound/", body, **kwargs)

    assert response.status_code == 400


def test_inbound_mail_answering_nothing_is_accepted_but_not_recorded(api_client):
    with INBOUND:
        response = api_client.post(
            "/api/emails/inbound/",
            {"sender": "stranger@example.com", "body": "Hello"},
            headers={"X-Goalpost-Inbound-Secret": SECRET},
        )

    assert response.status_code == 202 and response.data == {"matched": False}
    assert not EmailMessage.objects.exists()


def test_the_schema_documents_the_email_endpoints(api_as, admin_user):
    schema = api_as(admin_user).get("/api/schema/?format=json").json()

    assert {"get", "post"} <= set(schema["paths"]["/api/emails/"])
    assert "post" in schema["paths"]["/api/emails/inbound/"]
