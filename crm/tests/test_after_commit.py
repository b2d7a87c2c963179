"""The one after-commit hand-over: only once committed, never on rollback, and a broker
outage is a logged warning, never the request's error."""

import logging

import pytest
from django.db import transaction
from kombu.exceptions import OperationalError

from crm.services.after_commit import enqueue_now, enqueue_on_commit

pytestmark = pytest.mark.django_db


class RecordingTask:
    """Stands in for a Celery task: records `.delay` calls, or fails like a broker."""

    name = "tests.recording_task"

    def __init__(self, error: Exception | None = None):
        self.calls: list[tuple[tuple, dict]] = []
        self.error = error

    def delay(self, *args, **kwargs):
        if self.error is not None:
            raise self.error
        self.calls.append((args, kwargs))


def test_the_task_is_enqueued_only_when_the_transaction_commits(
    django_capture_on_commit_callbacks,
):
    task = RecordingTask()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        enqueue_on_commit(task, 7, mode="fast")
        assert task.calls == []

    assert len(callbacks) == 1
    assert task.calls == [((7,), {"mode": "fast"})]


def test_a_rolled_back_transaction_enqueues_nothing(django_capture_on_commit_callbacks):
    task = RecordingTask()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue_on_commit(task, 7)
        raise RuntimeError("the service failed")

    assert callbacks == []
    assert task.calls == []


def test_a_broker_error_is_logged_not_raised(django_capture_on_commit_callbacks, caplog):
    task = RecordingTask(error=OperationalError("Connection refused"))
    with (
        caplog.at_level(logging.WARNING, logger="crm.services.after_commit"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        enqueue_on_commit(task, 7)

    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        "Could not enqueue tests.recording_task(7); the committed work is handed over again later"
    )
    assert record.exc_info is not None and record.exc_info[0] is OperationalError


def test_enqueue_now_says_whether_the_broker_took_it():
    assert enqueue_now(RecordingTask(), 1) is True
    assert enqueue_now(RecordingTask(error=ConnectionError("redis down")), 1) is False
