"""Issue 19 item 4: every input that answered 500 or was loosely accepted is now refused.

Each case names the exact error and checks that nothing was written: the same row count
before and after, and no file left in MEDIA_ROOT by a refused upload.
"""

import json
import os
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from automation.defaults import call_rule_definition
from automation.services.rules import rule_create
from crm import limits
from crm.importing import services as import_services
from crm.importing.cleaning import RowCleaner
from crm.models import (
    Activity,
    Contact,
    Deal,
    ImportJob,
    Lead,
    Purchase,
    Tag,
    Ticket,
    TicketReply,
)
from crm.services.support import sla_due
from crm.tests.factories import ContactFactory, TicketFactory, pipeline_with_stages

DATE_ERROR = "Enter a date between 1900-01-01 and 2999-12-31."


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def admin_api(admin_user, api_as):
    client = api_as(admin_user)
    client.raise_request_exception = False
    return client


def _files(root) -> list[str]:
    return [os.path.join(folder, name) for folder, _dirs, names in os.walk(root) for name in names]


def _deal(world, **fields):
    return {"title": "Renewal", "value": "100.00", "stage": world["stage"], **fields}


# (case id, model counted, URL, body builder, expected 400 body)
API_CASES = [
    (
        "deal closing in year 0001",
        Deal,
        "/api/deals/",
        lambda w: _deal(w, expected_close_date="0001-01-01"),
        {"expected_close_date": [DATE_ERROR]},
    ),
    (
        "deal closing in year 9999",
        Deal,
        "/api/deals/",
        lambda w: _deal(w, expected_close_date="9999-12-31"),
        {"expected_close_date": [DATE_ERROR]},
    ),
    (
        "birth date in year 0001",
        Contact,
        "/api/contacts/",
        lambda w: {"first_name": "Ada", "birth_date": "0001-01-01"},
        {"birth_date": [DATE_ERROR]},
    ),
    (
        "birth date in year 9999",
        Contact,
        "/api/contacts/",
        lambda w: {"first_name": "Ada", "birth_date": "9999-12-31"},
        {"birth_date": [DATE_ERROR]},
    ),
    (
        "activity due in year 9999",
        Activity,
        "/api/activities/",
        lambda w: {"kind": "call", "subject": "Call", "due_at": "9999-12-31T00:00:00Z"},
        {"due_at": [DATE_ERROR]},
    ),
    (
        "purchase in year 0001",
        Purchase,
        "/api/purchases/",
        lambda w: {
            "contact": w["contact"],
            "amount": "9.00",
            "purchased_at": "0001-01-01T00:00:00Z",
        },
        {"purchased_at": [DATE_ERROR]},
    ),
    (
        "ticket opened in year 9999 (its SLA deadline overflowed)",
        Ticket,
        "/api/tickets/",
        lambda w: {
            "subject": "Locked out",
            "priority": "high",
            "opened_at": "9999-12-31T23:00:00Z",
        },
        {"opened_at": [DATE_ERROR]},
    ),
    (
        "contact id 1.5",
        Lead,
        "/api/leads/",
        lambda w: {"contact": w["contact"] + 0.5, "source": "website"},
        {"contact": ["Incorrect type. Expected pk value, received float."]},
    ),
    (
        'contact id "1.5"',
        Lead,
        "/api/leads/",
        lambda w: {"contact": f"{w['contact']}.5", "source": "website"},
        {"contact": ["Incorrect type. Expected pk value, received str."]},
    ),
    (
        "contact id true",
        Lead,
        "/api/leads/",
        lambda w: {"contact": True, "source": "website"},
        {"contact": ["Incorrect type. Expected pk value, received bool."]},
    ),
    (
        "negative lead score",
        Lead,
        "/api/leads/",
        lambda w: {"contact": w["contact"], "source": "website", "score": -5},
        {"score": ["Ensure this value is greater than or equal to 0."]},
    ),
    (
        "3,000 tags on one contact",
        Contact,
        "/api/contacts/",
        lambda w: {"first_name": "Ada", "tags": [f"tag{n}" for n in range(3000)]},
        {"tags": ["Ensure this field has no more than 50 elements."]},
    ),
    (
        "a tag of 61 characters",
        Contact,
        "/api/contacts/",
        lambda w: {"first_name": "Ada", "tags": ["x" * 61]},
        {"tags": {"0": ["Ensure this field has no more than 60 characters."]}},
    ),
    (
        "a 1 MB ticket reply",
        TicketReply,
        "/api/tickets/{ticket}/reply/",
        lambda w: {"body": "x" * 1_000_000},
        {"body": ["Ensure this field has no more than 20000 characters."]},
    ),
    (
        "a 30,000-character ticket description",
        Ticket,
        "/api/tickets/",
        lambda w: {"subject": "Long", "priority": "low", "description": "x" * 30_000},
        {"description": ["Ensure this field has no more than 20000 characters."]},
    ),
]


@pytest.fixture
def world(db):
    _pipeline, stages = pipeline_with_stages(is_default=True)
    return {
        "stage": stages[0].pk,
        "contact": ContactFactory().pk,
        "ticket": TicketFactory().pk,
    }


@pytest.mark.parametrize(
    ("model", "url", "body", "expected"),
    [case[1:] for case in API_CASES],
    ids=[case[0] for case in API_CASES],
)
def test_each_api_case_of_item_4_is_a_400_naming_the_field(
    model, url, body, expected, admin_api, world, media_root
):
    before = model.objects.count()

    response = admin_api.post(url.format(**world), body(world), format="json")

    assert response.status_code == 400
    assert response.json() == expected
    assert model.objects.count() == before
    assert Tag.objects.count() == 0
    assert _files(media_root) == []


def test_a_dry_run_window_of_minus_5_days_is_a_400_not_30_days(admin_api, db):
    # Its own rule: the seeded ones are gone after any transactional test has flushed.
    rule = rule_create(actor=None, name="Call big deals", **call_rule_definition())

    response = admin_api.post(f"/api/automation/rules/{rule.pk}/dry-run/?days=-5")

    assert response.status_code == 400
    assert response.json() == {"days": ["Ensure this value is greater than or equal to 1."]}


DEEP_JSON = '{"title": ' + "[" * 50_000 + "]" * 50_000 + "}"


@pytest.mark.parametrize(
    "url",
    [
        "/api/deals/",
        "/api/activities/",
        "/api/interactions/",
        "/api/automation/rules/",
        "/api/segments/",
    ],
)
def test_json_nested_50000_levels_is_a_400_on_every_json_endpoint(url, admin_api, db):
    response = admin_api.generic("POST", url, DEEP_JSON, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"detail": "JSON nested deeper than 32 levels."}


DEEP_TEXT = "[" * 50_000 + "]" * 50_000
FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    ("url", "fields", "multipart"),
    [
        ("/api/automation/rules/", {"name": "x", "conditions": DEEP_TEXT}, False),
        ("/api/segments/", {"name": "x", "conditions": DEEP_TEXT}, False),
        ("/api/segments/", {"name": "x", "conditions": DEEP_TEXT}, True),
        ("/api/imports/", {"kind": "contacts", "mapping": DEEP_TEXT}, True),
    ],
)
def test_json_nested_50000_levels_inside_a_form_field_is_a_400(
    url, fields, multipart, admin_api, db, media_root
):
    if multipart:
        data = {**fields, "file": SimpleUploadedFile("a.csv", b"first_name\nAda\n")}
        response = admin_api.post(url, data, format="multipart")
    else:
        response = admin_api.post(url, urlencode(fields), content_type=FORM)

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["JSON nested deeper than 32 levels."]}
    assert _files(media_root) == []


def test_production_settings_use_the_depth_limited_parser_and_the_body_limit():
    # The production settings module star-imports base; parse it as gunicorn would.
    import importlib

    production = importlib.import_module("crm.settings.base")

    assert production.REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"][0] == "crm.api.parsers.JSONParser"
    assert "crm.middleware.RequestBodyLimitMiddleware" in production.MIDDLEWARE
    assert production.DATA_UPLOAD_MAX_MEMORY_SIZE == limits.MAX_REQUEST_BODY_BYTES


def test_an_api_body_over_the_limit_is_a_413_in_json(admin_api, world):
    body = {"contact": world["contact"], "body": "x" * (limits.MAX_REQUEST_BODY_BYTES + 1)}

    response = admin_api.post("/api/notes/", body, format="json")

    assert response.status_code == 413
    assert response.json() == {"detail": "The request is larger than 2.5\xa0MB."}


def test_a_page_post_over_the_limit_is_a_413_page(client, admin_user, db):
    client.force_login(admin_user)

    response = client.post(
        reverse("web:contact_create"),
        {"first_name": "Ada", "address": "x" * (limits.MAX_REQUEST_BODY_BYTES + 1)},
    )

    assert response.status_code == 413
    assert "The request is larger than 2.5\xa0MB." in response.content.decode()
    assert Contact.objects.count() == 0


# --- the browser's contact form ---------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"tags": "vip, " + "x" * 61},
            {"tags": ["A tag has at most 60 characters (“xxxxxxxxxxxxxxxxxxxx…” has 61)."]},
        ),
        (
            {"tags": ", ".join(f"tag{n}" for n in range(51))},
            {"tags": ["At most 50 tags per record (this has 51)."]},
        ),
        ({"birth_date": "0001-01-01"}, {"birth_date": [DATE_ERROR]}),
        ({"birth_date": "9999-12-31"}, {"birth_date": [DATE_ERROR]}),
    ],
    ids=["61-char tag", "51 tags", "born 0001", "born 9999"],
)
def test_the_contact_form_shows_the_limit_as_a_form_error(client, admin_user, fields, errors):
    client.force_login(admin_user)

    response = client.post(
        reverse("web:contact_create"), {"first_name": "Ada", "lifecycle": "lead", **fields}
    )

    assert response.status_code == 422
    assert response.context["form"].errors == errors
    assert Contact.objects.count() == 0
    assert Tag.objects.count() == 0


def test_the_tag_service_refuses_what_the_forms_refuse(admin_user, db):
    from django.core.exceptions import ValidationError

    from crm.services.contacts import contact_set_tags

    contact = ContactFactory()

    with pytest.raises(ValidationError) as error:
        contact_set_tags(contact=contact, actor=admin_user, tags=["x" * 61])

    assert error.value.message_dict == {
        "tags": ["A tag has at most 60 characters (“xxxxxxxxxxxxxxxxxxxx…” has 61)."]
    }
    assert Tag.objects.count() == 0


# --- the importer ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("birth_date", "0001-01-01", DATE_ERROR),
        ("birth_date", "31.12.9999", DATE_ERROR),
        ("tags", "x" * 61, "A tag has at most 60 characters (“xxxxxxxxxxxxxxxxxxxx…” has 61)."),
        (
            "tags",
            ";".join(f"t{n}" for n in range(51)),
            "At most 50 tags per record (this has 51).",
        ),
    ],
    ids=["born 0001", "born 9999", "61-char tag", "51 tags"],
)
def test_the_import_preview_reports_the_same_limits(column, value, reason):
    cleaner = RowCleaner(
        kind="contacts",
        headers=["First", "Value"],
        mapping={"First": "first_name", "Value": column},
    )

    row = cleaner.clean(2, ["Ada", value])

    assert [(e.column, e.reason) for e in row.errors] == [("Value", reason)]


@pytest.mark.django_db
def test_a_negative_lead_score_in_an_import_is_a_row_error():
    cleaner = RowCleaner(
        kind="leads", headers=["Email", "Score"], mapping={"Email": "email", "Score": "score"}
    )

    row = cleaner.clean(2, ["ada@example.com", "-3"])

    assert ("Score", "Ensure this value is greater than or equal to 0.") in [
        (e.column, e.reason) for e in row.errors
    ]


def _upload(client, content, name="contacts.csv"):
    return client.post(
        reverse("importing:start"),
        {"kind": "contacts", "file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def test_a_csv_with_a_nul_byte_in_its_header_is_a_form_error_leaving_no_file(
    client, admin_user, media_root
):
    client.force_login(admin_user)

    response = _upload(client, b"first\x00name,last_name\nAda,Lovelace\n")

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "file": ["The file's characters are not readable in any character set we know."]
    }
    assert ImportJob.objects.count() == 0
    assert _files(media_root) == []


def test_a_utf16_csv_is_read_not_a_server_error(client, admin_user, media_root):
    """UTF-16 is one of the importer's character sets (Excel's "Unicode text")."""
    client.force_login(admin_user)

    response = _upload(client, "first_name,last_name\nAda,Lovelace\n".encode("utf-16"))

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert (job.encoding, job.headers, job.total_rows) == (
        "utf-16",
        ["first_name", "last_name"],
        1,
    )


def test_an_upload_refused_after_it_was_stored_leaves_no_file(admin_user, media_root, monkeypatch):
    from django.core.exceptions import ValidationError

    def refuse(self, *args, **kwargs):
        raise ValidationError({"original_name": "refused"})

    monkeypatch.setattr(ImportJob, "full_clean", refuse)
    upload = SimpleUploadedFile("contacts.csv", b"first_name\nAda\n", content_type="text/csv")

    with pytest.raises(ValidationError):
        import_services.import_job_create(actor=admin_user, kind="contacts", upload=upload)

    assert ImportJob.objects.count() == 0
    assert _files(media_root) == []


# --- arithmetic at the limits ----------------------------------------------------------


def test_an_sla_deadline_is_none_outside_the_dates_instead_of_overflowing(db):
    from datetime import UTC, datetime

    assert sla_due(priority="high", opened_at=datetime(9999, 12, 31, 23, tzinfo=UTC)) is None
    assert sla_due(priority="high", opened_at=datetime(2999, 12, 31, 12, tzinfo=UTC)) == datetime(
        2999, 12, 31, 20, tzinfo=UTC
    )


def test_the_score_change_action_never_takes_a_lead_below_zero(db):
    from types import SimpleNamespace

    from automation.actions import _change_score
    from crm.tests.factories import LeadFactory

    lead = LeadFactory(score=3)

    _change_score(SimpleNamespace(lead=lead), {"delta": -10}, None)

    lead.refresh_from_db()
    assert lead.score == 0


# --- OpenAPI shows the limits ----------------------------------------------------------


def test_the_openapi_schema_documents_the_limits(admin_api, db):
    schema = json.loads(admin_api.get("/api/schema/?format=json").content)
    components = schema["components"]["schemas"]

    assert components["TicketReplyRequest"]["properties"]["body"]["maxLength"] == 20000
    assert components["ContactRequest"]["properties"]["tags"] == {
        "type": "array",
        "items": {"type": "string", "maxLength": 60},
        "maxItems": 50,
    }
    assert components["LeadRequest"]["properties"]["score"]["minimum"] == 0
    assert components["ActivityRequest"]["properties"]["notes"]["maxLength"] == 20000


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", "Geben Sie ein Datum zwischen 1900-01-01 und 2999-12-31 ein."),
        ("tr", "1900-01-01 ile 2999-12-31 arasında bir tarih girin."),
        ("ko", "1900-01-01부터 2999-12-31 사이의 날짜를 입력하세요."),
        ("fa", "تاریخی بین 1900-01-01 و 2999-12-31 وارد کنید."),
        ("ro", "Introduceți o dată între 1900-01-01 și 2999-12-31."),
    ],
)
def test_the_limit_messages_are_translated(language, expected):
    from django.core.exceptions import ValidationError
    from django.utils import translation

    with translation.override(language):
        assert str(limits.date_range_message()) == expected
        with pytest.raises(ValidationError) as error:
            limits.tags_check([f"t{n}" for n in range(51)])
        assert "51" in error.value.messages[0]
        assert error.value.messages[0] != "At most 50 tags per record (this has 51)."


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/suppressions/", {"email": "a@example.com", "reason": "\ud800"}),
        ("/api/tickets/", {"subject": "s", "priority": "\ud800"}),
        ("/api/deals/", {"title": "t", "status": "\ud800"}),
        ("/api/users/invite/", {"email": "z@example.com", "role": "\ud800"}),
    ],
)
def test_a_lone_surrogate_in_a_json_body_is_a_400_that_quotes_it_escaped(url, body, admin_api, db):
    raw = json.dumps(body)  # ASCII JSON: the surrogate travels as the escape \\ud800

    response = admin_api.generic("POST", url, raw, content_type="application/json")

    assert response.status_code == 400
    assert b"\\ud800" in response.content  # escaped, as the client wrote it


def test_a_refused_api_import_leaves_no_file(api_as, manager, media_root):
    upload = SimpleUploadedFile("q.csv", b"first_name,email\nAda,ada@example.com\n")

    response = api_as(manager).post(
        "/api/imports/",
        {"kind": "contacts", "file": upload, "mapping": json.dumps({"email": "nosuchfield"})},
        format="multipart",
    )

    assert response.status_code == 400
    assert _files(media_root) == []
