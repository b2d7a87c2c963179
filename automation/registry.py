"""The whole registry as plain data, for the API and the rule builder's scripts."""

from .actions import ACTIONS
from .conditions import OPERATORS, OPERATORS_BY_TYPE
from .firing import PREVIOUS_VALUES
from .models import Firing
from .triggers import TRIGGERS


def registry_describe() -> dict:
    return {
        # How often a rule acts when a change keeps its conditions true (Rule.fires).
        "firing": {key: str(label) for key, label in Firing.choices},
        "change_triggers": {kind: sorted(fields) for kind, fields in PREVIOUS_VALUES.items()},
        "operators": {key: str(label) for key, label in OPERATORS.items()},
        "operators_by_type": {kind: list(ops) for kind, ops in OPERATORS_BY_TYPE.items()},
        "triggers": [
            {
                "kind": trigger.kind,
                "label": str(trigger.label),
                "subject": trigger.subject,
                "fields": [
                    {"key": f.key, "label": str(f.label), "type": f.type} for f in trigger.fields
                ],
            }
            for trigger in TRIGGERS.values()
        ],
        "actions": [
            {
                "type": action.key,
                "label": str(action.label),
                "subjects": sorted(action.subjects) if action.subjects else None,
                "params": [
                    {
                        "name": p.name,
                        "label": str(p.label),
                        "kind": p.kind,
                        "default": p.default,
                        "when": {p.when[0]: list(p.when[1])} if p.when else None,
                    }
                    for p in action.params
                ],
            }
            for action in ACTIONS.values()
        ],
    }
