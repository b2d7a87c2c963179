"""Fixtures for the cross-app tests under tests/."""

import pytest


@pytest.fixture
def celery_worker_thread(transactional_db):
    """A real Celery worker consuming from Redis in this process (not eager mode)."""
    from automation.tests.fixtures import thread_worker

    with thread_worker() as worker:
        yield worker
