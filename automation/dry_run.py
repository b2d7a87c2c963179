"""Try a rule on past events without doing anything: "over the last 30 days this would
have created 42 call tasks and enrolled 17 contacts".

Only reads: conditions are evaluated against the events of the window (every event,
including imported history) and each action says what it would have done.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import ngettext

from crm.models import DomainEvent
from crm.services.outbound_email import contact_looks_mailable

from .actions import ACTIONS
from .conditions import conditions_met
from .context import SUBJECT_QUERYSETS, RuleContext
from .firing import repeat_reason
from .models import Enrollment, EnrollmentStatus, Rule
from .triggers import fields_for

MAX_EVENTS = 10_000
MAX_DAYS = 365


@dataclass
class DryRunReport:
    days: int
    events: int = 0
    matched: int = 0
    truncated: bool = False
    tallies: list[dict] = field(default_factory=list)

    @property
    def summary(self) -> str:
        window = ngettext(
            "Over the last %(days)s day", "Over the last %(days)s days", self.days
        ) % {"days": self.days}
        if not self.tallies:
            return ngettext(
                "%(window)s this rule would not have done anything (%(n)s event checked).",
                "%(window)s this rule would not have done anything (%(n)s events checked).",
                self.events,
            ) % {"window": window, "n": self.events}
        done = ", ".join(t["description"] for t in self.tallies)
        return ngettext(
            "%(window)s this rule would have acted on %(matched)s of %(events)s event: %(done)s.",
            "%(window)s this rule would have acted on %(matched)s of %(events)s events: %(done)s.",
            self.events,
        ) % {"window": window, "matched": self.matched, "events": self.events, "done": done}

    def as_dict(self) -> dict:
        return {
            "days": self.days,
            "events": self.events,
            "matched": self.matched,
            "truncated": self.truncated,
            "actions": self.tallies,
            "summary": self.summary,
        }


class Simulation:
    """What the dry run has 'done' so far, so the same contact is not enrolled twice."""

    def __init__(self, campaign_ids: set[int]):
        # Records the simulated rule acted on, for "only once per record".
        self.acted_on: set[tuple[str, int]] = set()
        self.enrolled = set(
            Enrollment.objects.filter(
                campaign_id__in=campaign_ids, status=EnrollmentStatus.ACTIVE
            ).values_list("campaign_id", "contact_id")
        )


def _campaign_ids(rule: Rule) -> set[int]:
    return {a["params"]["campaign"] for a in rule.actions if a["type"] == "enroll_in_campaign"}


def _contexts(events: list[DomainEvent]):
    by_type: dict[str, set[int]] = {}
    for event in events:
        by_type.setdefault(event.subject_type, set()).add(event.subject_id)
    subjects = {
        subject_type: SUBJECT_QUERYSETS[subject_type]().in_bulk(ids)
        for subject_type, ids in by_type.items()
        if subject_type in SUBJECT_QUERYSETS
    }
    for event in events:
        yield RuleContext(event, subjects.get(event.subject_type, {}).get(event.subject_id))


def rule_dry_run(*, rule: Rule, days: int, now=None) -> DryRunReport:
    days = max(1, min(int(days), MAX_DAYS))
    since = (now or timezone.now()) - timedelta(days=days)
    events = list(
        DomainEvent.objects.filter(kind__in=rule.triggers, occurred_at__gte=since).order_by(
            "occurred_at", "pk"
        )[: MAX_EVENTS + 1]
    )
    report = DryRunReport(days=days, truncated=len(events) > MAX_EVENTS)
    events = events[:MAX_EVENTS]
    report.events = len(events)
    fields = fields_for(rule.triggers)
    simulation = Simulation(_campaign_ids(rule))
    counts: Counter = Counter()
    phrases: dict = {}
    for ctx in _contexts(events):
        if ctx.subject is None:
            continue
        if not conditions_met(fields=fields, match=rule.match, conditions=rule.conditions, ctx=ctx):
            continue
        if repeat_reason(rule=rule, fields=fields, ctx=ctx, done_subjects=simulation.acted_on):
            continue
        simulation.acted_on.add((ctx.event.subject_type, ctx.event.subject_id))
        report.matched += 1
        for action in rule.actions:
            preview = _preview(action, ctx, simulation)
            if preview is not None:
                key, phrase = preview
                counts[key] += 1
                phrases[key] = phrase
    report.tallies = [
        {"key": key, "count": count, "description": phrases[key](count)}
        for key, count in counts.items()
    ]
    return report


def _preview(action: dict, ctx, simulation: Simulation):
    params = action["params"]
    if action["type"] == "enroll_in_campaign":
        contact = ctx.contact
        if not contact_looks_mailable(contact):
            return None
        pair = (params["campaign"], contact.pk)
        if pair in simulation.enrolled:
            return None
        simulation.enrolled.add(pair)
    return ACTIONS[action["type"]].preview(ctx, params)
