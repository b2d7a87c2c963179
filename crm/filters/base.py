"""The kinds of filter the resources' FilterSets are made of.

Each resource has one FilterSet (this package) that three doors read: the API list
(DjangoFilterBackend, documented by drf-spectacular), the browser's list page (its filter
bar renders the FilterSet's form) and the CSV/XLSX export. What differs between the doors
is only what an invalid value does: the API and the export answer 400, a list page leaves
that filter out and shows why in its bar.
"""

from django import forms
from django.db.models import QuerySet
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.filters import QuerySetRequestMixin

from crm.models import Role, User
from crm.search import search, search_text

# Largest id PostgreSQL's bigint holds; beyond it a lookup would be a database error.
MAX_ID = 2**63 - 1


class IdField(forms.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class IdFilter(filters.Filter):
    """A foreign key by id. A malformed id is invalid (the API's 400); an id that names no
    row the user can see simply matches nothing, so a filter never tells whether a row
    outside the user's scope exists."""

    field_class: type[forms.Field] = IdField


class _Options(BaseChoiceIterator):
    """A select's options, read only when the filter bar renders it (never for an API
    call or an export): the empty choice, then each row of `queryset` by id.

    A BaseChoiceIterator, which Django keeps as it is; any other iterable it would
    list, a query per select on every API request."""

    def __init__(self, queryset: QuerySet, empty_label):
        self.queryset = queryset
        self.empty_label = empty_label

    def __iter__(self):
        yield ("", self.empty_label)
        for row in self.queryset:
            yield (row.pk, str(row))


class PickField(IdField):
    """An id the list page offers in a select; any id is still valid, as in the API.

    `offers(id)` tells whether the select holds that id: a saved view must name a row
    that is still there (a deleted stage is refused, or left out when the view is
    applied), while a query for it just finds nothing.
    """

    widget = forms.Select
    default_error_messages = {
        "invalid_choice": forms.ModelChoiceField.default_error_messages["invalid_choice"]
    }

    def __init__(self, *, queryset: QuerySet, **kwargs):
        super().__init__(**kwargs)
        self.queryset = queryset
        self.widget.choices = _Options(queryset, _("Any"))

    def offers(self, pk: int) -> bool:
        return self.queryset.filter(pk=pk).exists()


class PickFilter(QuerySetRequestMixin, IdFilter):
    """IdFilter whose field is a PickField; `queryset` (or a callable of the request)
    gives the rows the select offers."""

    field_class = PickField


def picks_not_offered(form) -> dict[str, str]:
    """{name: "Select a valid choice…"} for the valid ids of a bound filter form that its
    selects do not offer (see PickField). Call after form.is_valid()."""
    return {
        name: str(field.error_messages["invalid_choice"])
        for name, field in form.fields.items()
        if isinstance(field, PickField)
        and form.cleaned_data.get(name) is not None
        and not field.offers(form.cleaned_data[name])
    }


class Checkbox(forms.CheckboxInput):
    """The filter bar's checkbox, which API clients set with true/false: "on" (what a
    browser sends), "true" or "1" is on, "false" or "0" off; absent, no filter.

    Named so that BoundField.widget_type is "checkbox", which the bar lays out as one.
    """

    VALUES = {"on": True, "true": True, "1": True, "false": False, "0": False}

    def value_from_datadict(self, data, files, name):
        if name not in data:
            return None
        return self.VALUES.get(str(data.get(name)).lower())


class WordsFilter(filters.CharFilter):
    """`q`, the list page's search box: every word (up to five) must match one of
    `fields`, case- and accent-insensitively ("sukru celik" finds Şükrü Çelik)."""

    def __init__(self, *fields: str, **kwargs):
        self.searched = fields
        kwargs.setdefault("label", _("Search"))
        super().__init__(**kwargs)

    def filter(self, qs, value):
        return search(qs, search_text(value), self.searched)


def date_range(field_name: str):
    """`<name>_after` (inclusive) and `<name>_before` (exclusive) ISO 8601 timestamps."""
    return (
        filters.IsoDateTimeFilter(field_name=field_name, lookup_expr="gte"),
        filters.IsoDateTimeFilter(field_name=field_name, lookup_expr="lt"),
    )


def choice(choices, label=None, **kwargs):
    """A ChoiceFilter whose empty choice reads "Any" in the filter bar."""
    return filters.ChoiceFilter(choices=choices, label=label, empty_label=_("Any"), **kwargs)


def sales_owners(request):
    """Who can own sales records: the owner select's options."""
    return User.objects.filter(is_active=True, role__in=[Role.REP, Role.MANAGER, Role.ADMIN])


def active_users(request):
    return User.objects.filter(is_active=True)


def support_assignees(request):
    return User.objects.filter(is_active=True, role__in=[Role.SUPPORT, Role.MANAGER, Role.ADMIN])
