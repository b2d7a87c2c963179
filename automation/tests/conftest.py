"""Fixtures for automation tests: seeded defaults, a sales pipeline and a real worker."""

import pytest

from automation.defaults import default_rules_seed
from crm.tests.factories import ContactFactory, pipeline_with_stages


@pytest.fixture
def pipeline(db):
    pipeline, _stages = pipeline_with_stages(is_default=True)
    return pipeline


@pytest.fixture
def default_rules(db):
    # Transactional tests flush the migration's seed rows, so seed them again here.
    default_rules_seed()


@pytest.fixture
def contact(db):
    return ContactFactory()


@pytest.fixture
def celery_worker_process(transactional_db):
    from crm.celery import app

    from .fixtures import ProcessWorker

    app.control.purge()
    worker = ProcessWorker()
    yield worker
    worker.stop()
