"""Running rules for a domain event, at most once per (rule, event).

`event_handle` is what the Celery task calls. Each rule runs in its own transaction that
holds both its actions and its `Run` row; the row's unique (rule, event) key is what
makes retries, redeliveries after a worker crash and the outbox sweep harmless.
"""

import logging
import traceback
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.models import DomainEvent

from .actions import ACTIONS, ActionError
from .conditions import conditions_met
from .context import RuleContext
from .firing import repeat_reason
from .models import Rule, Run, RunStatus
from .said import said, said_data
from .triggers import fields_for

logger = logging.getLogger(__name__)

# A rule whose actions re-trigger it (score change → change score) stops after this many
# runs on the same record within LOOP_WINDOW.
LOOP_LIMIT = 20
LOOP_WINDOW = timedelta(minutes=10)
DONE = (RunStatus.SUCCEEDED, RunStatus.SKIPPED)


def rules_for_event(kind: str) -> list[Rule]:
    """Enabled rules listening to `kind` (jsonb containment on the triggers list)."""
    return list(Rule.objects.enabled().filter(triggers__contains=[kind]).order_by("pk"))


def event_handle(*, event_id: int, attempt: int = 1, final_attempt: bool = False) -> None:
    """Evaluate every enabled rule for the event, then mark it processed.

    A rule that raises is rolled back whole; the first error is re-raised so the task
    retries, and rules that already ran are skipped on the retry. On the final attempt the
    failure is written to the run log instead and the event counts as processed.
    """
    event = DomainEvent.objects.filter(pk=event_id).first()
    # processed_at is not a shortcut here: other handlers share the event, and the run
    # rows below are what makes a second delivery harmless.
    if event is None or not event.automate:
        return
    first_error = None
    for rule in rules_for_event(event.kind):
        try:
            rule_run(rule=rule, event=event, attempt=attempt)
        except ActionError as exc:
            # Permanent (a deleted campaign, an empty pool): retrying cannot help.
            run_record_failure(rule=rule, event=event, error=str(exc), attempt=attempt)
        except Exception as exc:
            if final_attempt:
                run_record_failure(
                    rule=rule, event=event, error=traceback.format_exc(), attempt=attempt
                )
            else:
                logger.warning("Rule %s failed on event %s: %s", rule.pk, event.pk, exc)
                first_error = first_error or exc
    if first_error is not None:
        raise first_error
    event_mark_processed(event=event)


def event_mark_processed(*, event: DomainEvent) -> None:
    DomainEvent.objects.filter(pk=event.pk, processed_at__isnull=True).update(
        processed_at=timezone.now()
    )


def _after_actions(run: Run) -> None:
    """A seam between the actions and the run row's final save (tests inject crashes)."""


def rule_run(*, rule: Rule, event: DomainEvent, attempt: int = 1) -> Run | None:
    """Run one rule for one event, unless a run for this pair already finished.

    Returns the run, or None when an earlier delivery already did the work.
    """
    with transaction.atomic():
        run = _claim(rule=rule, event=event, attempt=attempt)
        if run is None:
            return None
        ctx = RuleContext.for_event(event)
        fields = fields_for(rule.triggers)
        if ctx.subject is None:
            _finish(run, RunStatus.SKIPPED, _("The record no longer exists."))
            return run
        if not conditions_met(fields=fields, match=rule.match, conditions=rule.conditions, ctx=ctx):
            _finish(run, RunStatus.SKIPPED, _("Conditions not met."))
            return run
        repeat = repeat_reason(rule=rule, fields=fields, ctx=ctx)
        if repeat is not None:
            _finish(run, RunStatus.SKIPPED, repeat)
            return run
        if _looping(rule, event, run):
            _finish(run, RunStatus.SKIPPED, _("Stopped: the rule keeps re-triggering itself."))
            return run
        outcome = []
        for action in rule.actions:
            result = ACTIONS[action["type"]].execute(ctx, action["params"], run)
            summary = result["summary"]
            outcome.append(
                {
                    "action": action["type"],
                    **result,
                    "summary": str(summary),
                    "said": said_data(summary),
                }
            )
        _after_actions(run)
        run.outcome = outcome
        _finish(run, RunStatus.SUCCEEDED, "; ".join(o["summary"] for o in outcome))
        return run


def _claim(*, rule: Rule, event: DomainEvent, attempt: int) -> Run | None:
    """Insert (or lock) the run row for (rule, event); None if it already finished.

    A concurrent delivery of the same event blocks on the unique index until the first
    one commits, then finds its row here and stops.
    """
    # get_or_create inserts in a savepoint; if a concurrent delivery inserted first, the
    # insert waits for it to commit, fails on the unique key and the row is read instead.
    run, created = Run.objects.select_for_update().get_or_create(
        rule=rule,
        event=event,
        defaults={
            "event_kind": event.kind,
            "subject_type": event.subject_type,
            "subject_id": event.subject_id,
            "status": RunStatus.SKIPPED,
            "attempts": attempt,
        },
    )
    if not created:
        if run.status in DONE:
            return None
        # A failure logged earlier; this delivery tries again.
        run.attempts = max(run.attempts + 1, attempt)
        run.error = ""
        run.started_at = timezone.now()
    return run


def _looping(rule: Rule, event: DomainEvent, run: Run) -> bool:
    recent = Run.objects.filter(
        rule=rule,
        subject_type=event.subject_type,
        subject_id=event.subject_id,
        status=RunStatus.SUCCEEDED,
        started_at__gte=timezone.now() - LOOP_WINDOW,
    ).exclude(pk=run.pk)
    return recent.count() >= LOOP_LIMIT


def _finish(run: Run, status: str, summary: str) -> None:
    run.status = status
    run.summary = summary[:500]
    run.finished_at = timezone.now()
    run.save()


def run_record_failure(*, rule: Rule, event: DomainEvent, error: str, attempt: int) -> None:
    """Log a run that gave up (its actions were rolled back); a later success wins."""
    with transaction.atomic():
        run, created = Run.objects.select_for_update().get_or_create(
            rule=rule,
            event=event,
            defaults={
                "event_kind": event.kind,
                "subject_type": event.subject_type,
                "subject_id": event.subject_id,
                "status": RunStatus.FAILED,
                "attempts": attempt,
            },
        )
        if not created and run.status in DONE:
            return
        run.status = RunStatus.FAILED
        run.attempts = max(run.attempts, attempt)
        run.error = error[-5000:]
        message = said(
            gettext_noop("Failed: %(error)s"), error=(error.strip().splitlines() or [""])[-1][:400]
        )
        run.summary = message
        run.outcome = [{"summary": str(message), "said": message.as_data()}]
        run.finished_at = timezone.now()
        run.save()
