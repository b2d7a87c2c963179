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

    def __init__(self, *args, **kwargs):
        # Its own ids: a ticket page also has a reply box named `body`, and two `id_body`
        # would point the "Note" label at the reply.
        kwargs.setdefault("auto_id", "note_%s")
        super().__init__(*args, **kwargs)
