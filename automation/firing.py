"""Rules fire on a change, not on a state.

A trigger that reports a change (deal value changed, stage changed, lead score changed)
carries the previous value in its payload. Under `Firing.BECOMES_TRUE` a rule whose
conditions test the changed field acts only when the change made the conditions true:
a $600 deal edited to 650 was already "over $500", so it is not called about again.
"""

from .conditions import conditions_met
from .context import RuleContext
from .models import Firing, Rule, Run, RunStatus

# event kind -> {field key: the payload key holding the value before the change}
PREVIOUS_VALUES = {
    "deal.value_changed": {"value": "old_value"},
    "deal.stage_changed": {"stage": "from_stage"},
    "lead.score_changed": {"score": "old_score"},
}


def context_before(ctx: RuleContext) -> RuleContext | None:
    """The context as it was before the change (None when the event is not a change)."""
    mapping = PREVIOUS_VALUES.get(ctx.event.kind)
    if not mapping or any(old not in ctx.payload for old in mapping.values()):
        return None
    before = RuleContext(ctx.event, ctx.subject)
    before.payload = {**ctx.payload, **{key: ctx.payload[old] for key, old in mapping.items()}}
    return before


def held_before(*, rule: Rule, fields: dict, ctx: RuleContext) -> bool:
    """True when the conditions already held before this change (so it made nothing true).

    Only conditions on the changed field can become true through the change; a rule that
    tests other fields only is judged on every change.
    """
    changed = PREVIOUS_VALUES.get(ctx.event.kind, {})
    if not any(c["field"] in changed for c in rule.conditions):
        return False
    before = context_before(ctx)
    if before is None:
        return False
    return conditions_met(fields=fields, match=rule.match, conditions=rule.conditions, ctx=before)


def repeat_reason(*, rule: Rule, fields: dict, ctx: RuleContext, done_subjects=None):
    """Why the rule must not act again here (a message), or None when it should act.

    `done_subjects` is a set of (subject_type, subject_id) the rule already acted on, for
    the dry run's simulation; without it (the engine) a once-per-record rule asks the run
    log, by the (rule, record) index.
    """
    from django.utils.translation import gettext as _

    firing = rule.fires or Firing.BECOMES_TRUE
    if firing == Firing.EVERY_EVENT:
        return None
    if firing == Firing.ONCE_PER_RECORD:
        key = (ctx.event.subject_type, ctx.event.subject_id)
        if done_subjects is not None:
            acted = key in done_subjects
        else:
            acted = (
                Run.objects.filter(
                    rule=rule,
                    subject_type=key[0],
                    subject_id=key[1],
                    status=RunStatus.SUCCEEDED,
                )
                .exclude(event_id=ctx.event.pk)
                .exists()
            )
        return _("Already acted on this record once.") if acted else None
    if held_before(rule=rule, fields=fields, ctx=ctx):
        return _("The conditions already held before this change.")
    return None
