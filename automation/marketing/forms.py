"""Browser forms of the marketing editors; writes still go through the services."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from crm.models import Campaign

from .models import (
    CampaignPlan,
    RuleKind,
    ScoringModel,
    ScoringRule,
    Segment,
    StepKind,
    StepVariant,
    VariantLanguage,
    WaitUnit,
)
from .scoring import BEHAVIOURS
from .scoring import FIELD_CHOICES as SCORING_FIELD_CHOICES
from .segmenting import FIELD_CHOICES, OPERATOR_CHOICES


def apply_service_error(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form, next to the field it names if any."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            target = field if field in form.fields else None
            for message in messages:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


class CampaignForm(forms.ModelForm):
    """A campaign's own details: what leads, purchases and spend are attributed to."""

    class Meta:
        model = Campaign
        fields = ["name", "channel", "description", "is_active", "starts_on", "ends_on"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }


class CampaignKind:
    """How the list tells campaigns apart: one row type, two uses."""

    SEQUENCE = "sequence"  # has email steps: a nurture series contacts are enrolled in
    ATTRIBUTION = "attribution"  # no steps: leads, purchases and spend are attributed to it


class StepForm(forms.Form):
    kind = forms.ChoiceField(label=_("Step"), choices=StepKind.choices)
    wait_amount = forms.IntegerField(label=_("Wait"), min_value=1, max_value=3650, required=False)
    wait_unit = forms.ChoiceField(
        label=_("Unit"), choices=WaitUnit.choices, required=False, initial=WaitUnit.DAYS
    )
    subject = forms.CharField(label=_("Subject"), max_length=300, required=False)
    body = forms.CharField(
        label=_("Body"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=StepVariant._meta.get_field("body").help_text,
    )
    position = forms.IntegerField(
        label=_("Insert at position"),
        min_value=1,
        required=False,
        help_text=_("Empty: at the end."),
    )
    # What a step of each kind needs is step_create's rule; its errors land on these fields.


class WaitForm(forms.Form):
    wait_amount = forms.IntegerField(label=_("Wait"), min_value=1, max_value=3650)
    wait_unit = forms.ChoiceField(label=_("Unit"), choices=WaitUnit.choices)


class VariantForm(forms.ModelForm):
    class Meta:
        model = StepVariant
        fields = ["subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 6})}


def language_name(code: str) -> str:
    """A language by its own name ("Deutsch", "Türkçe", "فارسی"), as language menus show it."""
    try:
        return get_language_info(code)["name_local"]
    except KeyError:
        return code


class LanguageVersionForm(forms.ModelForm):
    """A variant's email in one language. A new version offers the uncovered languages."""

    language = forms.ChoiceField(label=_("Language"))

    class Meta:
        model = VariantLanguage
        fields = ["language", "subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, covered=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].max_length = 20000
        self.fields["body"].widget.attrs["maxlength"] = 20000
        if self.instance.pk:
            del self.fields["language"]
        else:
            self.fields["language"].choices = [
                (code, language_name(code))
                for code, _label in settings.LANGUAGES
                if code not in covered
            ]


class PlanForm(forms.ModelForm):
    class Meta:
        model = CampaignPlan
        fields = ["welcome_series", "audience"]


class EnrollSegmentForm(forms.Form):
    segment = forms.ModelChoiceField(label=_("Segment"), queryset=Segment.objects.order_by("name"))


class SegmentForm(forms.ModelForm):
    class Meta:
        model = Segment
        fields = ["name", "description", "match"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class ConditionForm(forms.Form):
    field = forms.ChoiceField(label=_("Field"), choices=FIELD_CHOICES)
    operator = forms.ChoiceField(label=_("Operator"), choices=OPERATOR_CHOICES)
    value = forms.CharField(label=_("Value"), max_length=120, required=False)


# A row added in the editor starts as a condition that holds ("Lifecycle is lead"), not as
# the first field with the first operator ("Tag is"), which no tag condition accepts; the
# editor's script keeps the operator valid for whichever field is picked next.
NEW_CONDITION = {"field": "lifecycle", "operator": "is", "value": "lead"}


class BaseConditionFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index):
        # Only the template row (index None) gets the defaults: a posted row equal to
        # them must still count as filled in, which field initials would prevent.
        if index is None:
            return {"initial": NEW_CONDITION}
        return super().get_form_kwargs(index)


ConditionFormSet = forms.formset_factory(
    ConditionForm, formset=BaseConditionFormSet, extra=0, can_delete=True, max_num=20
)


class ScoringModelForm(forms.ModelForm):
    class Meta:
        model = ScoringModel
        fields = [
            "threshold",
            "half_life_days",
            "lookback_days",
            "max_score",
            "handoff_team",
            "followup_due_hours",
        ]


class ScoringRuleForm(forms.ModelForm):
    field = forms.ChoiceField(label=_("Attribute or behaviour"), choices=SCORING_FIELD_CHOICES)

    class Meta:
        model = ScoringRule
        fields = ["field", "value", "points", "cap"]

    def clean(self):
        data = super().clean()
        # The kind follows from the field picked; the form offers both in one list.
        if data.get("field"):
            self.instance.kind = (
                RuleKind.BEHAVIOUR if data["field"] in BEHAVIOURS else RuleKind.ATTRIBUTE
            )
        return data
