"""Lead scoring as one SQL expression per contact: attributes + decayed behaviour, capped.

Decay is a half-life applied in weekly steps: behaviour from this week counts fully, from
the week before 0.5^(7/half-life) of it, and so on back to the look-back horizon. Weekly
buckets keep the expression a plain CASE over week numbers and the nightly recompute a
handful of aggregate queries, whatever the number of contacts.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest, Least, Round
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

from .models import RuleKind, ScoringModel, ScoringRule
from .segmenting import _years_ago

MAX_LOOKBACK_DAYS = 730


@dataclass(frozen=True)
class Attribute:
    key: str
    label: object
    choices: list | None = None  # None: free text (occupation) or a range (age)


ATTRIBUTES: dict[str, Attribute] = {
    a.key: a
    for a in (
        Attribute("lifecycle", gettext_lazy("Lifecycle"), Lifecycle.choices),
        Attribute("source", gettext_lazy("Source"), Source.choices),
        Attribute("gender", gettext_lazy("Gender"), Gender.choices),
        Attribute("marital_status", gettext_lazy("Marital status"), MaritalStatus.choices),
        Attribute("income_band", gettext_lazy("Income band"), IncomeBand.choices),
        Attribute("education", gettext_lazy("Education"), Education.choices),
        Attribute("occupation", gettext_lazy("Occupation contains")),
        Attribute("age", gettext_lazy("Age between (e.g. 30-50)")),
        Attribute("has_company", gettext_lazy("Works at a known company"), [("yes", "yes")]),
    )
}
BEHAVIOURS = {
    InteractionKind.WEBSITE_VISIT.value: gettext_lazy("Each website visit"),
    InteractionKind.FORM_SUBMISSION.value: gettext_lazy("Each form submission"),
    InteractionKind.CONTENT_DOWNLOAD.value: gettext_lazy("Each content download"),
    InteractionKind.EMAIL_OPENED.value: gettext_lazy("Each email opened"),
    InteractionKind.EMAIL_REPLIED.value: gettext_lazy("Each email replied"),
    "purchase": gettext_lazy("Each past purchase"),
}
FIELD_CHOICES = [
    (gettext_lazy("Attributes"), [(k, a.label) for k, a in ATTRIBUTES.items()]),
    (gettext_lazy("Behaviour"), list(BEHAVIOURS.items())),
]


def _age_range(value: str) -> tuple[int, int]:
    low, _sep, high = value.partition("-")
    low_i, high_i = int(low), int(high or low)
    if not 0 <= low_i <= high_i <= 150:
        raise ValueError
    return low_i, high_i


def check_scoring_rule(rule: ScoringRule) -> None:
    if rule.kind == RuleKind.BEHAVIOUR:
        if rule.field not in BEHAVIOURS:
            raise ValidationError({"field": _("Choose a behaviour.")})
        rule.value = ""
        return
    attribute = ATTRIBUTES.get(rule.field)
    if attribute is None:
        raise ValidationError({"field": _("Choose an attribute.")})
    rule.value = (rule.value or "").strip()
    if attribute.key == "age":
        try:
            _age_range(rule.value)
        except ValueError:
            raise ValidationError({"value": _("Enter an age range such as 30-50.")}) from None
    elif attribute.choices is not None:
        if rule.value not in {str(v) for v, _label in attribute.choices}:
            allowed = ", ".join(str(v) for v, _label in attribute.choices)
            raise ValidationError({"value": _("Choose one of: %s.") % allowed})
    elif not rule.value:
        raise ValidationError({"value": _("Enter the text to look for.")})


def scoring_model_get() -> ScoringModel:
    model, _created = ScoringModel.objects.get_or_create(pk=1)
    return model


def _attribute_q(rule: ScoringRule, now) -> Q:
    if rule.field == "occupation":
        return Q(occupation__icontains=rule.value)
    if rule.field == "has_company":
        return Q(company__isnull=False)
    if rule.field == "age":
        low, high = _age_range(rule.value)
        today = timezone.localdate(now)
        return Q(birth_date__lte=_years_ago(today, low), birth_date__gt=_years_ago(today, high + 1))
    return Q(**{rule.field: rule.value})


def _decayed_points(rule: ScoringRule, model: ScoringModel, now, date_field: str) -> Case:
    """Points per event of this rule, decayed by the week the event falls in."""
    horizon = min(model.lookback_days, MAX_LOOKBACK_DAYS)
    if not model.half_life_days:
        return Case(
            When(
                **{f"{date_field}__gte": now - timedelta(days=horizon)},
                then=Value(float(rule.points)),
            ),
            default=Value(0.0),
            output_field=FloatField(),
        )
    weeks = -(-horizon // 7)
    whens = [
        When(
            **{f"{date_field}__gte": now - timedelta(days=min(7 * (week + 1), horizon))},
            then=Value(rule.points * 0.5 ** (7 * week / model.half_life_days)),
        )
        for week in range(weeks)
    ]
    return Case(*whens, default=Value(0.0), output_field=FloatField())


def _behaviour_term(rule: ScoringRule, model: ScoringModel, now):
    if rule.field == "purchase":
        rows = Purchase.objects.filter(contact=OuterRef("pk"))
        points = _decayed_points(rule, model, now, "purchased_at")
    else:
        rows = Interaction.objects.filter(contact=OuterRef("pk"), kind=rule.field)
        points = _decayed_points(rule, model, now, "occurred_at")
    total: Coalesce | Least | Greatest = Coalesce(
        Subquery(
            rows.order_by().values("contact").annotate(points=Sum(points)).values("points")[:1],
            output_field=FloatField(),
        ),
        Value(0.0),
    )
    if rule.cap is not None:
        total = (
            Least(total, Value(float(rule.cap)))
            if rule.points >= 0
            else Greatest(total, Value(-float(rule.cap)))
        )
    return total


def _rule_terms(model: ScoringModel, now) -> list[tuple[ScoringRule, object]]:
    terms: list[tuple[ScoringRule, object]] = []
    for rule in ScoringRule.objects.order_by("pk"):
        if rule.kind == RuleKind.ATTRIBUTE:
            term = Case(
                When(_attribute_q(rule, now), then=Value(float(rule.points))),
                default=Value(0.0),
                output_field=FloatField(),
            )
        else:
            term = _behaviour_term(rule, model, now)
        terms.append((rule, term))
    return terms


def _adjustment_term():
    from .models import ContactScore

    return Cast(
        Coalesce(
            Subquery(ContactScore.objects.filter(contact=OuterRef("pk")).values("adjustment")[:1]),
            Value(0),
        ),
        FloatField(),
    )


def score_expression(*, model: ScoringModel | None = None, now=None):
    """The score of each contact as an integer expression over `Contact`: the rules'
    (decayed) points plus the contact's stored adjustment, within 0..max_score."""
    model = model or scoring_model_get()
    now = now or timezone.now()
    total = _adjustment_term()
    for _rule, term in _rule_terms(model, now):
        total = total + term
    clamped = Greatest(Least(total, Value(float(model.max_score))), Value(0.0))
    return Cast(Round(clamped), IntegerField())


def score_explain(*, contact: Contact, model: ScoringModel | None = None, now=None) -> dict:
    """Which rule gave which points (behaviour decayed), the adjustment, and the total.

    Computed with the very expressions the stored score comes from, so the lines add up
    to it (before the 0..max clamp, which is shown when it applies).
    """
    model = model or scoring_model_get()
    now = now or timezone.now()
    terms = _rule_terms(model, now)
    annotations = {f"t{i}": term for i, (_rule, term) in enumerate(terms)}
    annotations["adjustment"] = _adjustment_term()
    annotations["total"] = score_expression(model=model, now=now)
    row = Contact.objects.filter(pk=contact.pk).annotate(**annotations).values(*annotations)[0]
    lines = []
    for i, (rule, _term) in enumerate(terms):
        points = round(row[f"t{i}"], 1)
        if points:
            lines.append(
                {
                    "rule": rule.pk,
                    "label": scoring_rule_label(rule),
                    "points": points,
                    "decayed": rule.kind == RuleKind.BEHAVIOUR and bool(model.half_life_days),
                }
            )
    adjustment = int(row["adjustment"])
    raw = sum(line["points"] for line in lines) + adjustment
    return {
        "score": row["total"],
        "lines": lines,
        "adjustment": adjustment,
        "clamped": round(raw) != row["total"],
        "half_life_days": model.half_life_days,
        "max_score": model.max_score,
    }


def scoring_rule_label(rule: ScoringRule) -> str:
    if rule.kind == RuleKind.BEHAVIOUR:
        return str(BEHAVIOURS.get(rule.field, rule.field))
    attribute = ATTRIBUTES.get(rule.field)
    label = str(attribute.label) if attribute else rule.field
    if attribute and attribute.choices:
        value = {str(k): str(v) for k, v in attribute.choices}.get(rule.value, rule.value)
    else:
        value = rule.value
    return f"{label}: {value}" if rule.field != "has_company" else label


def contacts_with_scores(*, model=None, now=None) -> QuerySet[Any]:  # with computed_score
    return Contact.objects.annotate(computed_score=score_expression(model=model, now=now))
