from django import forms
from django.utils.translation import gettext_lazy as _

from crm.models import NOTE_MAX_LENGTH


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(
            attrs={"rows": 3, "dir": "auto", "placeholder": _("What should the team know?")}
        ),
    )
