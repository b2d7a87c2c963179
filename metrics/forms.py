"""The period and scope pickers of the dashboard and the reports."""

from datetime import date

from dateutil.relativedelta import relativedelta
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.limits import MAX_DATE, MIN_DATE
from crm.models import Campaign, Pipeline, Role, Team, User
from crm.policies import own_figures_only, sees_everyones_figures
from metrics.scopes import Period, Scope, ScopeType

EARLIEST, LATEST = MIN_DATE, MAX_DATE


class PeriodKind:
    MONTH, QUARTER, YEAR, CUSTOM = "month", "quarter", "year", "custom"
    CHOICES = [
        (MONTH, _("This month")),
        (QUARTER, _("This quarter")),
        (YEAR, _("This year")),
        (CUSTOM, _("Custom")),
    ]


def current_period(kind: str, today: date | None = None) -> Period:
    today = today or timezone.localdate()
    if kind == PeriodKind.YEAR:
        start = today.replace(month=1, day=1)
        return Period(start, start + relativedelta(years=1))
    if kind == PeriodKind.QUARTER:
        start = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
        return Period(start, start + relativedelta(months=3))
    start = today.replace(day=1)
    return Period(start, start + relativedelta(months=1))


class PeriodForm(forms.Form):
    period = forms.ChoiceField(
        label=_("Period"), choices=PeriodKind.CHOICES, required=False, initial=PeriodKind.MONTH
    )
    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=_("To (excluded)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self):
        data = super().clean()
        kind = data.get("period") or PeriodKind.MONTH
        if kind != PeriodKind.CUSTOM:
            data["range"] = current_period(kind)
            return data
        start, end = data.get("start"), data.get("end")
        if start is None:
            self.add_error("start", _("Pick the first day of the period."))
        if end is None:
            self.add_error("end", _("Pick the day after the period."))
        if start and end:
            if not (EARLIEST <= start <= LATEST and EARLIEST <= end <= LATEST):
                self.add_error("start", _("Pick dates between 1900 and 2999."))
            elif end <= start:
                self.add_error("end", _("The end must be after the start."))
            else:
                data["range"] = Period(start, end)
        return data

    def period_or_default(self) -> Period:
        """The chosen period; this month when none is chosen or its dates are wrong. A
        wrong value in another field (a scope the user may not see) keeps the period, so
        the figures are always those of the period the form shows."""
        if self.is_bound:
            self.is_valid()
            if "range" in self.cleaned_data:
                return self.cleaned_data["range"]
        return current_period(PeriodKind.MONTH)


def scope_choices(user) -> list:
    """`<type>:<id>` options grouped by kind; a rep gets only their own, marketing and
    support no other person's or team's (metrics.selectors.scope_for_user)."""
    if own_figures_only(user):
        return [(f"{ScopeType.OWNER}:{user.pk}", _("My figures"))]
    people = []
    if sees_everyones_figures(user):
        reps = User.objects.filter(role=Role.REP, is_active=True).order_by("username")
        people = [
            (_("Teams"), [(f"team:{t.pk}", t.name) for t in Team.objects.order_by("name")]),
            (_("Reps"), [(f"owner:{u.pk}", str(u)) for u in reps]),
        ]
    return [
        (ScopeType.COMPANY, _("Whole company")),
        *people,
        (_("Pipelines"), [(f"pipeline:{p.pk}", p.name) for p in Pipeline.objects.all()]),
        (_("Campaigns"), [(f"campaign:{c.pk}", str(c)) for c in Campaign.objects.all()]),
    ]


def parse_scope(value: str) -> Scope:
    if value == ScopeType.COMPANY:
        return Scope.company()
    kind, _sep, pk = value.partition(":")
    return Scope(kind, int(pk))


class DashboardForm(PeriodForm):
    scope = forms.ChoiceField(label=_("Scope"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["scope"].choices = scope_choices(user)
        if own_figures_only(user) and self.is_bound:
            # A rep following a manager's link (`scope=company`) sees their own figures,
            # for the link's period, without an error about a scope they cannot pick.
            self.data = self.data.copy()
            self.data["scope"] = f"{ScopeType.OWNER}:{user.pk}"

    def scope_or_default(self) -> Scope:
        if own_figures_only(self.user):
            return Scope.owner(self.user.pk)
        if self.is_bound and self.is_valid() and self.cleaned_data.get("scope"):
            return parse_scope(self.cleaned_data["scope"])
        return Scope.company()


class PipelineReportForm(PeriodForm):
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"), queryset=Pipeline.objects.all(), required=False, empty_label=None
    )


SCOPE_MODELS: dict[str, type[User] | type[Team] | type[Pipeline] | type[Campaign]] = {
    ScopeType.OWNER: User,
    ScopeType.TEAM: Team,
    ScopeType.PIPELINE: Pipeline,
    ScopeType.CAMPAIGN: Campaign,
}
LARGEST_ID = 2**31 - 1


class KpiRecordsForm(PeriodForm):
    """The period and scope of a KPI's records page, as the dashboard's links write them
    (`scope=company`, `owner:5`, `team:2`, `pipeline:1`, `campaign:3`)."""

    # Carried from the link that opened the page; the page names the scope in words.
    scope = forms.CharField(
        label=_("Scope"), required=False, max_length=40, widget=forms.HiddenInput
    )

    def clean_scope(self) -> Scope | None:
        value = self.cleaned_data.get("scope") or ""
        if not value:
            return None
        if value == ScopeType.COMPANY:
            return Scope.company()
        kind, _sep, pk = value.partition(":")
        model = SCOPE_MODELS.get(kind)
        if (
            model is None
            or not (pk.isascii() and pk.isdigit())
            or not 0 < int(pk) <= LARGEST_ID
            or not model.objects.filter(pk=int(pk)).exists()
        ):
            raise forms.ValidationError(_("Choose a scope from the dashboard."))
        return Scope(kind, int(pk))

    def requested_scope(self) -> Scope | None:
        if self.is_bound and self.is_valid():
            return self.cleaned_data["scope"]
        return None
