"""The import job through a real Celery worker and Redis (the broker of the test settings)."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.files.uploadedfile import SimpleUploadedFile

from automation.tests.fixtures import run_on_thread_worker
from crm.celery import app
from crm.importing import services
from crm.models import Contact, ImportJob, ImportStatus

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.GOALPOST_IMPORT_BATCH_SIZE = 3
    app.conf.broker_url = settings.CELERY_BROKER_URL
    app.control.purge()  # leftovers of an earlier run must not be picked up
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        yield


def _wait_until_finished(job_id, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = ImportJob.objects.get(pk=job_id)
        if job.is_finished:
            return job
        time.sleep(0.2)
    raise AssertionError(f"import {job_id} still {job.status} after {timeout}s")


def test_the_worker_imports_the_file_after_the_start_commits(worker, manager):
    rows = "First name,Email\n" + "".join(f"P{n},p{n}@example.com\n" for n in range(10))
    upload = SimpleUploadedFile("people.csv", rows.encode() + b",broken\n")
    job = services.import_job_create(actor=manager, kind="contacts", upload=upload)
    services.import_job_set_mapping(
        job=job, actor=manager, mapping=job.mapping, duplicate_policy="skip", automate=False
    )

    services.import_job_start(job=job, actor=manager)
    job = _wait_until_finished(job.pk)

    assert job.status == ImportStatus.COMPLETED
    assert (job.processed_rows, job.created_rows, job.failed_rows) == (11, 10, 1)
    assert Contact.objects.count() == 10
    assert list(job.row_errors.values_list("row_number", "column")) == [
        (12, "Email"),
        (12, "First name"),
    ]


def test_a_redelivered_task_for_a_finished_job_changes_nothing(worker, manager):
    upload = SimpleUploadedFile("one.csv", b"First name\nAda\n")
    job = services.import_job_create(actor=manager, kind="contacts", upload=upload)
    services.import_job_start(job=job, actor=manager)
    _wait_until_finished(job.pk)

    # acks_late: a worker killed after the work but before the ack gets the task again.
    from crm.importing.tasks import import_job_run_task

    run_on_thread_worker(import_job_run_task, job.pk)

    job.refresh_from_db()
    assert (job.created_rows, Contact.objects.count()) == (1, 1)
