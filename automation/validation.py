"""`check_rule_definition`: is a rule's JSON something the engine can run?

Errors come back structured like DRF's ({"conditions": [{}, {"value": ["…"]}]}) so the
API returns them as they are and the rule builder puts each next to its input.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .actions import ACTIONS, SETTABLE_FIELDS
from .conditions import OPERATORS, OPERATORS_BY_TYPE, ConditionValueError, normalize_value
from .models import Match
from .params import ParamError
from .triggers import TRIGGERS, fields_for, subject_of

MAX_CONDITIONS = 20
MAX_ACTIONS = 10


class RuleDefinitionError(ValidationError):
    """A ValidationError that also keeps the per-row structure of the errors."""

    def __init__(self, errors: dict):
        self.structured = errors
        super().__init__(_flatten(errors))


def _flatten(errors: dict) -> dict[str, list[str]]:
    flat: dict[str, list[str]] = {}
    for key, value in errors.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for index, row in enumerate(value, start=1):
                for name, messages in row.items():
                    for message in messages:
                        flat.setdefault(key, []).append(f"{index}. {name}: {message}")
        else:
            flat[key] = [str(m) for m in value]
    return flat


def check_rule_definition(*, triggers, match, conditions, actions) -> dict:
    """Validate and normalise a rule definition; raise RuleDefinitionError listing every
    problem at once."""
    errors: dict = {}
    triggers = _check_triggers(triggers, errors)
    if match not in Match.values:
        errors["match"] = [_("Choose “all” or “any”.")]
    subject = subject_of(triggers) if triggers else None
    fields = fields_for(triggers)
    clean_conditions = _check_conditions(conditions, fields, errors) if triggers else []
    clean_actions = _check_actions(actions, subject, errors)
    if errors:
        raise RuleDefinitionError(errors)
    return {
        "triggers": triggers,
        "match": match,
        "conditions": clean_conditions,
        "actions": clean_actions,
    }


def _check_triggers(triggers, errors) -> list[str]:
    if not isinstance(triggers, list) or not triggers:
        errors["triggers"] = [_("Pick at least one trigger.")]
        return []
    unknown = [t for t in triggers if not isinstance(t, str) or t not in TRIGGERS]
    if unknown:
        errors["triggers"] = [_("Unknown trigger: %s.") % ", ".join(map(str, unknown))]
        return []
    triggers = list(dict.fromkeys(triggers))
    if subject_of(triggers) is None:
        errors["triggers"] = [
            _("All triggers of a rule must concern the same kind of record (e.g. deals).")
        ]
        return []
    return triggers


def _check_conditions(conditions, fields, errors) -> list[dict]:
    if conditions is None:
        return []
    if not isinstance(conditions, list):
        errors["conditions"] = [_("Send a list of conditions.")]
        return []
    if len(conditions) > MAX_CONDITIONS:
        errors["conditions"] = [_("At most %s conditions.") % MAX_CONDITIONS]
        return []
    row_errors, clean = [], []
    for condition in conditions:
        problems: dict[str, list[str]] = {}
        if not isinstance(condition, dict):
            row_errors.append({"field": [_("Send an object with field, operator and value.")]})
            continue
        field = fields.get(condition.get("field"))
        operator = condition.get("operator")
        if field is None:
            problems["field"] = [_("Pick a field this trigger provides.")]
        elif operator not in OPERATORS_BY_TYPE[field.type]:
            allowed = ", ".join(str(OPERATORS[o]) for o in OPERATORS_BY_TYPE[field.type])
            problems["operator"] = [
                _("This field takes the operators %(allowed)s.") % {"allowed": allowed}
            ]
        else:
            try:
                value = normalize_value(field, operator, condition.get("value"))
                clean.append({"field": field.key, "operator": operator, "value": value})
            except ConditionValueError as exc:
                problems["value"] = [str(exc)]
        row_errors.append(problems)
    if any(row_errors):
        errors["conditions"] = row_errors
    return clean


def _check_actions(actions, subject, errors) -> list[dict]:
    if not isinstance(actions, list) or not actions:
        errors["actions"] = [_("Add at least one action.")]
        return []
    if len(actions) > MAX_ACTIONS:
        errors["actions"] = [_("At most %s actions.") % MAX_ACTIONS]
        return []
    row_errors, clean = [], []
    for action in actions:
        problems: dict[str, list[str]] = {}
        if not isinstance(action, dict):
            row_errors.append({"type": [_("Send an object with type and params.")]})
            continue
        action_type = ACTIONS.get(str(action.get("type")))
        raw = action.get("params") or {}
        if action_type is None:
            problems["type"] = [_("Pick an action.")]
        elif not isinstance(raw, dict):
            problems["params"] = [_("Send the parameters as an object.")]
        elif subject and action_type.subjects is not None and subject not in action_type.subjects:
            problems["type"] = [_("This action does not apply to the records of these triggers.")]
        else:
            params = _check_params(action_type, raw, subject, problems)
            if not problems:
                clean.append({"type": action_type.key, "params": params})
        row_errors.append(problems)
    if any(row_errors):
        errors["actions"] = row_errors
    return clean


def _check_params(action_type, raw: dict, subject, problems) -> dict:
    params: dict = {}
    values = {p.name: raw.get(p.name, p.default) for p in action_type.params}
    for param in action_type.params:
        if not param.applies(values):
            continue
        try:
            params[param.name] = param.clean(values[param.name], subject)
        except ParamError as exc:
            problems[param.name] = [str(exc)]
    if problems:
        return params
    if action_type.key == "set_field":
        _label, choices = SETTABLE_FIELDS[subject][params["field"]]
        if params["value"] not in {str(c[0]) for c in choices}:
            problems["value"] = [_("Choose one of: %s.") % ", ".join(str(c[0]) for c in choices)]
    if action_type.key == "change_lead_score" and params["delta"] == 0:
        problems["delta"] = [_("Enter a number of points other than 0.")]
    return params
