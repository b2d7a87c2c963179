from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from crm.api.serializers.base import IdModelSerializer
from crm.models import Team, User

from .base import PolicyModelSerializer


class UserSerializer(PolicyModelSerializer):
    password = serializers.CharField(
        write_only=True,
        required=False,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text=_("Sets the password; validated by the configured password validators."),
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "role",
            "team",
            "is_active",
            "language",
            "date_joined",
            "last_login",
            "password",
        ]
        read_only_fields = ["date_joined", "last_login"]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is None and not attrs.get("password"):
            raise serializers.ValidationError({"password": [_("Set a password for the user.")]})
        return attrs


class MeSerializer(IdModelSerializer):
    """The signed-in user's own account; only name, email and language can change."""

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "email", "role", "language"]
        read_only_fields = ["id", "username", "role"]
        extra_kwargs = {
            "language": {"help_text": _("A language code of the site; blank follows the browser.")}
        }


class TeamSerializer(PolicyModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name", "manager"]


class AuthTokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)
