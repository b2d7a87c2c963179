"""The client's network address, trusting `X-Forwarded-For` only as far as settings say.

Every limit that keys on an address (DRF throttles, the browser sign-in lock, password
reset mails, the audit log) calls `client_address`, so a client cannot pick its own
address by sending a header.

Settings (django-environ, see `.env.example`):

- `TRUSTED_PROXIES`: addresses or CIDR networks of the proxies in front of the site
  (`10.0.0.0/8,127.0.0.1`). The request must come from one of them for the header to be
  read at all; the header is then walked from the right, skipping trusted hops, and the
  first untrusted address is the client.
- `NUM_PROXIES`: used when no list is given: the number of proxies that append to the
  header. The client is the entry that many places from the right.

With neither (the default) the header is ignored and the socket address (`REMOTE_ADDR`)
is the client.
"""

import ipaddress
from contextvars import ContextVar
from functools import lru_cache

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry)


def trusted_networks() -> tuple[Network, ...]:
    """`TRUSTED_PROXIES` parsed into networks; raises ValueError on a malformed entry."""
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))


def _parse(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address.strip())
    except ValueError:
        return None


def _is_trusted(address, networks) -> bool:
    return any(address in network for network in networks)


def client_address(request) -> str:
    """The address the request came from, as a string (`"203.0.113.7"`, `"::1"`).

    `request` is a Django `HttpRequest` or a DRF `Request`. Returns `""` when there is no
    request or no socket address (a test client may omit it). A forwarded entry that is
    not an IP address is never returned: the nearest trustworthy address is used instead.
    """
    if request is None:
        return ""
    meta = request.META
    remote = (meta.get("REMOTE_ADDR") or "").strip()
    forwarded = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [hop for hop in forwarded if hop]
    try:
        networks = trusted_networks()
    except ValueError:  # a malformed list (check goalpost.E006) trusts nobody
        networks = ()
        num_proxies_allowed = False
    else:
        num_proxies_allowed = True
    if networks:
        remote_ip = _parse(remote)
        if remote_ip is None or not _is_trusted(remote_ip, networks):
            return remote
        client = remote
        for hop in reversed(forwarded):
            hop_ip = _parse(hop)
            if hop_ip is None:
                break
            client = str(hop_ip)
            if not _is_trusted(hop_ip, networks):
                break
        return client
    num_proxies = int(getattr(settings, "NUM_PROXIES", 0) or 0)
    if num_proxies_allowed and num_proxies > 0 and forwarded:
        hop_ip = _parse(forwarded[-min(num_proxies, len(forwarded))])
        if hop_ip is not None:
            return str(hop_ip)
    return remote


_current_address: ContextVar[str] = ContextVar("goalpost_client_address", default="")


def current_client_address() -> str:
    """The client address of the request being served in this context ("" outside one),
    for code with no request at hand (services writing the audit log)."""
    return _current_address.get()


class ClientAddressMiddleware:
    """Sets `request.client_address` and the context's current address for the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.client_address = client_address(request)
        token = _current_address.set(request.client_address)
        try:
            return self.get_response(request)
        finally:
            _current_address.reset(token)
