from django import forms
from django.utils.translation import gettext_lazy as _

from crm.models import SuppressedAddress


class SuppressionAddForm(forms.ModelForm):
    class Meta:
        model = SuppressedAddress
        fields = ["email", "reason", "note"]

    def validate_unique(self):
        # Adding an address already on the list keeps the existing entry (the service
        # is idempotent); the page says so instead of failing.
        pass


class SuppressionEditForm(forms.ModelForm):
    class Meta:
        model = SuppressedAddress
        fields = ["reason", "note"]
        labels = {"note": _("Note")}
