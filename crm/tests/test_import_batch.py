"""The importer's batch path for new contacts (crm/importing/batch.py, RowWriter.plan/flush).

New contacts are written together, a few queries per batch instead of about eleven a
row; these tests pin that it keeps the per-row guarantees: no duplicates (within a file
and on a rerun), per-row reasons when the database refuses the batch, events for history
always and automation only when asked, tags matched without case.
"""

import csv
import datetime as dt
import io
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.importing import batch, services, writers
from crm.importing.selectors import error_report_csv, job_errors
from crm.models import (
    Company,
    Contact,
    DomainEvent,
    DuplicatePolicy,
    ImportStatus,
    SuppressedAddress,
    Tag,
    User,
)
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
    with mock.patch.object(services, "enqueue_on_commit"):
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


def test_a_value_only_the_model_refuses_is_reported_with_its_reason_and_the_rest_written(
    manager,
):
    # The batch path trusts the cleaner's checks; a first name split off a full name is
    # not length-checked there, so the database refuses the batch and the per-row path
    # reports full_clean's reason for that row alone.
    rows = [
        ["Name", "Email"],
        ["Ada Lovelace", "ada@example.com"],
        [f"{'A' * 101} Long", "long@example.com"],
        ["Grace Hopper", "grace@example.com"],
    ]
    job = services.import_job_run(job_id=make_job(manager, rows).pk)

    assert (job.created_rows, job.failed_rows) == (2, 1)
    assert sorted(Contact.objects.values_list("email", flat=True)) == [
        "ada@example.com",
        "grace@example.com",
    ]
    assert report_lines(job) == [
        ["3", "first_name", "Ensure this value has at most 100 characters (it has 101).", "A" * 101]
    ]


# --- the query count of a batch does not grow with its rows --------------------------------


def queries_of_one_batch(manager, settings, rows, *, policy=DuplicatePolicy.SKIP):
    settings.GOALPOST_IMPORT_BATCH_SIZE = 1_000
    job = make_job(manager, rows, policy=policy)
    with CaptureQueriesContext(connection) as captured:
        job = services.import_job_run(job_id=job.pk)
    assert job.failed_rows == 0
    return len(captured)


def contact_rows(count, *, start=0, email="p{n}@example.com"):
    header = ["First name", "Email", "Lifecycle", "Tags", "Company"]
    return [header] + [
        [f"P{n}", email.format(n=n), "customer", "vip, berlin", "Acme"]
        for n in range(start, start + count)
    ]


@pytest.fixture
def acme_and_tags(db):
    CompanyFactory(name="Acme")
    Tag.objects.create(name="vip")
    Tag.objects.create(name="berlin")


@pytest.fixture
def no_per_row_update():
    """Fail the test if a known contact's row leaves the batch path for contact_update."""
    with mock.patch.object(writers, "contact_update", side_effect=AssertionError("per row")):
        yield


@pytest.mark.usefixtures("acme_and_tags")
def test_a_batch_of_creates_costs_the_same_queries_for_5_rows_as_for_400(manager, settings):
    few = queries_of_one_batch(manager, settings, contact_rows(5))
    many = queries_of_one_batch(manager, settings, contact_rows(400, start=5))

    # Job bookkeeping; the contact, company and tag lookups; the owner and company checks;
    # the suppression list; one INSERT each for contacts, spells, events, tag links and
    # tag events; savepoints; the progress.
    assert few == many == 26
    assert Contact.objects.count() == 405
    assert DomainEvent.objects.filter(kind="contact.created").count() == 405
    assert DomainEvent.objects.filter(kind="contact.tagged").count() == 810


@pytest.mark.usefixtures("acme_and_tags", "no_per_row_update")
def test_a_batch_of_updates_costs_the_same_queries_for_5_rows_as_for_400(manager, settings):
    for n in range(405):
        ContactFactory(first_name="Old", email=f"P{n}@Example.com")
    rows = contact_rows(405, email="p{n}@EXAMPLE.com")
    few = queries_of_one_batch(manager, settings, rows[:6], policy=DuplicatePolicy.UPDATE)
    many = queries_of_one_batch(
        manager, settings, [rows[0], *rows[6:]], policy=DuplicatePolicy.UPDATE
    )

    # As creates, with an UPDATE … FROM (VALUES …) for the changed fields, a look at the
    # customer spells and the contacts' current tags.
    assert few == many == 26
    assert set(Contact.objects.values_list("first_name", flat=True)) == {
        f"P{n}" for n in range(405)
    }
    assert Contact.objects.filter(lifecycle="customer", customer_since__isnull=False).count() == 405
    assert DomainEvent.objects.filter(kind="contact.tagged").count() == 810


# --- updates go through the batch path with contact_update's rules -------------------------


@pytest.mark.usefixtures("no_per_row_update")
def test_known_contacts_are_updated_in_one_batch_matched_by_email_in_any_case(manager):
    ada = ContactFactory(first_name="Ada", last_name="Byron", email="Ada@Example.com", phone="1")
    grace = ContactFactory(first_name="Grace", last_name="Hopper", email="grace@example.com")
    rows = [
        ["First name", "Last name", "Email", "Phone", "Lifecycle"],
        ["Ada", "Lovelace", "ADA@EXAMPLE.COM", "", "prospect"],
        ["Grace", "", "Grace@Example.COM", "+1 555", ""],
        ["Linus", "Torvalds", "linus@example.com", "", ""],
    ]
    job = make_job(manager, rows, policy=DuplicatePolicy.UPDATE)

    job = services.import_job_run(job_id=job.pk)

    assert (job.created_rows, job.updated_rows, job.failed_rows) == (1, 2, 0)
    ada.refresh_from_db()
    grace.refresh_from_db()
    # Filled cells only: an empty cell never blanks a value; the address keeps its case.
    assert (ada.last_name, ada.phone, ada.lifecycle, ada.email) == (
        "Lovelace",
        "1",
        "prospect",
        "Ada@Example.com",
    )
    assert (grace.last_name, grace.phone, grace.lifecycle) == ("Hopper", "+1 555", "lead")
    assert Contact.objects.count() == 3
    # contact_update emits no event of its own; the new contact has its contact.created.
    assert list(DomainEvent.objects.values_list("kind", "subject_id")) == [
        ("contact.created", Contact.objects.get(email="linus@example.com").pk)
    ]


@pytest.mark.usefixtures("no_per_row_update")
def test_an_update_to_customer_stamps_the_date_and_opens_or_follows_the_spells(manager):
    lead = ContactFactory(email="lead@example.com", lifecycle="lead")
    churned = ContactFactory(
        email="churned@example.com",
        lifecycle="churned",
        customer_since=timezone.now() - dt.timedelta(days=400),
        churned_at=timezone.now() - dt.timedelta(days=100),
    )
    rows = [
        ["First name", "Email", "Lifecycle", "Customer since"],
        ["Lead", "lead@example.com", "customer", ""],
        ["Churned", "churned@example.com", "churned", "2020-01-01 00:00"],
    ]
    job = make_job(manager, rows, policy=DuplicatePolicy.UPDATE)

    job = services.import_job_run(job_id=job.pk)

    assert (job.updated_rows, job.failed_rows) == (2, 0)
    lead.refresh_from_db()
    churned.refresh_from_db()
    assert lead.customer_since is not None
    assert list(lead.customer_spells.values_list("started_at", "ended_at", "first")) == [
        (lead.customer_since, None, True)
    ]
    assert churned.customer_since.date() == dt.date(2020, 1, 1)
    assert list(churned.customer_spells.values_list("started_at", "ended_at", "first")) == [
        (churned.customer_since, churned.churned_at, True)
    ]


@pytest.mark.usefixtures("no_per_row_update")
def test_updates_keep_consent_with_the_address(manager):
    suppressed = ContactFactory(email="gone@example.com", opted_out=False)
    SuppressedAddress.objects.create(email="gone@example.com", reason="unsubscribe")
    leaving = ContactFactory(email="leaving@example.com", opted_out=False)
    rows = [
        ["First name", "Email", "Opted out"],
        ["Gone", "GONE@example.com", ""],
        ["Leaving", "leaving@example.com", "yes"],
    ]
    job = make_job(manager, rows, policy=DuplicatePolicy.UPDATE)

    job = services.import_job_run(job_id=job.pk)

    assert (job.updated_rows, job.failed_rows) == (2, 0)
    suppressed.refresh_from_db()
    leaving.refresh_from_db()
    # A suppressed address opts its contact out; opting a contact out suppresses it.
    assert (suppressed.opted_out, leaving.opted_out) == (True, True)
    assert SuppressedAddress.objects.get(email="leaving@example.com").contact == leaving


def test_clearing_the_flag_of_a_suppressed_address_is_refused_with_the_reason(manager):
    keeps = ContactFactory(email="keeps@example.com", opted_out=True)
    SuppressedAddress.objects.create(email="keeps@example.com", reason="bounce")
    other = ContactFactory(email="other@example.com", first_name="Old")
    rows = [
        ["First name", "Email", "Opted out"],
        ["Keeps", "keeps@example.com", "no"],
        ["New", "other@example.com", ""],
    ]
    job = make_job(manager, rows, policy=DuplicatePolicy.UPDATE)

    job = services.import_job_run(job_id=job.pk)

    assert (job.updated_rows, job.failed_rows) == (1, 1)
    keeps.refresh_from_db()
    other.refresh_from_db()
    assert (keeps.opted_out, other.first_name) == (True, "New")
    [line] = report_lines(job)
    assert line[:2] == ["2", "Opted out"]
    assert line[2].startswith("keeps@example.com is on the suppression list (Bounced on ")


@pytest.mark.usefixtures("no_per_row_update")
def test_updated_contacts_gain_the_tags_they_lack_each_with_its_event(manager):
    vip = Tag.objects.create(name="VIP")
    ada = ContactFactory(email="ada@example.com")
    ada.tags.add(vip)
    rows = [["First name", "Email", "Tags"], ["Ada", "ada@example.com", "vip, Berlin"]]
    job = make_job(manager, rows, policy=DuplicatePolicy.UPDATE, automate=True)

    with mock.patch.object(batch, "event_dispatch") as dispatch:
        job = services.import_job_run(job_id=job.pk)

    assert job.updated_rows == 1
    assert sorted(ada.tags.values_list("name", flat=True)) == ["Berlin", "VIP"]
    events = DomainEvent.objects.filter(kind="contact.tagged")
    assert [(e.subject_id, e.payload, e.automate) for e in events] == [
        (ada.pk, {"tag": "Berlin"}, True)
    ]
    # Dispatched after commit only (the test's transaction never commits).
    assert dispatch.call_count == 0


def test_an_update_the_database_refuses_is_reported_and_the_rest_of_the_batch_written(manager):
    # Churned in 2020 but a customer only from 2099: only the check constraint sees it.
    ada = ContactFactory(email="ada@example.com")
    bad = ContactFactory(email="bad@example.com")
    rows = [
        ["First name", "Email", "Lifecycle", "Customer since"],
        ["Ada", "ada@example.com", "prospect", ""],
        ["Bad", "bad@example.com", "churned", "2099-01-01"],
    ]
    job = make_job(manager, rows, policy=DuplicatePolicy.UPDATE)

    job = services.import_job_run(job_id=job.pk)

    assert (job.updated_rows, job.failed_rows) == (1, 1)
    ada.refresh_from_db()
    bad.refresh_from_db()
    assert (ada.first_name, ada.lifecycle) == ("Ada", "prospect")
    assert (bad.lifecycle, bad.customer_since) == ("lead", None)
    assert report_lines(job) == [
        ["3", "", "Constraint “contact_churned_after_customer_since” is violated.", ""]
    ]


@pytest.mark.usefixtures("no_per_row_update")
def test_the_owner_of_known_contacts_is_reassigned_by_a_manager(manager, rep):
    ada = ContactFactory(email="ada@example.com", owner=manager)
    rows = [["First name", "Email", "Owner"], ["Ada", "ada@example.com", rep.username]]
    job = make_job(manager, rows, policy=DuplicatePolicy.UPDATE)

    job = services.import_job_run(job_id=job.pk)

    ada.refresh_from_db()
    assert (job.updated_rows, ada.owner) == (1, rep)


def test_known_contacts_under_skip_are_answered_without_a_write(manager):
    ada = ContactFactory(first_name="Ada", email="ada@example.com")
    before = ada.updated_at
    rows = [["First name", "Email", "Tags"], ["Other", "ADA@example.com", "vip"]]
    job = make_job(manager, rows)

    job = services.import_job_run(job_id=job.pk)

    ada.refresh_from_db()
    assert (job.skipped_rows, ada.first_name, ada.updated_at) == (1, "Ada", before)
    assert not ada.tags.exists()
