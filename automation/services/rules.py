from django.db import transaction

from automation.models import Rule
from automation.validation import check_rule_definition
from crm.services.common import model_save

RULE_FIELDS = {"name", "description", "enabled"}


def _definition(rule: Rule, data: dict) -> None:
    """Validate the definition and store it in its normalised form (numbers as strings…)."""
    clean = check_rule_definition(
        triggers=data.get("triggers", rule.triggers),
        match=data.get("match", rule.match),
        conditions=data.get("conditions", rule.conditions),
        actions=data.get("actions", rule.actions),
    )
    for name, value in clean.items():
        setattr(rule, name, value)


@transaction.atomic
def rule_create(*, actor, name: str, **data) -> Rule:
    rule = Rule(name=name, created_by=actor if actor and actor.pk else None)
    for key in RULE_FIELDS & set(data):
        setattr(rule, key, data[key])
    _definition(rule, data)
    return model_save(rule)


@transaction.atomic
def rule_update(*, rule: Rule, actor, data: dict) -> Rule:
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    for key in RULE_FIELDS & set(data):
        setattr(rule, key, data[key])
    _definition(rule, data)
    return model_save(rule)


@transaction.atomic
def rule_set_enabled(*, rule: Rule, actor, enabled: bool) -> Rule:
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    rule.enabled = enabled
    rule.save(update_fields=["enabled", "updated_at"])
    return rule


@transaction.atomic
def rule_delete(*, rule: Rule, actor) -> None:
    rule.delete()
