import pytest
from celery.contrib.testing.worker import start_worker

from crm.celery import app


@pytest.fixture
def import_worker(settings, tmp_path):
    """A real worker for import jobs; uploads go to a folder the test owns."""
    settings.MEDIA_ROOT = tmp_path
    app.conf.broker_url = settings.CELERY_BROKER_URL
    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        yield
