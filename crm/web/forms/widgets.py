from urllib.parse import urlencode

from django import forms
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from crm.models import Role, User

# Who may own sales records, and who works tickets: the user pickers offer only them.
SELLERS = (Role.REP, Role.MANAGER, Role.ADMIN)
AGENTS = (Role.SUPPORT, Role.MANAGER, Role.ADMIN)


class LookupWidget(forms.Widget):
    """Search-as-you-type picker for a foreign key with too many rows for a <select>.

    The chosen primary key travels in a hidden input; the visible text field asks
    `web:lookup` for matches (only rows the user may see) as the user types. `roles`
    narrows a user picker to the roles the field accepts (a deal's owner is a seller).
    """

    template_name = "web/widgets/lookup.html"

    def __init__(self, kind: str, attrs=None, *, roles=()):
        super().__init__(attrs)
        self.kind = kind
        self.roles = tuple(roles)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        label = ""
        queryset = getattr(getattr(self, "choices", None), "queryset", None)
        if value not in (None, "") and queryset is not None:
            try:
                label = str(queryset.filter(pk=value).first() or "")
            except (TypeError, ValueError):
                label = ""
        context["widget"]["label"] = label
        url = reverse("web:lookup", args=[self.kind])
        if self.roles:
            url += "?" + urlencode([("role", role) for role in self.roles])
        context["widget"]["lookup_url"] = url
        return context

    def value_from_datadict(self, data, files, name):
        return data.get(name) or None

    def _render(self, template_name, context, renderer=None):
        # The template lives with the project's templates, not the form renderer's.
        return mark_safe(render_to_string(template_name, context))  # noqa: S308 - autoescaped template


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def active_users(*roles):
    users = User.objects.filter(is_active=True)
    return users.filter(role__in=roles) if roles else users
