from crm import selectors
from crm.api import filters
from crm.api.serializers import TeamSerializer, UserSerializer
from crm.services import users as user_services

from .base import PolicyViewSet


class UserViewSet(PolicyViewSet):
    """Logins and their roles (admins only)."""

    policy_resource = "users"
    selector = selectors.user_list
    serializer_class = UserSerializer
    filterset_class = filters.UserFilter
    search_fields = ["username", "email", "first_name", "last_name"]
    ordering_fields = ["username", "date_joined", "last_login", "role"]

    def create_record(self, *, actor, data):
        return user_services.user_create(actor=actor, **data)

    def update_record(self, instance, *, actor, data):
        return user_services.user_update(user=instance, actor=actor, data=data)


class TeamViewSet(PolicyViewSet):
    policy_resource = "teams"
    selector = selectors.team_list
    serializer_class = TeamSerializer
    filterset_class = filters.TeamFilter
    search_fields = ["name"]
    ordering_fields = ["name"]

    def create_record(self, *, actor, data):
        return user_services.team_create(actor=actor, **data)

    def update_record(self, instance, *, actor, data):
        return user_services.team_update(team=instance, actor=actor, data=data)
