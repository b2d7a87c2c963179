"""Database constraint violations as sentences naming the fields in conflict.

Services validate with `full_clean`, so most conflicts are caught as field errors first;
what still reaches the database (a race, a constraint Django cannot check in Python) is
mapped here from the constraint PostgreSQL names back to the model fields it covers.
"""

import re
from functools import cache

from django.apps import apps
from django.db import IntegrityError
from django.db.models import F, Q
from django.utils.text import capfirst
from django.utils.translation import gettext as _

_KEY_COLUMNS = re.compile(r"Key \(([^)]*)\)=")


def _q_fields(node) -> list[str]:
    names = []
    for child in getattr(node, "children", []):
        if isinstance(child, Q):
            names += _q_fields(child)
        elif isinstance(child, tuple) and len(child) == 2:
            names.append(child[0].split("__")[0])
            if isinstance(child[1], F):
                names.append(child[1].name.split("__")[0])  # type: ignore[attr-defined]  # F.name: not in the stubs
    return names


@cache
def _by_name() -> dict[str, tuple]:
    """constraint name -> (model, field names, message or None)."""
    found = {}
    for model in apps.get_models():
        table = model._meta.db_table
        for constraint in model._meta.constraints:
            fields = list(getattr(constraint, "fields", ()) or ())
            condition = getattr(constraint, "condition", None)
            if not fields and condition is not None:
                fields = _q_fields(condition)
            custom = getattr(constraint, "violation_error_message", None)
            default = getattr(type(constraint), "default_violation_error_message", None)
            message = str(custom) if custom and custom != default else None
            found[constraint.name] = (model, list(dict.fromkeys(fields)), message)
        for field in model._meta.concrete_fields:
            if field.unique and not field.primary_key:
                found[f"{table}_{field.column}_key"] = (model, [field.name], None)
    return found


def _field_for_column(model, column: str) -> str:
    for field in model._meta.concrete_fields:
        if field.column == column:
            return field.name
    return column


def _label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:
        return name


def constraint_error(exc: IntegrityError) -> dict[str, list[str]]:
    """`{field: [sentence]}` for the fields the violated constraint covers (or
    `{"__all__": [...]}` when they cannot be told)."""
    diag = getattr(exc.__cause__, "diag", None)
    name = getattr(diag, "constraint_name", None) or ""
    table = getattr(diag, "table_name", None) or ""
    detail = getattr(diag, "message_detail", None) or ""
    model, fields, message = _by_name().get(name, (None, [], None))
    if model is None and table:
        model = next((m for m in apps.get_models() if m._meta.db_table == table), None)
    if not fields and model is not None:
        match = _KEY_COLUMNS.search(detail)
        if match:
            fields = [_field_for_column(model, c.strip()) for c in match.group(1).split(",")]
    if not fields:
        return {"__all__": [_("The change conflicts with existing data.")]}
    labels = ", ".join(_label(model, f) for f in fields)
    if getattr(exc.__cause__, "sqlstate", "") == "23503":  # foreign key violation
        sentence = _("%(fields)s: the record it refers to does not exist (any more).")
    elif message:
        sentence = "%(fields)s: " + message
    elif len(fields) > 1 and "Key (" in detail:
        sentence = _("%(fields)s: this combination is already taken.")
    elif "Key (" in detail:
        sentence = _("%(fields)s: this value is already taken.")
    else:
        sentence = _("%(fields)s: these values conflict with each other or with existing data.")
    text = sentence % {"fields": capfirst(labels)}
    return {field: [text] for field in fields}
