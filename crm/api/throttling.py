"""DRF throttles keyed on the client address from trusted proxies only."""

from rest_framework.throttling import ScopedRateThrottle

from crm.security.client_address import client_address


class ClientAddressScopedRateThrottle(ScopedRateThrottle):
    """`ScopedRateThrottle` whose anonymous identity is `client_address(request)`.

    DRF's `get_ident` reads `X-Forwarded-For` as the client sends it unless NUM_PROXIES
    is set; a new header per request would then be a fresh allowance.
    """

    def get_ident(self, request) -> str:
        return client_address(request)
