"""`POST /api/imports/` starts the browser's import job; `GET /api/imports/{id}/` reports it."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from drf_spectacular.generators import SchemaGenerator

from crm.importing import services
from crm.models import Contact, Deal, ImportJob, ImportStatus, Ticket
from crm.tests.factories import pipeline_with_stages

TURKISH = "E-posta;Ad;Soyad;Şirket\r\nx@example.test;Şükrü;Yılmaz;Güneş İnşaat\r\n".encode("cp1254")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _file(content, name="file.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_an_api_import_starts_the_same_job_as_the_browser_and_reports_it(
    api_as, manager, django_capture_on_commit_callbacks
):
    client = api_as(manager)

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            "/api/imports/", {"file": _file(TURKISH), "kind": "contacts"}, format="multipart"
        )

    assert response.status_code == 201, response.json()
    job = ImportJob.objects.get()
    assert response.json()["id"] == job.pk
    assert (job.status, job.encoding, job.created_by) == (ImportStatus.QUEUED, "cp1254", manager)
    assert len(callbacks) == 1  # the Celery task, handed over after the commit
    services.import_job_run(job_id=job.pk)  # what the worker does with it

    body = api_as(manager).get(f"/api/imports/{job.pk}/").json()
    assert {k: body[k] for k in ("status", "encoding", "detected_encoding", "created_rows")} == {
        "status": "completed",
        "encoding": "cp1254",
        "detected_encoding": "cp1254",
        "created_rows": 1,
    }
    assert body["mapping"] == {
        "E-posta": "email",
        "Ad": "first_name",
        "Soyad": "last_name",
        "Şirket": "company",
    }
    contact = Contact.objects.get()
    assert (contact.first_name, contact.last_name) == ("Şükrü", "Yılmaz")


def test_an_api_import_takes_a_mapping_encoding_and_column_answers(api_as, manager):
    pipeline_with_stages(is_default=True)
    raw = "Name;Betrag;Abschluss\r\nEins;1.500;03/04/2030\r\nZwei;2.250;05/06/2030\r\n"
    response = api_as(manager).post(
        "/api/imports/",
        {
            "file": _file(raw.encode("cp1252")),
            "kind": "deals",
            "encoding": "cp1252",
            "mapping": json.dumps(
                {"Name": "title", "Betrag": "value", "Abschluss": "expected_close_date"}
            ),
            "options": json.dumps(
                {"duplicate_policy": "skip", "columns": {"Betrag": "comma", "Abschluss": "dmy"}}
            ),
        },
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    job_id = response.json()["id"]
    services.import_job_run(job_id=job_id)
    assert dict(Deal.objects.values_list("title", "value")) == {
        "Eins": Decimal("1500.00"),
        "Zwei": Decimal("2250.00"),
    }
    assert Deal.objects.get(title="Eins").expected_close_date == dt.date(2030, 4, 3)
    body = api_as(manager).get(f"/api/imports/{job_id}/").json()
    assert body["columns"] == [
        {"column": "Betrag", "field": "value", "type": "number", "format": "comma"},
        {"column": "Abschluss", "field": "expected_close_date", "type": "date", "format": "dmy"},
    ]


def test_an_api_import_reports_row_errors(api_as, manager, django_assert_max_num_queries):
    raw = b"First name,Email\nAda,ada@example.test\nBo,broken\n" + b"Cy,bad\n" * 20
    job_id = (
        api_as(manager)
        .post("/api/imports/", {"file": _file(raw), "kind": "contacts"}, format="multipart")
        .json()["id"]
    )
    services.import_job_run(job_id=job_id)

    with django_assert_max_num_queries(2):
        body = api_as(manager).get(f"/api/imports/{job_id}/").json()

    assert (body["created_rows"], body["failed_rows"]) == (1, 21)
    assert len(body["errors"]) == 21
    assert body["errors"][:1] == [
        {
            "row": 3,
            "column": "Email",
            "reason": "“broken” is not a valid email address.",
            "value": "broken",
        }
    ]


def test_a_column_that_reads_two_ways_is_a_400_naming_it_and_leaves_no_job(api_as, manager):
    raw = b"First name,Birth date\nAda,12/01/1980\n"

    response = api_as(manager).post(
        "/api/imports/", {"file": _file(raw), "kind": "contacts"}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json() == {
        "options": ["Say how these columns are written; their cells read two ways: “Birth date”."]
    }
    assert ImportJob.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"kind": "contacts"}, {"file": ["No file was submitted."]}),
        ({"kind": "spaceships", "file": True}, {"kind": ['"spaceships" is not a valid choice.']}),
        ({"kind": "contacts", "file": True, "mapping": "[1"}, {"mapping": ["Give a JSON object."]}),
        (
            {"kind": "contacts", "file": True, "mapping": '{"Email": 3}'},
            {"mapping": ["Map each column header to a field name."]},
        ),
        (
            {"kind": "contacts", "file": True, "mapping": '{"E-posta": "email"}'},
            {
                "mapping": [
                    "Map a column to “First name” or “Full name (split into first and last)”."
                ]
            },
        ),
        (
            {"kind": "contacts", "file": True, "options": '{"colour": "red"}'},
            {"options": ["Unknown options: colour."]},
        ),
        (
            {"kind": "contacts", "file": True, "options": '{"columns": {"Email": "sideways"}}'},
            {"options": {"columns": {"Email": ['"sideways" is not a valid choice.']}}},
        ),
        (
            {"kind": "contacts", "file": True, "encoding": "klingon"},
            {"encoding": ["“klingon” is not a character set we know."]},
        ),
        (
            {"kind": "contacts", "file": True, "encoding": "rot13"},
            {"encoding": ["“rot13” is not a character set we know."]},
        ),
        (
            {"kind": "contacts", "file": True, "encoding": "utf-8"},
            {
                "encoding": [
                    "The file does not read cleanly as Unicode (UTF-8): byte 0xDE on line 1 is "
                    "not a character in it. Choose another character set."
                ]
            },
        ),
    ],
)
def test_bad_import_requests_are_400s_with_field_errors(api_as, manager, data, errors):
    if data.get("file") is True:
        data["file"] = _file(TURKISH)

    response = api_as(manager).post("/api/imports/", data, format="multipart")

    assert response.status_code == 400
    assert response.json() == errors
    assert ImportJob.objects.count() == 0


def test_an_api_import_of_tickets_reads_an_export_back_and_reports_bad_rows(
    api_as, manager, support_agent
):
    contact = Contact.objects.create(first_name="Ada", email="ada@example.test")
    raw = (
        b"id,subject,description,contact_email,company,priority,status,assignee,opened_at,"
        b"first_response_at,resolved_at,sla_due_at\r\n"
        b"7,'-Broken hinge,Left door,ada@example.test,,urgent,resolved,support,"
        b"05.03.2024 10:00,,06.03.2024 09:00,05.03.2024 14:00\r\n"
        b"8,Invoice copy,,nobody@example.test,,low,open,,,,,\r\n"
    )

    response = api_as(manager).post(
        "/api/imports/",
        {"file": _file(raw, "tickets.csv"), "kind": "tickets"},
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    job_id = response.json()["id"]
    services.import_job_run(job_id=job_id)
    body = api_as(manager).get(f"/api/imports/{job_id}/").json()
    assert (body["kind"], body["status"], body["created_rows"], body["failed_rows"]) == (
        "tickets",
        "completed",
        1,
        1,
    )
    assert "id" not in body["mapping"] and "sla_due_at" not in body["mapping"]
    assert body["mapping"]["assignee"] == "assignee"
    assert body["errors"] == [
        {
            "row": 3,
            "column": "contact_email",
            "reason": "No contact has the email nobody@example.test; "
            "map a first-name column to create one.",
            "value": "nobody@example.test",
        }
    ]
    ticket = Ticket.objects.get()
    assert (ticket.subject, ticket.contact, ticket.assignee, ticket.priority) == (
        "-Broken hinge",
        contact,
        support_agent,
        "urgent",
    )
    assert ticket.opened_at == dt.datetime(2024, 3, 5, 10, tzinfo=dt.UTC)
    assert ticket.sla_due_at == ticket.opened_at + dt.timedelta(hours=4)


@pytest.mark.parametrize("kind", ["contacts", "tickets"])
@pytest.mark.parametrize("role_fixture", ["rep", "marketer", "support_agent"])
def test_only_managers_and_admins_may_import_through_the_api(api_as, request, role_fixture, kind):
    client = api_as(request.getfixturevalue(role_fixture))

    response = client.post(
        "/api/imports/", {"file": _file(TURKISH), "kind": kind}, format="multipart"
    )

    assert response.status_code == 403
    assert client.get("/api/imports/").status_code == 403
    assert ImportJob.objects.count() == 0


def test_the_import_list_pages_with_a_constant_number_of_queries(
    api_as, manager, django_assert_max_num_queries
):
    for name in ("a.csv", "b.csv", "c.csv"):
        api_as(manager).post(
            "/api/imports/",
            {"file": _file(b"First name\nAda\n", name), "kind": "contacts"},
            format="multipart",
        )

    with django_assert_max_num_queries(8):
        response = api_as(manager).get("/api/imports/?page_size=2")

    assert response.json()["count"] == 3
    assert len(response.json()["results"]) == 2


def test_openapi_documents_the_import_api():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    create = schema["paths"]["/api/imports/"]["post"]
    body = create["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    name = body.rsplit("/", 1)[1]
    properties = schema["components"]["schemas"][name]["properties"]
    assert set(properties) == {"file", "kind", "mapping", "encoding", "options"}
    assert "201" in create["responses"]
    detail = schema["paths"]["/api/imports/{id}/"]["get"]["responses"]["200"]
    ref = detail["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    job_properties = schema["components"]["schemas"][ref]["properties"]
    assert {"status", "columns", "errors", "encoding", "failed_rows"} <= set(job_properties)
