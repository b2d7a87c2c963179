from django import forms
from django.utils.translation import gettext_lazy as _

from crm.models import Activity, ActivityKind, Contact, Deal

from .widgets import DateTimeInput, LookupWidget, active_users


class ActivityForm(forms.ModelForm):
    class Meta:
        model = Activity
        fields = ["kind", "subject", "due_at", "notes", "assignee", "deal", "contact"]
        widgets = {
            "due_at": DateTimeInput(),
            "deal": LookupWidget("deals"),
            "contact": LookupWidget("contacts"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, deals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].widget.attrs["autofocus"] = True
        self.fields["deal"].queryset = deals
        self.fields["contact"].queryset = Contact.objects.all()
        if user.sees_all_sales:
            self.fields["assignee"].queryset = active_users()
        else:
            del self.fields["assignee"]


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
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, deals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deal"].queryset = deals
