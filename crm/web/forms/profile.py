import logging

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from crm.languages import in_language_of, recipient_language
from crm.models import User
from crm.services.outbound_email import MailKind, templated_email_send

logger = logging.getLogger(__name__)


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
    """Django's reset form, writing the email in the language of the account it is for,
    sent as transactional mail through the one outbound-email service."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        user = context.get("user")
        with in_language_of(user):
            try:
                templated_email_send(
                    kind=MailKind.TRANSACTIONAL,
                    to=to_email,
                    subject_template=subject_template_name,
                    body_template=email_template_name,
                    html_template=html_email_template_name,
                    context=context,
                    language=recipient_language(user),
                )
            except Exception:
                # As Django's form: the page answers the same whether a mail went out.
                logger.exception("Failed to send password reset email to %s", user.pk)
