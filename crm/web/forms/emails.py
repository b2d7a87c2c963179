"""Forms of email from records: compose, a reply recorded by hand, templates in Settings."""

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.limits import date_in_range
from crm.models import EmailTemplate

from .widgets import DateTimeInput


class ComposeForm(forms.Form):
    template = forms.ModelChoiceField(
        label=_("Template"),
        queryset=EmailTemplate.objects.all(),
        required=False,
        empty_label=_("No template"),
    )
    subject = forms.CharField(label=_("Subject"), max_length=300)
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 10, "dir": "auto"}),
        help_text=_(
            "Placeholders such as {first_name}, {contact}, {company}, {deal} and {sender} "
            "are filled in for this record when the email is sent."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].widget.attrs["dir"] = "auto"


class ReplyByHandForm(forms.Form):
    body = forms.CharField(
        label=_("Their reply"),
        widget=forms.Textarea(attrs={"rows": 8, "dir": "auto", "autofocus": True}),
        help_text=_("Paste the reply you received in your own mail program."),
    )
    received_at = forms.DateTimeField(
        validators=[date_in_range],
        label=_("Received at"),
        required=False,
        widget=DateTimeInput(),
        help_text=_("Leave empty to use the current time."),
    )


class EmailTemplateForm(forms.ModelForm):
    class Meta:
        model = EmailTemplate
        fields = ["name", "subject", "body"]
        widgets = {
            "name": forms.TextInput(attrs={"dir": "auto", "autofocus": True}),
            "subject": forms.TextInput(attrs={"dir": "auto"}),
            "body": forms.Textarea(attrs={"rows": 10, "dir": "auto"}),
        }
        help_texts = {
            "body": _(
                "Placeholders: {first_name}, {last_name}, {contact}, {company}, {deal}, "
                "{value}, {ticket}, {owner}, {sender}."
            )
        }
