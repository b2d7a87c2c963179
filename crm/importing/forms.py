from django import forms
from django.utils.translation import gettext_lazy as _

from crm.models import DuplicatePolicy, ImportKind, Role, User

from .encodings import ENCODING_CHOICES, encoding_label
from .merges import SPECS
from .schema import DEDUPLICATED_KINDS, FIELDS_BY_KIND


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file contains"), choices=ImportKind.choices)
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_("The first line names the columns. Up to 50 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )


class MappingForm(forms.Form):
    """One "import into" choice per column of the file, pre-filled with our guesses."""

    duplicate_policy = forms.ChoiceField(
        label=_("When a record already exists"),
        choices=DuplicatePolicy.choices,
        widget=forms.RadioSelect,
    )
    automate = forms.BooleanField(
        label=_("Run automation"),
        required=False,
        help_text=_(
            "Off by default: imported records do not trigger rules (tasks, emails, campaigns)."
        ),
    )

    def __init__(self, *args, job, **kwargs):
        super().__init__(*args, **kwargs)
        self.job = job
        choices = [("", _("— do not import —"))] + [
            (spec.name, spec.label) for spec in FIELDS_BY_KIND[job.kind]
        ]
        self.columns = []
        for index, header in enumerate(job.headers):
            name = f"col_{index}"
            self.fields[name] = forms.ChoiceField(
                label=header, choices=choices, required=False, initial=job.mapping.get(header, "")
            )
            self.columns.append((header, name))
        self.fields["duplicate_policy"].initial = job.duplicate_policy
        self.fields["automate"].initial = job.automate
        if job.kind not in DEDUPLICATED_KINDS:
            # Deals, purchases, leads, activities and tickets link contacts by email;
            # every row creates its record: nothing to update or skip.
            self.fields["duplicate_policy"].required = False
            self.fields["duplicate_policy"].widget = forms.HiddenInput()

    @property
    def column_fields(self):
        return [(header, self[name]) for header, name in self.columns]

    def mapping(self) -> dict[str, str]:
        return {
            header: self.cleaned_data[name]
            for header, name in self.columns
            if self.cleaned_data.get(name)
        }


class EncodingForm(forms.Form):
    """The character set the preview reads the CSV file in; the detector's guess first."""

    encoding = forms.ChoiceField(label=_("Character set"))

    def __init__(self, *args, job, **kwargs):
        super().__init__(*args, **kwargs)
        choices = list(ENCODING_CHOICES)
        if job.encoding and job.encoding not in dict(choices):
            choices.append((job.encoding, encoding_label(job.encoding)))
        self.fields["encoding"].choices = choices
        self.fields["encoding"].initial = job.encoding


class ColumnFormatForm(forms.Form):
    """One "how is this column written" choice per number or date column."""

    def __init__(self, *args, readings, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for reading in readings:
            name = f"format_{reading.index}"
            self.fields[name] = forms.ChoiceField(
                label=reading.header,
                choices=[("", _("— choose —")), *reading.choices],
                required=False,
                initial=reading.chosen,
            )
            self.rows.append((reading, self[name]))

    def answers(self) -> dict[str, str]:
        return {
            reading.header: self.cleaned_data[field.name]
            for reading, field in self.rows
            if self.cleaned_data.get(field.name)
        }


class MergeForm(forms.Form):
    """For each field, whose value the kept record ends up with."""

    def __init__(self, *args, kind, winner, loser, initial_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.spec = SPECS[kind]
        self.rows = []
        for name in self.spec.fields:
            model_field = self.spec.model._meta.get_field(name)
            mine = _display(winner, model_field)
            theirs = _display(loser, model_field)
            self.fields[name] = forms.ChoiceField(
                label=model_field.verbose_name,
                choices=[("winner", mine), ("loser", theirs)],
                initial=initial_choices[name],
                widget=forms.RadioSelect,
            )
            self.rows.append((self[name], mine, theirs, mine == theirs))

    def choices(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in self.spec.fields}


def _display(obj, model_field) -> str:
    if model_field.choices:
        return getattr(obj, f"get_{model_field.name}_display")() or "—"
    value = getattr(obj, model_field.name)
    if value in (None, ""):
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return str(value)


class AssignOwnerForm(forms.Form):
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=User.objects.filter(is_active=True, role__in=[Role.REP, Role.MANAGER]),
    )
    contacts = forms.ModelMultipleChoiceField(
        label=_("Contacts"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, contacts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contacts"].queryset = contacts
