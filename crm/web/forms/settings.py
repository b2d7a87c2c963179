"""Forms of the Settings area: users, teams, pipelines and stages, workspace settings."""

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from crm.models import Role, Team, TicketPriority, User


def _language_choices():
    return [("", _("Browser default"))] + [
        (code, f"{get_language_info(code)['name_local']} ({label})")
        for code, label in settings.LANGUAGES
    ]


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autofocus": True}))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.REP)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False)
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        help_text=_("The language of the invitation email and of their pages."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = _language_choices()


class UserRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False)


class DeactivateForm(forms.Form):
    reassign_to = forms.ModelChoiceField(
        label=_("Reassign their open work to"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Open deals, leads, activities and tickets move to this user."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reassign_to"].queryset = User.objects.filter(is_active=True).exclude(
            pk=user.pk
        )


class TeamForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=120, widget=forms.TextInput(attrs={"autofocus": True})
    )
    manager = forms.ModelChoiceField(
        label=_("Manager"),
        queryset=User.objects.filter(is_active=True),
        required=False,
    )
    members = forms.ModelMultipleChoiceField(
        label=_("Members"),
        queryset=User.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class PipelineForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=120, widget=forms.TextInput(attrs={"autofocus": True})
    )
    is_default = forms.BooleanField(label=_("Default pipeline"), required=False)


class StageForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=120, widget=forms.TextInput(attrs={"autofocus": True})
    )
    win_probability = forms.IntegerField(
        label=_("Win probability (%)"),
        initial=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        widget=forms.NumberInput(attrs={"min": 0, "max": 100}),
    )
    rotting_days = forms.IntegerField(
        label=_("Rotting after (days)"),
        required=False,
        validators=[MinValueValidator(1)],
        widget=forms.NumberInput(attrs={"min": 1}),
        help_text=_("Deals idle in this stage for longer are highlighted as stale."),
    )


class LostReasonForm(forms.Form):
    name = forms.CharField(
        label=_("Lost reason"), max_length=255, widget=forms.TextInput(attrs={"autofocus": True})
    )


class SlaTargetsForm(forms.Form):
    """Two numbers per ticket priority: first response and resolution, in hours."""

    def __init__(self, *args, targets: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for priority, label in TicketPriority.choices:
            first, resolution = targets[priority]
            self.fields[f"{priority}_first_response"] = forms.IntegerField(
                label=_("%(priority)s: first response (hours)") % {"priority": label},
                min_value=1,
                initial=first,
            )
            self.fields[f"{priority}_resolution"] = forms.IntegerField(
                label=_("%(priority)s: resolution (hours)") % {"priority": label},
                min_value=1,
                initial=resolution,
            )


class EmailSenderForm(forms.Form):
    from_name = forms.CharField(label=_("Sender name"), max_length=120, required=False)
    from_address = forms.EmailField(label=_("Sender address"), required=False)
