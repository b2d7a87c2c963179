"""The import job: batches, error report, duplicates, automation flag, crash and retry.

The job is run by calling the task's work function directly (`import_job_run`); the real
worker path is covered in test_import_worker.py.
"""

import csv
import io
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.importing import services
from crm.importing.selectors import error_report_csv, import_preview, job_errors
from crm.models import (
    Company,
    Contact,
    Deal,
    DomainEvent,
    DuplicatePolicy,
    ImportJob,
    ImportStatus,
    Purchase,
)
from crm.tests.factories import CompanyFactory, ContactFactory, pipeline_with_stages


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def csv_bytes(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def make_job(actor, kind, rows, *, name="file.csv", policy=DuplicatePolicy.SKIP, automate=False):
    upload = SimpleUploadedFile(name, csv_bytes(rows), content_type="text/csv")
    job = services.import_job_create(actor=actor, kind=kind, upload=upload)
    services.import_job_set_mapping(
        job=job, actor=actor, mapping=job.mapping, duplicate_policy=policy, automate=automate
    )
    return job


def start_and_run(job, actor):
    with mock.patch.object(services, "enqueue_on_commit"):
        services.import_job_start(job=job, actor=actor)
    return services.import_job_run(job_id=job.pk)


def report_lines(job):
    text = error_report_csv(job_errors(job)).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_1000_rows_with_3_bad_import_997_and_report_exactly_those_3(manager, settings):
    settings.GOALPOST_IMPORT_BATCH_SIZE = 250
    rows = [["First name", "Last name", "E-Mail", "Lifecycle"]]
    for n in range(1000):
        rows.append([f"Person{n}", "Test", f"person{n}@example.com", "lead"])
    rows[101] = ["Bad", "Email", "not-an-email", "lead"]  # file row 102
    rows[502] = ["", "Nameless", "nameless@example.com", "lead"]  # file row 503
    rows[903] = ["Odd", "Stage", "odd@example.com", "somewhere"]  # file row 904
    job = make_job(manager, "contacts", rows)

    job = start_and_run(job, manager)

    assert job.status == ImportStatus.COMPLETED
    assert (job.total_rows, job.processed_rows) == (1000, 1000)
    assert (job.succeeded_rows, job.created_rows, job.failed_rows) == (997, 997, 3)
    assert Contact.objects.count() == 997
    assert report_lines(job) == [
        ["row", "column", "reason", "value"],
        ["102", "E-Mail", "“not-an-email” is not a valid email address.", "not-an-email"],
        ["503", "First name", "A contact needs a first name.", ""],
        [
            "904",
            "Lifecycle",
            "“somewhere” is not one of: Lead, Prospect, Customer, Churned.",
            "somewhere",
        ],
    ]


def test_preview_validates_every_row_without_writing(manager):
    ContactFactory(email="known@example.com")
    rows = [
        ["Name", "Email"],
        ["Ada Lovelace", "ada@example.com"],
        ["Known Person", "KNOWN@example.com"],
        ["", "broken"],
        ["Ada Again", "ada@example.com"],
    ]
    job = make_job(manager, "contacts", rows, policy=DuplicatePolicy.UPDATE)

    preview = import_preview(job=job)

    assert (preview.total, preview.valid, preview.invalid) == (4, 3, 1)
    assert dict(preview.actions) == {"create": 1, "update": 2}
    assert [(n, e.column, e.reason) for n, e in preview.errors] == [
        (4, "Email", "“broken” is not a valid email address."),
        (4, "Name", "A contact needs a first name."),
    ]
    assert [row.action for row in preview.sample] == ["create", "update", "error", "update"]
    assert Contact.objects.count() == 1


def test_existing_contacts_are_matched_by_email_and_skipped(manager):
    existing = ContactFactory(first_name="Old", email="ada@example.com", phone="")
    job = make_job(
        manager, "contacts", [["First name", "Email", "Phone"], ["Ada", "ADA@example.com", "123"]]
    )

    job = start_and_run(job, manager)

    existing.refresh_from_db()
    assert (job.skipped_rows, job.created_rows, job.updated_rows) == (1, 0, 0)
    assert (existing.first_name, existing.phone) == ("Old", "")
    assert Contact.objects.count() == 1


def test_existing_contacts_are_updated_with_the_filled_cells_only(manager):
    existing = ContactFactory(first_name="Old", last_name="Name", email="ada@example.com")
    rows = [
        ["First name", "Last name", "Email", "Phone", "Tags"],
        ["Ada", "", "ada@example.com", "+49 30 1234", "vip"],
        ["Ada", "", "ada@example.com", "", "berlin"],
    ]
    job = make_job(manager, "contacts", rows, policy=DuplicatePolicy.UPDATE)

    job = start_and_run(job, manager)

    existing.refresh_from_db()
    assert (job.updated_rows, job.created_rows, job.succeeded_rows) == (2, 0, 2)
    assert (existing.first_name, existing.last_name, existing.phone) == (
        "Ada",
        "Name",
        "+49 30 1234",
    )
    assert sorted(existing.tags.values_list("name", flat=True)) == ["berlin", "vip"]


def test_companies_are_matched_by_domain(manager):
    CompanyFactory(name="Acme Inc", domain="acme.com", industry="")
    rows = [
        ["Company", "Website", "Industry"],
        ["ACME", "https://www.acme.com/", "Tools"],
        ["Globex", "globex.example", "Energy"],
        ["Globex Corp", "http://globex.example", "Energy"],
    ]
    job = make_job(manager, "companies", rows, policy=DuplicatePolicy.UPDATE)

    job = start_and_run(job, manager)

    assert (job.created_rows, job.updated_rows) == (1, 2)
    assert sorted(Company.objects.values_list("name", "domain", "industry")) == [
        ("ACME", "acme.com", "Tools"),
        ("Globex Corp", "globex.example", "Energy"),
    ]


def test_imports_do_not_run_automation_unless_asked(manager):
    quiet = make_job(manager, "contacts", [["First name", "Tags"], ["Ada", "vip"]])
    start_and_run(quiet, manager)
    loud = make_job(manager, "contacts", [["First name", "Tags"], ["Grace", "vip"]], automate=True)
    start_and_run(loud, manager)

    events = DomainEvent.objects.order_by("pk").values_list("kind", "automate")
    assert list(events) == [
        ("contact.created", False),
        ("contact.tagged", False),
        ("contact.created", True),
        ("contact.tagged", True),
    ]


def test_deal_rows_link_or_create_their_contact_and_company(manager):
    _pipeline, stages = pipeline_with_stages(is_default=True)
    known = ContactFactory(email="known@example.com")
    rows = [
        ["Deal", "Value", "Stage", "Email", "First name", "Company", "Status", "Closed at"],
        ["One", "100", "Proposal", "known@example.com", "", "", "", ""],
        ["Two", "250,50", "", "new@example.com", "Nia", "Initech", "won", "2024-05-01"],
        ["Three", "10", "", "ghost@example.com", "", "", "", ""],
    ]
    job = make_job(manager, "deals", rows)

    job = start_and_run(job, manager)

    assert (job.created_rows, job.failed_rows) == (2, 1)
    one, two = Deal.objects.order_by("title").filter(title__in=["One", "Two"])
    assert (one.contact, one.stage, one.value) == (known, stages[2], Decimal("100.00"))
    assert (two.contact.email, two.contact.first_name, two.company.name) == (
        "new@example.com",
        "Nia",
        "Initech",
    )
    assert (two.status, two.closed_at.date().isoformat()) == ("won", "2024-05-01")
    assert Purchase.objects.get(deal=two).amount == Decimal("250.50")
    assert report_lines(job)[1:] == [
        [
            "4",
            "Email",
            "No contact has the email ghost@example.com; map a first-name column to create one.",
            "ghost@example.com",
        ]
    ]


def test_a_deal_row_that_fails_after_creating_its_contact_writes_nothing(manager):
    pipeline_with_stages(is_default=True)
    rows = [
        ["Deal", "Email", "First name", "Company"],
        ["One", "new@example.com", "Nia", "Initech"],
    ]
    job = make_job(manager, "deals", rows)

    with mock.patch(
        "crm.importing.writers.deal_create",
        side_effect=ValidationError({"value": "Refused by the service."}),
    ):
        job = start_and_run(job, manager)

    assert (job.failed_rows, job.succeeded_rows) == (1, 0)
    assert (Contact.objects.count(), Company.objects.count(), Deal.objects.count()) == (0, 0, 0)
    assert report_lines(job)[1:] == [["2", "value", "Refused by the service.", ""]]


def test_purchases_make_the_buyer_a_customer(manager):
    buyer = ContactFactory(email="buyer@example.com")
    rows = [
        ["Email", "Amount", "Date", "Product"],
        ["buyer@example.com", "49.90", "2024-02-03", "Pro"],
    ]
    job = make_job(manager, "purchases", rows)

    job = start_and_run(job, manager)

    buyer.refresh_from_db()
    purchase = Purchase.objects.get()
    assert (job.created_rows, purchase.contact, purchase.amount) == (1, buyer, Decimal("49.90"))
    assert buyer.lifecycle == "customer"


def _five_rows():
    return [["First name", "Email"]] + [[f"P{n}", f"p{n}@example.com"] for n in range(5)]


def test_a_crash_between_batches_then_a_retry_duplicates_nothing(manager, settings):
    settings.GOALPOST_IMPORT_BATCH_SIZE = 2
    job = make_job(manager, "contacts", _five_rows())
    real_save = services._save_progress
    calls = []

    def crash_on_second_batch(job, fields):
        calls.append(job.processed_rows)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        real_save(job, fields)

    with (
        mock.patch.object(services, "_save_progress", crash_on_second_batch),
        pytest.raises(RuntimeError),
    ):
        start_and_run(job, manager)

    job.refresh_from_db()
    assert (job.status, job.processed_rows, Contact.objects.count()) == ("running", 2, 2)

    job = services.import_job_run(job_id=job.pk)  # the retry

    assert (job.status, job.processed_rows, job.created_rows) == ("completed", 5, 5)
    assert sorted(Contact.objects.values_list("email", flat=True)) == [
        f"p{n}@example.com" for n in range(5)
    ]


def test_running_the_same_batch_twice_writes_it_once(manager, settings):
    settings.GOALPOST_IMPORT_BATCH_SIZE = 2
    job = make_job(manager, "contacts", _five_rows())
    with mock.patch.object(services, "enqueue_on_commit"):
        services.import_job_start(job=job, actor=manager)
    services.import_job_begin(job_id=job.pk)

    first = services.import_batch_run(job_id=job.pk, offset=0)
    second = services.import_batch_run(job_id=job.pk, offset=0)

    job.refresh_from_db()
    assert (first, second, job.processed_rows, Contact.objects.count()) == (2, 0, 2, 2)


def test_a_completed_job_run_again_does_nothing(manager):
    job = make_job(manager, "contacts", _five_rows())
    start_and_run(job, manager)

    job = services.import_job_run(job_id=job.pk)

    assert (job.created_rows, Contact.objects.count()) == (5, 5)


@pytest.mark.parametrize("role_fixture", ["rep", "marketer", "support_agent"])
def test_only_managers_and_admins_may_import(request, role_fixture):
    user = request.getfixturevalue(role_fixture)
    upload = SimpleUploadedFile("a.csv", b"First name\nAda\n")

    with pytest.raises(services.PermissionDenied):
        services.import_job_create(actor=user, kind="contacts", upload=upload)


def test_admins_may_import(admin_user):
    job = make_job(admin_user, "contacts", [["First name"], ["Ada"]])

    assert start_and_run(job, admin_user).created_rows == 1
    assert ImportJob.objects.get().created_by == admin_user


def test_xlsx_files_import_with_native_numbers_and_dates(manager):
    import datetime as dt

    import tablib

    ContactFactory(email="buyer@example.com")
    sheet = tablib.Dataset(headers=["E-Mail", "Betrag", "Datum", "Produkt"])
    sheet.append(["buyer@example.com", 49.9, dt.datetime(2024, 2, 3, 10, 30), "Pro"])
    sheet.append(["buyer@example.com", "zehn", dt.datetime(2024, 2, 4), "Pro"])
    upload = SimpleUploadedFile("kaeufe.xlsx", sheet.export("xlsx"))
    job = services.import_job_create(actor=manager, kind="purchases", upload=upload)
    services.import_job_set_mapping(
        job=job, actor=manager, mapping=job.mapping, duplicate_policy="skip", automate=False
    )

    job = start_and_run(job, manager)

    purchase = Purchase.objects.get()
    assert job.mapping == {
        "E-Mail": "contact_email",
        "Betrag": "amount",
        "Datum": "purchased_at",
        "Produkt": "product",
    }
    assert (purchase.amount, purchase.purchased_at.isoformat()) == (
        Decimal("49.90"),
        "2024-02-03T10:30:00+00:00",
    )
    assert report_lines(job)[1:] == [["3", "Betrag", "“zehn” is not a number.", "zehn"]]
