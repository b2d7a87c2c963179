from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from crm.api.serializers import AuthTokenResponseSerializer
from crm.api.throttling import ClientAddressScopedRateThrottle
from crm.models import AuditKind
from crm.security.client_address import client_address
from crm.security.signin import signin_check, signin_failed, signin_succeeded
from crm.security.two_factor import two_factor_device, two_factor_verify
from crm.services.audit import audit_record


def _failed(request, *, address: str, username: str, summary: str) -> None:
    """A failed token sign-in: counted against the sign-in limits and audited."""
    signin_failed(address=address, username=username)
    audit_record(kind=AuditKind.SIGNIN_FAILED, request=request, username=username, summary=summary)


class TokenRequestSerializer(AuthTokenSerializer):
    code = serializers.CharField(
        required=False,
        max_length=12,
        write_only=True,
        help_text=gettext_lazy("Two-factor accounts: the current code from the authenticator app."),
    )


class TokenView(ObtainAuthToken):
    """POST username and password, get the token for `Authorization: Token …`.

    Throttled with the `login` scope per client address (a forwarded header counts only
    from a trusted proxy), and under the same sign-in limits as the browser form
    (crm/security/signin.py): a locked pair, address or slowed username answers 429.
    Wrong credentials are a 400 with field errors. An account enrolled in two-factor
    sign-in also sends `code`, the current six digits of its authenticator app.
    """

    # No session: a token request carries credentials, not a cookie (and needs no CSRF).
    authentication_classes = []
    throttle_classes = [ClientAddressScopedRateThrottle]
    throttle_scope = "login"
    serializer_class = TokenRequestSerializer

    @extend_schema(
        operation_id="auth_token_create",
        request=TokenRequestSerializer,
        responses={200: AuthTokenResponseSerializer},
        auth=[],
        tags=["auth"],
    )
    def post(self, request, *args, **kwargs):
        address = client_address(request)
        raw_username = request.data.get("username") if hasattr(request.data, "get") else ""
        username = raw_username if isinstance(raw_username, str) else ""
        verdict = signin_check(address=address, username=username)
        if not verdict.allowed:
            audit_record(
                kind=AuditKind.SIGNIN_REFUSED,
                request=request,
                username=username,
                summary="API token",
                details={"reason": verdict.reason},
            )
            self.throttled(request, verdict.wait_seconds)
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except ValidationError:
            if username:
                _failed(request, address=address, username=username, summary="API token")
            raise
        user = serializer.validated_data["user"]
        self._check_second_factor(
            request,
            user=user,
            code=serializer.validated_data.get("code", ""),
            address=address,
            username=username,
        )
        signin_succeeded(address=address, username=username)
        audit_record(
            kind=AuditKind.SIGNIN_SUCCEEDED, actor=user, request=request, summary="API token"
        )
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

    def _check_second_factor(self, request, *, user, code: str, address: str, username: str):
        """An account enrolled in two-factor sign-in gets a token only with a current
        `code` from its authenticator app, as the browser sign-in asks for one: a 400
        naming `code` otherwise (a wrong code counts as a failed sign-in)."""
        device = two_factor_device(user)
        if device is None:
            return
        if not code.strip():
            raise ValidationError({"code": [gettext("This field is required.")]})
        if not two_factor_verify(device, code):
            _failed(
                request, address=address, username=username, summary="API token, two-factor code"
            )
            raise ValidationError(
                {"code": [gettext("This code is not valid. Enter the current code.")]}
            )
