"""Celery entry points of marketing: thin, take ids, late acks, idempotent work."""

from datetime import timedelta
from typing import Any

from celery import shared_task
from django.utils import timezone

from .services.emails import email_send_deliver, email_sends_sweep
from .services.progress import due_steps_run, enrollment_advance
from .services.reactions import HANDLER_TASK, event_react
from .services.scoring import scores_recompute_all

SWEEP_AFTER = timedelta(minutes=5)

RETRYING: dict[str, Any] = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (Exception,),
    "retry_backoff": 2,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 6,
    "ignore_result": True,
}


@shared_task(name=HANDLER_TASK, **RETRYING)
def handle_domain_event_task(self, event_id: int):
    """Welcome series, exits, conversions and scoring for one event (once per purpose)."""
    event_react(event_id=event_id)


@shared_task(**RETRYING)
def enrollment_advance_task(self, progress_id: int):
    enrollment_advance(progress_id=progress_id)


@shared_task(**{**RETRYING, "retry_backoff": 30, "retry_backoff_max": 3600, "max_retries": 5})
def email_send_deliver_task(self, send_id: int):
    email_send_deliver(send_id=send_id)


@shared_task(acks_late=True, ignore_result=True)
def due_steps_tick_task():
    """Every minute: run the campaign steps that are due, sweep up unsent email."""
    due_steps_run()
    email_sends_sweep(older_than=timezone.now() - SWEEP_AFTER)


@shared_task(acks_late=True, ignore_result=True)
def scores_recompute_nightly_task():
    """Decay moves scores without any event: recompute all and apply the changes."""
    scores_recompute_all()
