"""Celery entry points of automation: thin wrappers that take ids."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .engine import HANDLER_TASK, event_handle
from .models import OutboundEmail
from .services.emails import outbound_email_send

MAX_RETRIES = 6


@shared_task(
    name=HANDLER_TASK,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(Exception,),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
    ignore_result=True,
)
def handle_domain_event_task(self, event_id: int):
    """Run the automation rules for one committed domain event (idempotent per rule)."""
    event_handle(
        event_id=event_id,
        attempt=self.request.retries + 1,
        final_attempt=self.request.retries >= self.max_retries,
    )


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(Exception,),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=5,
    ignore_result=True,
)
def outbound_email_send_task(self, email_id: int):
    outbound_email_send(email_id=email_id)


# Emails younger than this are probably still on their way from the on_commit hand-over;
# older than the horizon they are stale news and stay unsent (visible in the admin).
EMAIL_SWEEP_AFTER = timedelta(minutes=5)
EMAIL_SWEEP_HORIZON = timedelta(days=1)


@shared_task(ignore_result=True)
def outbound_emails_sweep_task():
    """Hand over recorded emails that were never sent (broker down at commit time)."""
    now = timezone.now()
    pending = OutboundEmail.objects.filter(
        sent_at__isnull=True,
        created_at__lt=now - EMAIL_SWEEP_AFTER,
        created_at__gte=now - EMAIL_SWEEP_HORIZON,
    )
    for email_id in pending.values_list("pk", flat=True)[:500]:
        outbound_email_send_task.delay(email_id)


@shared_task(ignore_result=True)
def calendar_events_daily_task():
    """Renewal-due and anniversary events for today (idempotent per day)."""
    from .services.calendar_events import calendar_events_emit

    calendar_events_emit(day=timezone.localdate())
