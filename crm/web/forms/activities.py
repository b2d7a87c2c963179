from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from crm.models import NOTE_MAX_LENGTH, Activity, ActivityKind, CallOutcome, Contact, Deal

from .widgets import DateTimeInput, LookupWidget, active_users


def outcome_field():
    """How the call went; the page shows it for calls only (static/js/app.js)."""
    return forms.ChoiceField(
        label=_("Outcome"),
        choices=[("", "—"), *CallOutcome.choices],
        required=False,
    )


def notes_field(rows: int):
    return forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": rows, "dir": "auto"}),
    )


def outcome_only_for_calls(form) -> None:
    """Form-level twin of the activity_outcome_only_for_calls constraint, on the field."""
    data = form.cleaned_data
    if data.get("outcome") and data.get("kind") and data["kind"] != ActivityKind.CALL:
        form.add_error("outcome", _("Only a call has an outcome."))


class ActivityForm(forms.ModelForm):
    class Meta:
        model = Activity
        fields = ["kind", "subject", "due_at", "outcome", "notes", "assignee", "deal", "contact"]
        widgets = {
            "due_at": DateTimeInput(),
            "deal": LookupWidget("deals"),
            "contact": LookupWidget("contacts"),
            "assignee": LookupWidget("users"),
            "notes": forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
        }

    def __init__(self, *args, user, deals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].widget.attrs["autofocus"] = True
        self.fields["deal"].queryset = deals
        self.fields["contact"].queryset = Contact.objects.all()
        self.fields["notes"].max_length = NOTE_MAX_LENGTH
        self.fields["notes"].validators.append(MaxLengthValidator(NOTE_MAX_LENGTH))
        if user.sees_all_sales:
            self.fields["assignee"].queryset = active_users()
        else:
            del self.fields["assignee"]

    def clean(self):
        cleaned = super().clean()
        outcome_only_for_calls(self)
        return cleaned


class QuickLogForm(forms.Form):
    """My day's two-click logging: the kind comes from the button pressed."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (ActivityKind.CALL, ActivityKind.CALL.label),
            (ActivityKind.EMAIL, ActivityKind.EMAIL.label),
            (ActivityKind.MEETING, ActivityKind.MEETING.label),
        ],
        widget=forms.HiddenInput,
    )
    subject = forms.CharField(label=_("What happened?"), max_length=200)
    contact = forms.ModelChoiceField(
        label=_("Contact"),
        queryset=Contact.objects.all(),
        required=False,
        widget=LookupWidget("contacts"),
    )
    deal = forms.ModelChoiceField(
        label=_("Deal"), queryset=Deal.objects.none(), required=False, widget=LookupWidget("deals")
    )
    outcome = outcome_field()
    notes = notes_field(rows=2)

    def __init__(self, *args, deals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deal"].queryset = deals

    def clean(self):
        cleaned = super().clean()
        outcome_only_for_calls(self)
        return cleaned
