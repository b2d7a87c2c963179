"""Condition operators: which apply to which field type, how values are checked and compared."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from .fields import BOOLEAN, CHOICE, LIST, NUMBER, TEXT, Field

OPERATORS = {
    "eq": _("="),
    "ne": _("≠"),
    "gt": _(">"),
    "gte": _("≥"),
    "lt": _("<"),
    "lte": _("≤"),
    "contains": _("contains"),
    "in": _("is one of"),
}
OPERATOR_CHOICES = list(OPERATORS.items())

OPERATORS_BY_TYPE = {
    NUMBER: ("eq", "ne", "gt", "gte", "lt", "lte", "in"),
    TEXT: ("eq", "ne", "contains", "in"),
    CHOICE: ("eq", "ne", "in"),
    BOOLEAN: ("eq", "ne"),
    LIST: ("contains",),
}


class ConditionValueError(ValueError):
    pass


def _number(raw) -> Decimal:
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ConditionValueError(_("Enter a number.")) from None
    if not value.is_finite():
        raise ConditionValueError(_("Enter a number."))
    return value


def _boolean(raw) -> bool:
    text = str(raw).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ConditionValueError(_("Enter true or false."))


def _split(raw) -> list[str]:
    items = raw if isinstance(raw, list | tuple) else str(raw).split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def normalize_value(field: Field, operator: str, raw):
    """Check a condition's value for its field and operator and return its stored form.

    Numbers are kept as decimal strings, "in" as a list of strings; raises
    ConditionValueError with a message for the user.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise ConditionValueError(_("Enter a value."))
    if operator == "in":
        items = _split(raw)
        if not items:
            raise ConditionValueError(_("Enter one or more values separated by commas."))
        return [_single(field, item) for item in items]
    if isinstance(raw, list | dict):
        raise ConditionValueError(_("Enter a single value."))
    if field.type == LIST:
        return str(raw).strip()
    return _single(field, raw)


def _single(field: Field, raw) -> str:
    if field.type == NUMBER:
        return str(_number(raw))
    if field.type == BOOLEAN:
        return "true" if _boolean(raw) else "false"
    text = str(raw).strip()
    if field.type == CHOICE:
        allowed = dict(field.choice_list())
        if text not in allowed:
            # Let people type the label they see ("Proposal") as well as the key.
            by_label = {label.lower(): key for key, label in allowed.items()}
            if text.lower() not in by_label:
                raise ConditionValueError(
                    _("“%(value)s” is not one of the choices for this field.") % {"value": text}
                )
            text = by_label[text.lower()]
    return text


def evaluate(field: Field, operator: str, expected, actual) -> bool:
    """Compare the record's value with the condition's; a missing value matches nothing
    except ≠ (it is indeed not equal)."""
    if field.type == LIST:
        names = {str(v).lower() for v in actual or []}
        return str(expected).lower() in names
    if actual is None or actual == "":
        return operator == "ne"
    if operator == "in":
        return any(_equal(field, actual, item) for item in expected)
    if operator == "eq":
        return _equal(field, actual, expected)
    if operator == "ne":
        return not _equal(field, actual, expected)
    if operator == "contains":
        return str(expected).lower() in str(actual).lower()
    if field.type != NUMBER:
        return False
    left, right = Decimal(str(actual)), Decimal(str(expected))
    return {
        "gt": left > right,
        "gte": left >= right,
        "lt": left < right,
        "lte": left <= right,
    }[operator]


def _equal(field: Field, actual, expected) -> bool:
    if field.type == NUMBER:
        return Decimal(str(actual)) == Decimal(str(expected))
    if field.type == BOOLEAN:
        return bool(actual) == (expected == "true")
    if field.type == TEXT:
        return str(actual).strip().lower() == str(expected).strip().lower()
    return str(actual) == str(expected)


def conditions_met(*, fields: dict[str, Field], match: str, conditions: list, ctx) -> bool:
    """True when all (or any) of the conditions hold for the context; no conditions → True."""
    if not conditions:
        return True
    results = (
        evaluate(fields[c["field"]], c["operator"], c["value"], fields[c["field"]].get(ctx))
        for c in conditions
        if c["field"] in fields
    )
    return all(results) if match == "all" else any(results)
