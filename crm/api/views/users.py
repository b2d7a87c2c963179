from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from crm import filters, selectors
from crm.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from crm.api.permissions import PolicyPermission
from crm.api.serializers import MeSerializer, TeamSerializer, UserSerializer
from crm.api.serializers.workspace import UserDeactivateSerializer, UserInviteSerializer
from crm.models import User
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

    @extend_schema(
        request=UserInviteSerializer,
        responses={201: UserSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        description="Create a login (username = email, no password) and email its owner a "
        "set-password link in their language, from the workspace's sender identity. 400 when "
        "the email is taken.",
    )
    @action(detail=False, methods=["post"])
    @idempotent
    def invite(self, request):
        body = UserInviteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = user_services.user_invite(actor=request.user, **body.validated_data)
        return Response(UserSerializer(user).data, status=201)

    @extend_schema(
        request=UserDeactivateSerializer,
        responses={200: dict},
        description="Switch the login off and move its open deals, leads, pending activities "
        "and unresolved tickets to `reassign_to`, all in one transaction. 400 for your own "
        "account, the last admin, or open work without a suitable user. Answers the counts moved.",
    )
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        user = self.get_object()
        body = UserDeactivateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        target_id = body.validated_data.get("reassign_to")
        reassign_to = None
        if target_id is not None:
            reassign_to = User.objects.filter(pk=target_id).first()
            if reassign_to is None:
                raise ValidationError({"reassign_to": [_("Pick another, active user.")]})
        moved = user_services.user_deactivate(
            user=user, actor=request.user, reassign_to=reassign_to
        )
        return Response({"deactivated": user.pk, "moved": moved})


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

    def delete_record(self, instance, *, actor):
        # Refused (400, naming members and quotas) while anything refers to the team.
        user_services.team_delete(team=instance, actor=actor)


@extend_schema(tags=["users"])
class MeView(GenericAPIView):
    """The signed-in user's own profile, for every role: name, email and language."""

    serializer_class = MeSerializer
    policy_resource = "account"
    permission_classes = [IsAuthenticated, PolicyPermission]

    def get(self, request):
        return Response(self.get_serializer(request.user).data)

    def patch(self, request):
        serializer = self.get_serializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        # A service refusal (ValidationError) becomes a 400 in crm.api.exceptions.
        user = user_services.user_profile_update(
            user=request.user, data=dict(serializer.validated_data)
        )
        return Response(self.get_serializer(user).data)
