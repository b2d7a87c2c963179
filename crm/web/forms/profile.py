from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from crm.languages import in_language_of
from crm.models import User


class ProfileForm(forms.ModelForm):
    """What every user may change on their own account."""

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].widget.attrs.update(
            {"autofocus": True, "autocomplete": "given-name"}
        )
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        # Each language named in itself, so a user lost in the wrong language finds theirs.
        self.fields["language"].choices = [("", _("Browser default"))] + [
            (code, f"{get_language_info(code)['name_local']} ({label})")
            for code, label in settings.LANGUAGES
        ]


class LocalisedPasswordResetForm(PasswordResetForm):
    """Django's reset form, writing the email in the language of the account it is for."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        with in_language_of(context.get("user")):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)
