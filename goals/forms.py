"""The SMART goal form (one fieldset per letter) and the quota form.

The forms only parse types; the SMART rules live in goals.smart and are applied by the
services, whose errors the view places in the fieldset of their letter.
"""

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from crm.models import Campaign, Pipeline, Role, Team, User
from goals import kpi_source, selectors
from goals.models import Objective, QuotaPeriod, ScopeType

if TYPE_CHECKING:
    from goals.models import Goal

LETTER_FIELDS = {
    "specific": ("title", "plan"),
    "measurable": ("kpi", "scope", "baseline", "target"),
    "achievable": ("resources",),
    "relevant": ("objective", "custom_objective", "parent"),
    "time_bound": ("start_date", "deadline"),
}
LETTER_TITLES = {
    "specific": _("S — Specific: what will change, and how"),
    "measurable": _("M — Measurable: the KPI, its scope, baseline and target"),
    "achievable": _("A — Achievable: the resources behind it"),
    "relevant": _("R — Relevant: the objective it serves"),
    "time_bound": _("T — Time-bound: start and deadline"),
}
MODEL_FIELDS = (
    "title",
    "plan",
    "kpi",
    "baseline",
    "target",
    "resources",
    "objective",
    "custom_objective",
    "parent",
    "start_date",
    "deadline",
    "owner",
)


def unit_hint(unit: str) -> str:
    """How a baseline or target is written for a KPI of this unit; "" when it is a count."""
    if unit == "money":
        return str(_("Amounts in %(currency)s.") % {"currency": settings.GOALPOST_DEFAULT_CURRENCY})
    if unit == "percent":
        return str(_("In percent: 1.5 means 1.5 percent."))
    if unit == "days":
        return str(_("In days."))
    if unit == "hours":
        return str(_("In hours."))
    return ""


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def scope_value(scope_type: str, scope_id) -> str:
    return scope_type if scope_type == ScopeType.COMPANY else f"{scope_type}:{scope_id}"


def scope_choices(user) -> list:
    """Scopes the user may set goals on: a manager any, a rep only themselves."""
    if not user.sees_all_sales:
        return [(scope_value(ScopeType.REP, user.pk), _("Me (%(name)s)") % {"name": user})]
    groups = [
        (ScopeType.TEAM, Team.objects.all()),
        (ScopeType.REP, User.objects.filter(is_active=True, role=Role.REP)),
        (ScopeType.PIPELINE, Pipeline.objects.all()),
        (ScopeType.CAMPAIGN, Campaign.objects.all()),
    ]
    choices: list[tuple[Any, Any]] = [(ScopeType.COMPANY.value, ScopeType.COMPANY.label)]
    for scope_type, rows in groups:
        options = [(scope_value(scope_type, row.pk), str(row)) for row in rows]
        if options:
            choices.append((ScopeType(scope_type).label, options))
    return choices


class GoalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    plan = forms.CharField(
        label=_("Action plan"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "What will you do? e.g. “use the CRM to improve communication between "
            "sales and support”."
        ),
    )
    kpi = forms.ChoiceField(label=_("KPI"), required=False)
    scope = forms.ChoiceField(label=_("Measured on"), required=False)
    baseline = forms.DecimalField(
        label=_("Baseline"),
        required=False,
        max_digits=18,
        decimal_places=4,
        help_text=_("Leave empty to take the KPI's value at the start date."),
    )
    target = forms.DecimalField(label=_("Target"), required=False, max_digits=18, decimal_places=4)
    resources = forms.CharField(
        label=_("Resources"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("People, budget, tools and time that make the goal reachable."),
    )
    objective = forms.ChoiceField(
        label=_("Objective"), required=False, choices=[("", "—"), *Objective.choices]
    )
    custom_objective = forms.CharField(
        label=_("Custom objective"),
        required=False,
        max_length=200,
        help_text=_("Only for a custom objective."),
    )
    parent: "forms.ModelChoiceField[Goal]" = forms.ModelChoiceField(
        label=_("Parent goal"), required=False, queryset=None, empty_label=_("None")
    )
    start_date = forms.DateField(label=_("Start date"), required=False, widget=DateInput())
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=DateInput())
    owner: "forms.ModelChoiceField[User]" = forms.ModelChoiceField(
        label=_("Owner"),
        required=False,
        queryset=None,
        empty_label=_("Default (the rep, or me)"),
        help_text=_("Notified when the goal goes off track."),
    )
    reason = forms.CharField(
        label=_("Why are you changing the goal?"),
        required=False,
        max_length=500,
        help_text=_("Kept in the goal's history with the change."),
    )
    acknowledge_warnings = forms.BooleanField(
        label=_("I have read the warnings; save the goal anyway."), required=False
    )

    def __init__(self, *args, user, goal=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.goal = goal
        catalogue = sorted(kpi_source.kpi_catalogue(), key=lambda k: k.name)
        self.fields["kpi"].choices = [("", "—"), *((k.key, k.name) for k in catalogue)]
        self.fields["scope"].choices = scope_choices(user)
        parents = selectors.goals_visible_to(user)
        if goal is not None:
            parents = parents.exclude(pk=goal.pk)
        self.fields["parent"].queryset = parents
        if user.sees_all_sales:
            self.fields["owner"].queryset = User.objects.filter(is_active=True)
        else:
            del self.fields["owner"]
        if goal is None:
            del self.fields["reason"]

    def clean_scope(self):
        value = self.cleaned_data.get("scope") or ""
        scope_type, _sep, scope_id = value.partition(":")
        return {"scope_type": scope_type or None, "scope_id": int(scope_id) if scope_id else None}

    def service_data(self) -> dict:
        """Keyword arguments for goals.services.goal_create / goal_update."""
        data = {name: self.cleaned_data.get(name) for name in MODEL_FIELDS if name in self.fields}
        data.update(self.cleaned_data["scope"])
        for text in ("title", "plan", "kpi", "resources", "objective", "custom_objective"):
            data[text] = data.get(text) or ""
        return data

    def unit_hints(self) -> dict[str, str]:
        """For each KPI, the unit its baseline and target are written in (shown beside them,
        updated by static/js/goals/form.js when the KPI changes)."""
        hints = {}
        # The kpi field's choices are the list of pairs __init__ sets.
        for key, _label in cast(Any, self.fields["kpi"]).choices:
            info = kpi_source.kpi_info(key) if key else None
            hint = unit_hint(info.unit) if info else ""
            if hint:
                hints[key] = hint
        return hints

    def selected_unit_hint(self) -> str:
        key = self.data.get("kpi") if self.is_bound else self.initial.get("kpi")
        return self.unit_hints().get(key or "", "")

    def fieldsets(self, *, letters=None, warnings=None) -> list[dict]:
        """The five SMART fieldsets in order, each with its letter's errors; achievability
        warnings sit under A."""
        letters = letters or {}
        return [
            {
                "letter": letter,
                "legend": LETTER_TITLES[letter],
                "fields": [self[name] for name in names if name in self.fields],
                "errors": letters.get(letter, []),
                "warnings": (warnings or []) if letter == "achievable" else [],
            }
            for letter, names in LETTER_FIELDS.items()
        ]


class QuotaForm(forms.Form):
    owner = forms.ModelChoiceField(
        label=_("Rep"),
        required=False,
        queryset=User.objects.filter(is_active=True, role=Role.REP),
        empty_label="—",
    )
    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=Team.objects.all(), empty_label="—"
    )
    period = forms.ChoiceField(label=_("Period"), choices=QuotaPeriod.choices)
    start = forms.DateField(
        label=_("Starting"),
        widget=DateInput(),
        help_text=_("Any day of the month or quarter."),
    )
    amount = forms.DecimalField(label=_("Amount"), min_value=0, max_digits=14, decimal_places=2)

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("owner")) == bool(cleaned.get("team")):
            raise forms.ValidationError(_("Choose either one rep or one team."))
        return cleaned
