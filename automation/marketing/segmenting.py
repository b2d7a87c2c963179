"""Segment conditions: validation and compilation to one ORM filter (no Python loops).

A condition is {"field": ..., "operator": ..., "value": ...}. Every field maps to one SQL
predicate over contacts (a column comparison or an EXISTS subquery), so an audience of
100,000 contacts is counted by the database in one query.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.models import (
    Contact,
    Education,
    Gender,
    IncomeBand,
    Interaction,
    InteractionKind,
    Lifecycle,
    MaritalStatus,
    Purchase,
    Source,
)

from .models import ContactScore

MAX_CONDITIONS = 20
MAX_AGE = 150

CHOICE, TEXT, NUMBER, TAG, RECENCY, FLAG = "choice", "text", "number", "tag", "recency", "flag"

OPERATORS = {
    "is": gettext_lazy("is"),
    "is_not": gettext_lazy("is not"),
    "contains": gettext_lazy("contains"),
    "gte": gettext_lazy("at least"),
    "lte": gettext_lazy("at most"),
    "has": gettext_lazy("has"),
    "not_has": gettext_lazy("does not have"),
    "within_days": gettext_lazy("in the last N days"),
    "not_within_days": gettext_lazy("not in the last N days"),
}
OPERATORS_BY_TYPE = {
    CHOICE: ("is", "is_not"),
    TEXT: ("contains",),
    NUMBER: ("gte", "lte"),
    TAG: ("has", "not_has"),
    RECENCY: ("within_days", "not_within_days"),
    FLAG: ("is",),
}
YES_NO = [("yes", gettext_lazy("yes")), ("no", gettext_lazy("no"))]


@dataclass(frozen=True)
class SegmentField:
    key: str
    label: object
    type: str
    choices: list | None = None


FIELDS: dict[str, SegmentField] = {
    f.key: f
    for f in (
        SegmentField("tag", gettext_lazy("Tag"), TAG),
        SegmentField("score", gettext_lazy("Lead score"), NUMBER),
        SegmentField("lifecycle", gettext_lazy("Lifecycle"), CHOICE, Lifecycle.choices),
        SegmentField("source", gettext_lazy("Source"), CHOICE, Source.choices),
        SegmentField("age", gettext_lazy("Age"), NUMBER),
        SegmentField("gender", gettext_lazy("Gender"), CHOICE, Gender.choices),
        SegmentField(
            "marital_status", gettext_lazy("Marital status"), CHOICE, MaritalStatus.choices
        ),
        SegmentField("income_band", gettext_lazy("Income band"), CHOICE, IncomeBand.choices),
        SegmentField("education", gettext_lazy("Education"), CHOICE, Education.choices),
        SegmentField("occupation", gettext_lazy("Occupation"), TEXT),
        SegmentField("website_visit", gettext_lazy("Visited the website"), RECENCY),
        SegmentField("form_submission", gettext_lazy("Submitted a form"), RECENCY),
        SegmentField("content_download", gettext_lazy("Downloaded content"), RECENCY),
        SegmentField("email_opened", gettext_lazy("Opened an email"), RECENCY),
        SegmentField("email_replied", gettext_lazy("Replied to an email"), RECENCY),
        SegmentField("purchased", gettext_lazy("Purchased"), RECENCY),
        SegmentField("purchase_count", gettext_lazy("Number of purchases"), NUMBER),
        SegmentField("created", gettext_lazy("Became a contact"), RECENCY),
        SegmentField("opted_out", gettext_lazy("Opted out of email"), FLAG, YES_NO),
    )
}
INTERACTION_FIELDS = {
    "website_visit": InteractionKind.WEBSITE_VISIT,
    "form_submission": InteractionKind.FORM_SUBMISSION,
    "content_download": InteractionKind.CONTENT_DOWNLOAD,
    "email_opened": InteractionKind.EMAIL_OPENED,
    "email_replied": InteractionKind.EMAIL_REPLIED,
}
FIELD_CHOICES = [(f.key, f.label) for f in FIELDS.values()]
OPERATOR_CHOICES = list(OPERATORS.items())


def _check_one(condition) -> tuple[dict, dict]:
    """(normalised condition, errors by key) for one row."""
    if not isinstance(condition, dict):
        return {}, {"field": [_("Each condition must be an object.")]}
    errors: dict[str, list[str]] = {}
    field = FIELDS.get(str(condition.get("field")))
    if field is None:
        return {}, {"field": [_("Choose a field.")]}
    operator = condition.get("operator")
    if operator not in OPERATORS_BY_TYPE[field.type]:
        allowed = ", ".join(str(OPERATORS[o]) for o in OPERATORS_BY_TYPE[field.type])
        errors["operator"] = [_("For this field choose: %s.") % allowed]
    raw = condition.get("value")
    value = "" if raw is None else str(raw).strip()
    if field.type in (NUMBER, RECENCY):
        try:
            number = int(value)
        except ValueError:
            errors["value"] = [_("Enter a whole number.")]
        else:
            if not 0 <= number <= 100_000 or (field.type == RECENCY and number < 1):
                errors["value"] = [_("Enter a number between 1 and 100000.")]
            elif field.key == "age" and number > MAX_AGE:
                # Birth dates N years back must stay after year 1 (date.replace fails).
                errors["value"] = [_("Enter an age between 0 and %(n)s.") % {"n": MAX_AGE}]
            value = str(number)
    elif field.choices is not None:
        if value not in {str(v) for v, _label in field.choices}:
            errors["value"] = [_("Choose one of the listed values.")]
    elif not value or len(value) > 120:
        errors["value"] = [_("Enter a value (at most 120 characters).")]
    elif "\x00" in value:  # PostgreSQL stores no NUL in jsonb: bad input, not a 500
        errors["value"] = [_("Null characters are not allowed.")]
    return {"field": field.key, "operator": operator, "value": value}, errors


def check_segment_conditions(conditions) -> list[dict]:
    """Validate and normalise; raise ValidationError({"conditions": [...]}) naming each row."""
    if conditions in (None, ""):
        return []
    if not isinstance(conditions, list):
        raise ValidationError({"conditions": _("Conditions must be a list.")})
    if len(conditions) > MAX_CONDITIONS:
        raise ValidationError(
            {"conditions": _("At most %(n)s conditions.") % {"n": MAX_CONDITIONS}}
        )
    clean: list[dict[str, Any]] = []
    messages: list[str] = []
    for index, condition in enumerate(conditions, start=1):
        row, errors = _check_one(condition)
        clean.append(row)
        for name, texts in errors.items():
            messages.extend(f"{index}. {name}: {text}" for text in texts)
    if messages:
        raise ValidationError({"conditions": messages})
    return clean


def _years_ago(today: date, years: int) -> date:
    if today.year - years < 1:  # a segment saved before ages were capped
        return date.min
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February in a non-leap year
        return today.replace(year=today.year - years, day=28)


def _condition_q(condition: dict, now) -> Q:
    key, operator, value = condition["field"], condition["operator"], condition["value"]
    negate = operator in ("is_not", "not_has", "not_within_days")
    if key == "tag":
        tagged = Contact.tags.through.objects.filter(
            contact=OuterRef("pk"), tag__name__iexact=value
        )
        q = Q(Exists(tagged))
    elif key == "score":
        score = Coalesce(
            Subquery(ContactScore.objects.filter(contact=OuterRef("pk")).values("score")[:1]), 0
        )
        q = _compare(score, operator, int(value))
    elif key == "age":
        today = timezone.localdate(now)
        years = int(value)
        if operator == "gte":  # at least N years old: born on or before N years ago
            q = Q(birth_date__lte=_years_ago(today, years))
        else:  # at most N: born after N+1 years ago
            q = Q(birth_date__gt=_years_ago(today, years + 1))
    elif key == "occupation":
        q = Q(occupation__icontains=value)
    elif key in INTERACTION_FIELDS:
        since = now - timedelta(days=int(value))
        q = Q(
            Exists(
                Interaction.objects.filter(
                    contact=OuterRef("pk"), kind=INTERACTION_FIELDS[key], occurred_at__gte=since
                )
            )
        )
    elif key == "purchased":
        since = now - timedelta(days=int(value))
        q = Q(Exists(Purchase.objects.filter(contact=OuterRef("pk"), purchased_at__gte=since)))
    elif key == "purchase_count":
        count = Coalesce(
            Subquery(
                Purchase.objects.filter(contact=OuterRef("pk"))
                .order_by()
                .values("contact")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
            0,
        )
        q = _compare(count, operator, int(value))
    elif key == "created":
        q = Q(created_at__gte=now - timedelta(days=int(value)))
    elif key == "opted_out":
        q = Q(opted_out=value == "yes")
    else:  # the choice columns: lifecycle, source, gender, …
        q = Q(**{key: value})
    return ~q if negate else q


def _compare(expression, operator: str, number: int) -> Q:
    from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual

    lookup = GreaterThanOrEqual if operator == "gte" else LessThanOrEqual
    return Q(lookup(expression, number))


def segment_filter(*, match: str, conditions: list[dict], now=None) -> Q:
    """One Q for the whole segment; no conditions means every contact."""
    now = now or timezone.now()
    parts = [_condition_q(c, now) for c in conditions]
    if not parts:
        return Q()
    combined = parts[0]
    for part in parts[1:]:
        combined = (combined | part) if match == "any" else (combined & part)
    return combined


def segment_contacts(*, match: str, conditions: list[dict], now=None) -> QuerySet[Contact]:
    return Contact.objects.filter(segment_filter(match=match, conditions=conditions, now=now))


def segment_describe() -> dict:
    """Fields, their operators and choices, for the editor's scripts and the API."""
    return {
        "fields": [
            {
                "key": f.key,
                "label": str(f.label),
                "type": f.type,
                "operators": [
                    {"key": o, "label": str(OPERATORS[o])} for o in OPERATORS_BY_TYPE[f.type]
                ],
                "choices": [[str(v), str(label)] for v, label in f.choices] if f.choices else None,
            }
            for f in FIELDS.values()
        ]
    }
