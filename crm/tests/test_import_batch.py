"""The importer's batch path for new contacts (crm/importing/batch.py, RowWriter.plan/flush).

New contacts are written together, a few queries per batch instead of about eleven a
row; these tests pin that it keeps the per-row guarantees: no duplicates (within a file
and on a rerun), per-row reasons when the database refuses the batch, events for history
always and automation only when asked, tags matched without case.
"""

import csv
import io
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.importing import batch, services
from crm.importing.selectors import error_report_csv, job_errors
from crm.models import Company, Contact, DomainEvent, DuplicatePolicy, ImportStatus, Tag, User
from crm.tests.factories import CompanyFactory, ContactFactory


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def make_job(actor, rows, *, policy=DuplicatePolicy.SKIP, automate=False):
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    upload = SimpleUploadedFile("contacts.csv", out.getvalue().encode(), content_type="text/csv")
    job = services.import_job_create(actor=actor, kind="contacts", upload=upload)
    services.import_job_set_mapping(
        job=job, actor=actor, mapping=job.mapping, duplicate_policy=policy, automate=automate
    )
    with mock.patch.object(services, "_enqueue"):
        services.import_job_start(job=job, actor=actor)
    return job


def report_lines(job):
    text = error_report_csv(job_errors(job)).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))[1:]


def test_a_batch_of_new_contacts_costs_a_few_queries_not_a_few_per_row(
    manager, settings, django_assert_max_num_queries
):
    settings.GOALPOST_IMPORT_BATCH_SIZE = 500
    rows = [["First name", "Last name", "Email", "Lifecycle"]]
    rows += [[f"P{n}", "Test", f"p{n}@example.com", "customer"] for n in range(300)]
    job = make_job(manager, rows)

    # Job bookkeeping, the email lookup, the suppression-list lookup (one per batch), one
    # INSERT for the contacts, one for their customer spells, one for the events.
    with django_assert_max_num_queries(22):
        job = services.import_job_run(job_id=job.pk)

    assert (job.status, job.created_rows, job.failed_rows) == (ImportStatus.COMPLETED, 300, 0)
    contact = Contact.objects.get(email="p7@example.com")
    # Built as contact_create builds it: owned by the importer, stamped, marked as imported.
    assert (contact.owner, contact.source, contact.customer_since is not None) == (
        manager,
        "import",
        True,
    )
    events = DomainEvent.objects.filter(kind="contact.created")
    assert events.count() == 300
    assert set(events.values_list("subject_type", "actor", "automate")) == {
        ("contact", manager.pk, False)
    }
    assert [e.payload for e in events.filter(subject_id=contact.pk)] == [{}]


def test_the_same_new_email_twice_in_a_file_creates_one_contact_then_skips(manager):
    rows = [
        ["First name", "Email"],
        ["Ada", "ada@example.com"],
        ["Grace", "grace@example.com"],
        ["Ada again", "ADA@example.com"],
    ]
    job = services.import_job_run(job_id=make_job(manager, rows).pk)

    assert (job.created_rows, job.skipped_rows) == (2, 1)
    assert Contact.objects.get(email="ada@example.com").first_name == "Ada"


def test_the_same_new_email_twice_with_update_updates_the_contact_just_created(manager):
    rows = [
        ["First name", "Email", "Phone"],
        ["Ada", "ada@example.com", ""],
        ["Ada", "ada@example.com", "+49 30 1234"],
    ]
    job = make_job(manager, rows, policy=DuplicatePolicy.UPDATE)

    job = services.import_job_run(job_id=job.pk)

    assert (job.created_rows, job.updated_rows) == (1, 1)
    assert Contact.objects.get().phone == "+49 30 1234"


def test_a_rerun_of_a_finished_batch_and_a_retry_after_a_crash_duplicate_nothing(manager, settings):
    settings.GOALPOST_IMPORT_BATCH_SIZE = 3
    rows = [["First name", "Email"]] + [[f"P{n}", f"p{n}@example.com"] for n in range(7)]
    job = make_job(manager, rows)
    services.import_job_begin(job_id=job.pk)
    assert services.import_batch_run(job_id=job.pk, offset=0) == 3
    assert services.import_batch_run(job_id=job.pk, offset=0) == 0  # redelivered: no-op

    with (
        mock.patch.object(services, "_save_progress", side_effect=RuntimeError("killed")),
        pytest.raises(RuntimeError),
    ):
        services.import_batch_run(job_id=job.pk, offset=3)
    assert Contact.objects.count() == 3  # the crashed batch left nothing behind

    job = services.import_job_run(job_id=job.pk)

    assert (job.status, job.created_rows, Contact.objects.count()) == ("completed", 7, 7)
    assert DomainEvent.objects.filter(kind="contact.created").count() == 7


def test_a_row_the_database_refuses_is_reported_and_its_batch_is_still_written(manager):
    # Churned now but a customer only from 2099: the churn date would precede the start,
    # which only the check constraint catches (the cleaner and field checks cannot).
    rows = [
        ["First name", "Email", "Lifecycle", "Customer since"],
        ["Ada", "ada@example.com", "lead", ""],
        ["Future", "future@example.com", "churned", "2099-01-01"],
        ["Grace", "grace@example.com", "customer", ""],
    ]
    job = services.import_job_run(job_id=make_job(manager, rows).pk)

    assert (job.created_rows, job.failed_rows) == (2, 1)
    assert sorted(Contact.objects.values_list("email", flat=True)) == [
        "ada@example.com",
        "grace@example.com",
    ]
    assert report_lines(job) == [
        ["3", "", "Constraint “contact_churned_after_customer_since” is violated.", ""]
    ]
    assert DomainEvent.objects.filter(kind="contact.created").count() == 2


def test_events_reach_automation_only_when_the_import_asks(
    manager, django_capture_on_commit_callbacks
):
    rows = [["First name", "Email", "Tags"], ["Ada", "ada@example.com", "vip"]]
    quiet = make_job(manager, rows)
    loud = make_job(manager, [rows[0], ["Grace", "grace@example.com", "vip"]], automate=True)

    with mock.patch.object(batch, "event_dispatch") as dispatch:
        with django_capture_on_commit_callbacks(execute=True):
            services.import_job_run(job_id=quiet.pk)
        assert dispatch.call_count == 0
        with django_capture_on_commit_callbacks(execute=True):
            services.import_job_run(job_id=loud.pk)

    loud_events = DomainEvent.objects.filter(automate=True).order_by("pk")
    assert [c.kwargs["event_id"] for c in dispatch.call_args_list] == [e.pk for e in loud_events]
    assert list(DomainEvent.objects.order_by("pk").values_list("kind", "automate")) == [
        ("contact.created", False),
        ("contact.tagged", False),
        ("contact.created", True),
        ("contact.tagged", True),
    ]


def test_tags_are_matched_without_case_and_created_once(manager):
    Tag.objects.create(name="vip")
    rows = [
        ["First name", "Email", "Tags"],
        ["Ada", "ada@example.com", "VIP, berlin"],
        ["Grace", "grace@example.com", "Berlin; vip; VIP"],
    ]
    job = services.import_job_run(job_id=make_job(manager, rows).pk)

    assert job.created_rows == 2
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["berlin", "vip"]
    for email in ("ada@example.com", "grace@example.com"):
        contact = Contact.objects.get(email=email)
        assert sorted(contact.tags.values_list("name", flat=True)) == ["berlin", "vip"]
    assert DomainEvent.objects.filter(kind="contact.tagged").count() == 4


def test_contacts_of_a_new_company_share_the_one_company_created(manager):
    known = CompanyFactory(name="Acme")
    rows = [
        ["First name", "Email", "Company"],
        ["Ada", "ada@example.com", "Initech"],
        ["Grace", "grace@example.com", "initech"],
        ["Linus", "linus@example.com", "ACME"],
    ]
    job = services.import_job_run(job_id=make_job(manager, rows).pk)

    assert job.created_rows == 3
    initech = Company.objects.get(name="Initech")
    assert Company.objects.count() == 2
    assert dict(Contact.objects.values_list("email", "company")) == {
        "ada@example.com": initech.pk,
        "grace@example.com": initech.pk,
        "linus@example.com": known.pk,
    }


def test_existing_contacts_in_the_file_still_go_through_the_update_service(manager):
    existing = ContactFactory(first_name="Old", email="old@example.com")
    rows = [
        ["First name", "Email"],
        ["New", "new@example.com"],
        ["Renamed", "old@example.com"],
    ]
    job = make_job(manager, rows, policy=DuplicatePolicy.UPDATE)

    job = services.import_job_run(job_id=job.pk)

    existing.refresh_from_db()
    assert (job.created_rows, job.updated_rows, existing.first_name) == (1, 1, "Renamed")


def test_the_batch_service_refuses_a_missing_foreign_key_like_full_clean(manager):
    contact = batch.contact_build(actor=manager, first_name="Ada")
    contact.owner_id = User.objects.order_by("-pk").first().pk + 1000

    with pytest.raises(ValidationError) as caught:
        batch.contacts_create_many(actor=manager, contacts=[contact], automate=False)

    assert "owner" in caught.value.message_dict
    assert (Contact.objects.count(), DomainEvent.objects.count()) == (0, 0)


def test_the_batch_service_validates_fields_as_full_clean_does(manager):
    with pytest.raises(ValidationError) as caught:
        batch.contact_build(actor=manager, first_name="A" * 101, lifecycle="nonsense")

    assert set(caught.value.message_dict) == {"first_name", "lifecycle"}
