"""Running rules for a domain event, at most once per (rule, event).

`event_handle` is what the Celery task calls. It reads the event in one statement with
the rules table's version (so the per-process rule cache of `automation.rulebook` costs
no query) and the run history it needs, then the event's record with its related rows,
both compiled once per process (`crm.prepared`); every rule is then judged on that one
context. A rule that acts runs in its own short transaction holding its `Run` row and
its actions; the row's unique (rule, event) key is what makes retries, redeliveries
after a worker crash and the outbox sweep harmless. Rules that do not act are written in
one statement at the end.
"""

import logging
import traceback
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, Q, QuerySet
from django.db.models.functions import JSONObject, Now
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm.models import DomainEvent
from crm.prepared import Prepared
from crm.services.events import event_handled, event_handled_record

from .actions import ACTIONS, ActionError
from .conditions import conditions_met
from .context import RuleContext
from .firing import repeat_reason
from .models import Rule, Run, RunStatus
from .rulebook import enabled_rules, rules_version
from .said import said, said_data
from .triggers import fields_for

logger = logging.getLogger(__name__)

# A rule whose actions re-trigger it (score change → change score) stops after this many
# runs on the same record within LOOP_WINDOW.
LOOP_LIMIT = 20
# The Celery task name this handler is configured and recorded under (automation.tasks).
HANDLER_TASK = "automation.tasks.handle_domain_event_task"
LOOP_WINDOW = timedelta(minutes=10)
DONE = (RunStatus.SUCCEEDED, RunStatus.SKIPPED)


class _AlreadyClaimed(Exception):
    """Another delivery of the event wrote the run row first (rolls back the attempt)."""


@dataclass(frozen=True)
class RuleHistory:
    """What the run log says about one rule for this event and its record."""

    status_here: str | None = None  # this event's run, if any
    acted_recently: int = 0  # successful runs on the record for other events, in LOOP_WINDOW


def event_handle(*, event_id: int, attempt: int = 1, final_attempt: bool = False) -> None:
    """Evaluate every enabled rule for the event, then record that this handler processed
    it (its `DomainEventReceipt`, with the skipped rules' runs in one transaction).

    A rule that raises is rolled back whole; the first error is re-raised so the task
    retries (no receipt: the outbox sweep hands the event over again), and rules that
    already ran are skipped on the retry. On the final attempt the failure is written to
    the run log instead and the event counts as processed. A delivery of an event this
    handler already recorded stops after its one read.
    Queries for a deal.created event: 2 reads, then per acting rule its actions' writes
    and its run row's insert, then the skipped rules' runs and the receipt.
    """
    event = _EVENT.first(event_id)
    # The receipt says this handler is done; the run rows below still make a concurrent
    # second delivery harmless.
    if event is None or not event.automate or event.handled:
        return
    rules = enabled_rules(event.kind, version=event.rules_version)
    skipped, first_error = _rules_run(event, rules, attempt=attempt, final_attempt=final_attempt)
    if first_error is not None:
        Run.objects.bulk_create(skipped, ignore_conflicts=True)
        raise first_error
    with transaction.atomic():
        # A concurrent delivery that wrote one of these rows first keeps its row.
        Run.objects.bulk_create(skipped, ignore_conflicts=True)
        event_mark_processed(event=event)


def _rules_run(event, rules, *, attempt, final_attempt) -> tuple[list[Run], Exception | None]:
    """Run the rules that act; return the unsaved runs of those that do not, and the
    first retryable error."""
    if not rules:
        return [], None
    history = _history(event.pk, event.runs)
    # Read when the first rule still to judge needs it: a redelivery reads no record.
    ctx, stale = None, True
    skipped, first_error = [], None
    for rule in rules:
        past = history.get(rule.pk, RuleHistory())
        if past.status_here in DONE:
            continue
        if stale:
            # First use, or the rule before wrote to the record (or failed after changing
            # it in memory).
            ctx, stale = RuleContext.for_event(event), False
        assert ctx is not None  # stale starts True, so the first rule reads it
        fields = fields_for(rule.triggers)
        reason = _skip_reason(rule=rule, fields=fields, ctx=ctx, past=past)
        if reason is not None and past.status_here is None:
            skipped.append(_run_row(rule, event, attempt, status=RunStatus.SKIPPED, summary=reason))
            continue
        try:
            rule_run(rule=rule, event=event, ctx=ctx, reason=reason, attempt=attempt, past=past)
            stale = reason is None and _changes_records(rule)
        except ActionError as exc:
            # Permanent (a deleted campaign, an empty pool): retrying cannot help.
            run_record_failure(rule=rule, event=event, error=str(exc), attempt=attempt)
            stale = True
        except Exception as exc:
            if final_attempt:
                run_record_failure(
                    rule=rule, event=event, error=traceback.format_exc(), attempt=attempt
                )
            else:
                logger.warning("Rule %s failed on event %s: %s", rule.pk, event.pk, exc)
                first_error = first_error or exc
            stale = True
    return skipped, first_error


def _changes_records(rule: Rule) -> bool:
    return any(ACTIONS[action["type"]].changes_records for action in rule.actions)


def _event_read(event_id: int) -> QuerySet[DomainEvent]:
    """The event with the rules table's version, whether this handler is done with it, and
    `runs`: its own runs and the record's successes within LOOP_WINDOW (see `_history`),
    read by the (event) index and the recent entries of the (record, started_at) one.
    """
    recent_on_record = Q(
        subject_type=OuterRef("subject_type"),
        subject_id=OuterRef("subject_id"),
        status=RunStatus.SUCCEEDED,
        started_at__gte=Now() - LOOP_WINDOW,
    )
    runs = Run.objects.filter(Q(event_id=OuterRef("pk")) | recent_on_record)
    run_json = JSONObject(rule="rule_id", event="event_id", status="status")
    return (
        DomainEvent.objects.annotate(
            rules_version=rules_version(),
            handled=event_handled(handler=HANDLER_TASK),
            runs=ArraySubquery(runs.values(json=run_json).order_by()),
        )
        .filter(pk=event_id)
        .order_by()
    )


# Compiled once per process: the SQL of this read is the same for every event.
_EVENT = Prepared(_event_read, int)


def _history(event_id: int, runs: list[dict[str, Any]]) -> dict[int, RuleHistory]:
    """Per rule id, from the runs the event's read brought along (`_event_read`)."""
    history: dict[int, RuleHistory] = {}
    for run in runs:
        past = history.get(run["rule"], RuleHistory())
        if run["event"] == event_id:
            past = replace(past, status_here=run["status"])
        else:  # a recent success on the record, for another event
            past = replace(past, acted_recently=past.acted_recently + 1)
        history[run["rule"]] = past
    return history


def _skip_reason(*, rule: Rule, fields: dict, ctx: RuleContext, past: RuleHistory) -> str | None:
    """Why the rule does not act on this event (its run's summary), or None when it acts."""
    if ctx.subject is None:
        return _("The record no longer exists.")
    if not conditions_met(fields=fields, match=rule.match, conditions=rule.conditions, ctx=ctx):
        return _("Conditions not met.")
    # A once-per-record rule about to act asks the run log (its one index lookup).
    repeat = repeat_reason(rule=rule, fields=fields, ctx=ctx)
    if repeat is not None:
        return repeat
    if past.acted_recently >= LOOP_LIMIT:
        return _("Stopped: the rule keeps re-triggering itself.")
    return None


def event_mark_processed(*, event: DomainEvent) -> None:
    """Record this handler's receipt for the event (one INSERT; other handlers keep their
    own, so this never marks their work done)."""
    event_handled_record(event_id=event.pk, handler=HANDLER_TASK)


def _after_actions(run: Run) -> None:
    """A seam between the actions and the run row's final save (tests inject crashes)."""


def rule_run(
    *,
    rule: Rule,
    event: DomainEvent,
    ctx: RuleContext,
    reason: str | None = None,
    attempt: int = 1,
    past: RuleHistory | None = None,
) -> Run | None:
    """Write the rule's run for the event and, when `reason` is None, run its actions, in
    one transaction; `reason` (why it does not act) becomes a skipped run's summary.

    Returns the run, or None when an earlier delivery already did the work. A first
    delivery inserts its row (after the actions when none of them links to it, so the
    row is written once); one that finds a row (an earlier failure, or a concurrent
    delivery that got there first) locks it instead.
    """
    fresh = past is not None and past.status_here is None
    if fresh:
        try:
            return _rule_run_once(rule, event, ctx, reason, attempt, fresh=True)
        except _AlreadyClaimed:
            pass
    return _rule_run_once(rule, event, ctx, reason, attempt, fresh=False)


def _rule_run_once(rule, event, ctx, reason, attempt, *, fresh: bool) -> Run | None:
    with transaction.atomic():
        if not fresh:
            run = _claim(rule, event, attempt)
        elif _links_to_run(rule):
            run = _insert_claim(_run_row(rule, event, attempt, status=RunStatus.SKIPPED))
        else:
            run = _run_row(rule, event, attempt, status=RunStatus.SKIPPED)  # saved by _finish
        if run is None:
            return None
        if reason is not None:
            _finish(run, RunStatus.SKIPPED, reason)
            return run
        outcome, hooks_before = [], len(connection.run_on_commit)
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
        if len(connection.run_on_commit) == hooks_before:
            _commit_without_waiting_if_redone_safely(rule)
        run.outcome = outcome
        _finish(run, RunStatus.SUCCEEDED, "; ".join(o["summary"] for o in outcome))
        return run


def _commit_without_waiting_if_redone_safely(rule: Rule) -> None:
    """Let the run's commit return before PostgreSQL has flushed it to disk (some ms of a
    busy machine's fsync) when losing it in a crash is harmless.

    A lost commit loses the run row and the actions' rows together, and this handler's
    receipt for the event, written after it by a synchronous commit that flushes the log up
    to and past this one, with them: the outbox sweep sends the event again and the rule
    acts as if for the first time. That is only harmless when nothing left the database: the
    rule's actions declare no outside effect and (the caller checks) none handed work
    over after commit: a Celery task could send an email from rows that then vanish.
    """
    if any(ACTIONS[action["type"]].effects_outside for action in rule.actions):
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")


def _run_row(rule: Rule, event: DomainEvent, attempt: int, *, status: str, summary="") -> Run:
    return Run(
        rule=rule,
        event=event,
        event_kind=event.kind,
        subject_type=event.subject_type,
        subject_id=event.subject_id,
        status=status,
        summary=summary[:500],
        attempts=attempt,
        finished_at=timezone.now() if summary else None,
    )


def _links_to_run(rule: Rule) -> bool:
    return any(ACTIONS[action["type"]].links_to_run for action in rule.actions)


def _insert_claim(run: Run) -> Run:
    """Insert a first delivery's run row (one statement, no savepoint).

    A concurrent delivery's uncommitted row makes the insert wait for it; the unique key
    then fails it and the caller's transaction rolls back with the actions, if any
    (`_AlreadyClaimed`).
    """
    try:
        run.save(force_insert=True)
    except IntegrityError:
        raise _AlreadyClaimed from None
    return run


def _claim(rule: Rule, event: DomainEvent, attempt: int) -> Run | None:
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


def _finish(run: Run, status: str, summary: str) -> None:
    run.status = status
    run.summary = summary[:500]
    run.finished_at = timezone.now()
    if run.pk is None:
        _insert_claim(run)
    else:
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
