from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import ScopedRateThrottle

from crm.api.serializers import AuthTokenResponseSerializer


class TokenView(ObtainAuthToken):
    """POST username and password, get the token for `Authorization: Token …`.

    Throttled with the `login` scope; wrong credentials are a 400 with field errors.
    """

    # No session: a token request carries credentials, not a cookie (and needs no CSRF).
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        operation_id="auth_token_create",
        request=AuthTokenSerializer,
        responses={200: AuthTokenResponseSerializer},
        auth=[],
        tags=["auth"],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)
