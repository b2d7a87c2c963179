"""Celery tasks of the importer: thin, by id, safe to run twice (see services)."""

from celery import shared_task
from django.db import DatabaseError

from crm.models import ImportJob

from . import services

MAX_RETRIES = 5


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=MAX_RETRIES)
def import_job_run_task(self, job_id: int) -> None:
    """Run an import job from its committed offset; retry with backoff when it breaks."""
    try:
        services.import_job_run(job_id=job_id)
    except ImportJob.DoesNotExist:
        return
    except Exception as exc:
        if self.request.retries < MAX_RETRIES and isinstance(exc, DatabaseError | OSError):
            raise self.retry(exc=exc, countdown=2 ** (self.request.retries + 1)) from exc
        services.import_job_fail(job_id=job_id, message=f"{type(exc).__name__}: {exc}")
        raise
