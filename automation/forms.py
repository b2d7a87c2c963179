"""The rule builder's form: rows of conditions and actions whose choices follow the trigger.

Rows are dynamic (their fields depend on the trigger, the chosen field and the action
type), so the builder reads and renders them itself from the registries instead of
stacking Django formsets; validation is the one `check_rule_definition` the API uses.
"""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm.limits import date_in_range

from .actions import ACTIONS, action_choices
from .conditions import OPERATOR_CHOICES, OPERATORS_BY_TYPE
from .fields import CHOICE
from .models import Firing, Match, Rule
from .params import CAMPAIGN, INT, LONGTEXT, TEAM, USER, USERS
from .triggers import TRIGGER_CHOICES, fields_for, subject_of

MAX_ROWS = 20


class RuleBuilder:
    """The state of the rule builder page, from a saved rule or from a submitted form."""

    def __init__(self, *, name="", description="", enabled=True, triggers=(), match="all",
                 conditions=(), actions=(), errors=None,
                 fires=Firing.BECOMES_TRUE):  # fmt: skip
        self.name = name
        self.description = description
        self.enabled = enabled
        self.triggers = list(triggers)
        self.match = match
        self.fires = fires
        self.conditions = list(conditions)
        self.actions = list(actions)
        self.errors = errors or {}
        self.failed = bool(self.errors)

    @classmethod
    def from_rule(cls, rule: Rule) -> "RuleBuilder":
        # A shipped rule opens in the editor's language, as the list shows it (`shipped`).
        return cls(
            name=gettext(rule.name),
            description=gettext(rule.description) if rule.description else "",
            enabled=rule.enabled,
            triggers=rule.triggers,
            match=rule.match,
            fires=rule.fires,
            conditions=[
                {
                    **c,
                    "value": ", ".join(c["value"]) if isinstance(c["value"], list) else c["value"],
                }
                for c in rule.conditions
            ],
            actions=rule.actions,
        )

    @classmethod
    def from_post(cls, data) -> "RuleBuilder":
        conditions = []
        for i in range(_count(data, "condition_count")):
            row = {k: data.get(f"c{i}-{k}", "").strip() for k in ("field", "operator", "value")}
            conditions.append(row)
        actions = []
        for i in range(_count(data, "action_count")):
            action_type = data.get(f"a{i}-type", "")
            params = {}
            for param in ACTIONS[action_type].params if action_type in ACTIONS else ():
                key = f"a{i}-{param.name}"
                params[param.name] = data.getlist(key) if param.kind == USERS else data.get(key, "")
            actions.append({"type": action_type, "params": params})
        return cls(
            name=data.get("name", "").strip(),
            description=data.get("description", "").strip(),
            enabled=data.get("enabled") == "on",
            triggers=data.getlist("triggers"),
            match=data.get("match", "all"),
            fires=data.get("fires", Firing.BECOMES_TRUE),
            conditions=conditions,
            actions=actions,
        )

    def apply(self, op: str) -> None:
        """Add, remove or move rows (buttons that re-render the form without saving)."""
        verb, _sep, number = op.partition(":")
        index = int(number) if number.isdigit() else -1
        if verb == "add_condition" and len(self.conditions) < MAX_ROWS:
            self.conditions.append({"field": "", "operator": "", "value": ""})
        elif verb == "add_action" and len(self.actions) < MAX_ROWS:
            self.actions.append({"type": "", "params": {}})
        elif verb == "remove_condition" and 0 <= index < len(self.conditions):
            del self.conditions[index]
        elif verb == "remove_action" and 0 <= index < len(self.actions):
            del self.actions[index]
        elif verb == "action_up" and 0 < index < len(self.actions):
            self.actions[index - 1], self.actions[index] = (
                self.actions[index],
                self.actions[index - 1],
            )

    def definition(self) -> dict:
        """What goes to the services: blank rows (no field / no action type) left out."""
        return {
            "name": self.name,
            "description": self.description,
            "enabled": self.enabled,
            "triggers": self.triggers,
            "match": self.match,
            "fires": self.fires,
            "conditions": [c for c in self.conditions if c.get("field")],
            "actions": [a for a in self.actions if a.get("type")],
        }

    def set_errors(self, structured: dict) -> None:
        """Spread the service's errors over the rows they belong to (blank rows skipped)."""
        self.failed = True
        errors = dict(structured)
        if not self.name:
            errors.setdefault("name", [_("Give the rule a name.")])
        for key, rows in (("conditions", self.conditions), ("actions", self.actions)):
            value = errors.get(key)
            if isinstance(value, list) and value and isinstance(value[0], dict):
                kept = [r for r in rows if r.get("field" if key == "conditions" else "type")]
                for row, row_errors in zip(kept, value, strict=False):
                    row["errors"] = row_errors
                errors.pop(key)
        self.errors = errors

    # --- What the template renders ----------------------------------------------------

    def context(self) -> dict:
        fields = fields_for(self.triggers)
        subject = subject_of(self.triggers)
        return {
            "builder": self,
            "trigger_options": [
                {"value": k, "label": label, "checked": k in self.triggers}
                for k, label in TRIGGER_CHOICES
            ],
            "match_options": Match.choices,
            "firing_options": Firing.choices,
            "field_options": [(f.key, f.label) for f in fields.values()],
            "condition_rows": [self._condition_row(c, fields) for c in self.conditions],
            "action_options": action_choices(),
            "action_rows": [self._action_row(a, subject) for a in self.actions],
            "condition_count": len(self.conditions),
            "action_count": len(self.actions),
        }

    @staticmethod
    def _condition_row(condition: dict, fields: dict) -> dict:
        field = fields.get(condition.get("field"))
        allowed = OPERATORS_BY_TYPE[field.type] if field else [k for k, _l in OPERATOR_CHOICES]
        value = condition.get("value", "")
        return {
            "field": condition.get("field", ""),
            "operator": condition.get("operator", ""),
            "value": ", ".join(map(str, value)) if isinstance(value, list) else value,
            "operators": [(k, label) for k, label in OPERATOR_CHOICES if k in allowed],
            "value_choices": field.choice_list() if field and field.type == CHOICE else [],
            "errors": condition.get("errors", {}),
            "unknown_field": bool(condition.get("field")) and field is None,
        }

    @staticmethod
    def _action_row(action: dict, subject) -> dict:
        action_type = ACTIONS.get(str(action.get("type")))
        params = action.get("params") or {}
        errors = action.get("errors", {})
        inputs = []
        if action_type is not None:
            values = {p.name: params.get(p.name, p.default) for p in action_type.params}
            for param in action_type.params:
                value = values[param.name]
                inputs.append(
                    {
                        "name": param.name,
                        "label": param.label,
                        "help": param.help,
                        "widget": _widget(param.kind),
                        "value": "" if value is None else value,
                        "selected": {str(v) for v in value}
                        if isinstance(value, list)
                        else {str(value)},
                        "choices": param.choice_list(subject)
                        if _widget(param.kind) in ("select", "multi")
                        else [],
                        "when": param.when,
                        "shown": param.applies(values),
                        "errors": errors.get(param.name, []),
                    }
                )
        return {
            "type": action.get("type", ""),
            "inputs": inputs,
            "type_errors": errors.get("type", []) + errors.get("params", []),
        }


def _widget(kind: str) -> str:
    if kind in (USER, TEAM, CAMPAIGN) or kind == "choice":
        return "select"
    if kind == USERS:
        return "multi"
    if kind == LONGTEXT:
        return "textarea"
    if kind == INT:
        return "number"
    return "text"


def _count(data, key) -> int:
    try:
        return max(0, min(int(data.get(key, 0)), MAX_ROWS))
    except (TypeError, ValueError):
        return 0


class RunFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    since = forms.DateField(
        validators=[date_in_range],
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = forms.DateField(
        validators=[date_in_range],
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, **kwargs):
        from .models import RunStatus

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any status")), *RunStatus.choices]


class DryRunForm(forms.Form):
    days = forms.IntegerField(label=_("Past days"), min_value=1, max_value=365, initial=30)


def rule_summary(rule: Rule) -> dict:
    """The rule in words for its page: trigger labels, conditions, actions with params."""
    from .conditions import OPERATORS
    from .triggers import TRIGGERS

    fields = fields_for(rule.triggers)
    subject = subject_of(rule.triggers)
    conditions = []
    for c in rule.conditions:
        field = fields.get(c["field"])
        labels = dict(field.choice_list()) if field and field.type == CHOICE else {}
        values = c["value"] if isinstance(c["value"], list) else [c["value"]]
        shown = ", ".join(labels.get(str(v), str(v)) for v in values)
        conditions.append(
            f"{field.label if field else c['field']} {OPERATORS.get(c['operator'], '?')} {shown}"
        )
    actions = []
    for a in rule.actions:
        action_type = ACTIONS.get(a["type"])
        if action_type is None:
            continue
        parts = []
        for param in action_type.params:
            if not param.applies(a["params"]) or param.name not in a["params"]:
                continue
            value = a["params"][param.name]
            choices = dict(param.choice_list(subject)) if _widget(param.kind) != "text" else {}
            values = value if isinstance(value, list) else [value]
            parts.append(
                f"{param.label}: " + ", ".join(choices.get(str(v), str(v)) for v in values)
            )
        actions.append({"label": action_type.label, "params": parts})
    return {
        "triggers": [TRIGGERS[t].label for t in rule.triggers if t in TRIGGERS],
        "match": rule.get_match_display(),
        "fires": rule.get_fires_display(),
        "conditions": conditions,
        "actions": actions,
    }
