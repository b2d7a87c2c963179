"""Users and teams (API only)."""

from django_filters import rest_framework as filters

from crm.models import Role, Team, User

from .base import IdFilter


class UserFilter(filters.FilterSet):
    role = filters.ChoiceFilter(choices=Role.choices)
    team = IdFilter()
    is_active = filters.BooleanFilter()

    class Meta:
        model = User
        fields = ["role", "team", "is_active"]


class TeamFilter(filters.FilterSet):
    manager = IdFilter()

    class Meta:
        model = Team
        fields = ["manager"]
