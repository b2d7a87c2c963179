from django import forms
from django.utils.translation import gettext_lazy as _

from crm.models import Company, Contact, Ticket

from .widgets import AGENTS, LookupWidget, active_users


class TicketForm(forms.ModelForm):
    class Meta:
        model = Ticket
        fields = ["subject", "description", "contact", "company", "priority", "assignee"]
        widgets = {
            "contact": LookupWidget("contacts"),
            "company": LookupWidget("companies"),
            "assignee": LookupWidget("users", roles=AGENTS),
            "description": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].widget.attrs["autofocus"] = True
        self.fields["contact"].queryset = Contact.objects.all()
        self.fields["company"].queryset = Company.objects.all()
        self.fields["assignee"].queryset = active_users(*AGENTS)


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Reply"), widget=forms.Textarea(attrs={"rows": 4}))


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assign to"),
        queryset=active_users(*AGENTS),
        widget=LookupWidget("users", roles=AGENTS),
    )
