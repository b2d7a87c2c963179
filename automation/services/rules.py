from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from automation.models import Rule
from automation.validation import RuleDefinitionError, check_rule_definition
from crm.models import User
from crm.services.audit import audit_deleted
from crm.services.common import model_save

RULE_FIELDS = {"name", "description", "enabled", "fires"}


def _definition(rule: Rule, data: dict[str, Any]) -> None:
    """Validate the definition and store it in its normalised form (numbers as strings…)."""
    clean = check_rule_definition(
        triggers=data.get("triggers", rule.triggers),
        match=data.get("match", rule.match),
        conditions=data.get("conditions", rule.conditions),
        actions=data.get("actions", rule.actions),
    )
    for name, value in clean.items():
        setattr(rule, name, value)
    _reject_nul(rule)


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _reject_nul(rule: Rule) -> None:
    """PostgreSQL stores no NUL character in text or jsonb: refuse it as bad input here
    instead of failing in the INSERT (forms.CharField does the same for Django forms)."""
    keys = ("name", "description", "triggers", "conditions", "actions")
    bad = [key for key in keys if _has_nul(getattr(rule, key))]
    if bad:
        raise RuleDefinitionError({key: [_("Null characters are not allowed.")] for key in bad})


@transaction.atomic
def rule_create(*, actor: User, name: str, **data: Any) -> Rule:
    rule = Rule(name=name, created_by=actor if actor and actor.pk else None)
    for key in RULE_FIELDS & set(data):
        setattr(rule, key, data[key])
    _definition(rule, data)
    return model_save(rule)


@transaction.atomic
def rule_update(*, rule: Rule, actor: User, data: dict[str, Any]) -> Rule:
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    for key in RULE_FIELDS & set(data):
        setattr(rule, key, data[key])
    _definition(rule, data)
    return model_save(rule)


@transaction.atomic
def rule_set_enabled(*, rule: Rule, actor: User, enabled: bool) -> Rule:
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    rule.enabled = enabled
    rule.save(update_fields=["enabled", "updated_at"])
    return rule


@transaction.atomic
def rule_delete(*, rule: Rule, actor: User) -> None:
    audit_deleted(actor=actor, record=rule)
    rule.delete()
