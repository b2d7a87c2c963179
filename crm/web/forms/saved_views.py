from django import forms
from django.utils.translation import gettext_lazy as _


class SavedViewForm(forms.Form):
    """Rename a saved view, or share it with the owner's team (or stop sharing it)."""

    name = forms.CharField(label=_("Name"), max_length=80)
    shared = forms.BooleanField(label=_("Share with my team"), required=False)

    def __init__(self, *args, in_team: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs.update({"autofocus": True, "dir": "auto"})
        if not in_team:
            del self.fields["shared"]
