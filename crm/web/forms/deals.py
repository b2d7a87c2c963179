from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from crm.models import ActivityKind, Company, Contact, Deal, Stage

from .activities import notes_field, outcome_field, outcome_only_for_calls
from .widgets import SELLERS, DateInput, LookupWidget, active_users


class DealForm(forms.ModelForm):
    stage = forms.ModelChoiceField(label=_("Stage"), queryset=Stage.objects.none())

    class Meta:
        model = Deal
        fields = [
            "title",
            "value",
            "currency",
            "stage",
            "contact",
            "company",
            "owner",
            "kind",
            "expected_close_date",
            "forecast_category",
        ]
        widgets = {
            "contact": LookupWidget("contacts"),
            "company": LookupWidget("companies"),
            "owner": LookupWidget("users", roles=SELLERS),
            "expected_close_date": DateInput(),
        }

    def __init__(self, *args, user, pipeline, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].widget.attrs["autofocus"] = True
        self.fields["value"].widget.attrs.update(
            {"min": "0", "step": "0.01", "inputmode": "decimal"}
        )
        self.fields["stage"].queryset = pipeline.stages.order_by("position", "id")
        if self.instance.pk:
            self.initial.setdefault("stage", self.instance.stage_id)
            if self.instance.status != "open":
                del self.fields["stage"]
        else:
            self.initial.setdefault("currency", settings.GOALPOST_DEFAULT_CURRENCY)
        # Optional: a form that leaves it out keeps the deal's category (new: pipeline).
        if "forecast_category" in self.fields:
            self.fields["forecast_category"].required = False
        self.fields["contact"].queryset = Contact.objects.all()
        if "company" in self.fields:
            self.fields["company"].queryset = Company.objects.all()
        if user.sees_all_sales:
            self.fields["owner"].queryset = active_users(*SELLERS)
        else:
            del self.fields["owner"]

    def clean_forecast_category(self) -> str:
        return self.cleaned_data.get("forecast_category") or self.instance.forecast_category

    def clean_currency(self) -> str:
        currency = self.cleaned_data["currency"].strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            raise forms.ValidationError(_("Use a three-letter ISO 4217 code such as USD."))
        return currency


class QuickDealForm(DealForm):
    """The board's quick-add: only what a rep knows when a deal comes up."""

    class Meta(DealForm.Meta):
        fields = ["title", "value", "stage", "contact", "owner"]


class LostForm(forms.Form):
    reason = forms.CharField(
        label=_("Why was it lost?"),
        max_length=255,
        widget=forms.TextInput(
            attrs={"list": "lost-reasons", "autocomplete": "off", "autofocus": True}
        ),
    )


class LogActivityForm(forms.Form):
    """Log something that already happened (a call made, an email sent, a meeting held)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    outcome = outcome_field()
    notes = notes_field(rows=3)

    def clean(self):
        cleaned = super().clean()
        outcome_only_for_calls(self)
        return cleaned
