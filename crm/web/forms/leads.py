from django import forms
from django.utils.translation import gettext_lazy as _

from crm.models import Campaign, Contact, Lead, LeadStatus, Role, Stage

from .widgets import SELLERS, LookupWidget, active_users


class LeadForm(forms.ModelForm):
    class Meta:
        model = Lead
        fields = ["contact", "source", "campaign", "status", "score", "owner"]
        widgets = {
            "contact": LookupWidget("contacts"),
            "campaign": LookupWidget("campaigns"),
            "owner": LookupWidget("users", roles=SELLERS),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.all()
        self.fields["campaign"].queryset = Campaign.objects.filter(is_active=True)
        # Converting is its own action (it creates the deal).
        self.fields["status"].choices = [
            c for c in LeadStatus.choices if c[0] != LeadStatus.CONVERTED
        ]
        if self.instance.pk:
            del self.fields["contact"]
        if user.sees_all_sales or user.has_role(Role.MARKETING):
            self.fields["owner"].queryset = active_users(*SELLERS)
        else:
            del self.fields["owner"]


class LeadConvertForm(forms.Form):
    title = forms.CharField(label=_("Deal title"), max_length=200)
    value = forms.DecimalField(label=_("Value"), min_value=0, max_digits=14, decimal_places=2)
    stage = forms.ModelChoiceField(label=_("Stage"), queryset=Stage.objects.none())

    def __init__(self, *args, pipeline, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = pipeline.stages.order_by("position", "id")
        self.fields["value"].widget.attrs.update({"step": "0.01", "inputmode": "decimal"})
