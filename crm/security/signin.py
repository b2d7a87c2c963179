"""Limits on failed sign-ins, shared by the browser form and the API token endpoint.

Three counters live in the shared cache (Redis in production, so every web process sees
the same counts), each over `LOGIN_FAILURE_WINDOW_SECONDS`:

1. per (address, username): `LOGIN_FAILURE_LIMIT` failures lock that pair. This is the
   only lock an address can cause for a username, and it binds that address alone: the
   account stays open to its owner anywhere else.
2. per address, across usernames: `LOGIN_ADDRESS_FAILURE_LIMIT` failures lock the address
   for every username (password spraying: one guess for each of many accounts).
3. per username, across addresses: past `LOGIN_USERNAME_FAILURE_LIMIT` failures the
   username is *slowed*, not locked: one attempt per `LOGIN_USERNAME_SLOWDOWN_SECONDS`
   from anywhere, except from a browser that signed in as that user before (a signed
   "known device" cookie, as OWASP recommends). A distributed guesser is cut to a trickle
   while the owner, on their own browser, is never turned away.

Addresses come from `crm.security.client_address`, never from a header the client picks.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache

KNOWN_DEVICE_COOKIE = "goalpost_known_device"
_KNOWN_DEVICE_SALT = "goalpost.signin.known-device"
KNOWN_DEVICE_MAX_AGE = 180 * 24 * 60 * 60  # seconds


@dataclass(frozen=True)
class SigninVerdict:
    """Whether an attempt may be checked; `wait_seconds` is how long to wait if not."""

    allowed: bool
    wait_seconds: int = 0
    reason: str = ""  # "pair", "address" or "username" when refused


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def normalise_username(username: str | None) -> str:
    return (username or "").strip().lower()


def _keys(address: str, username: str) -> dict[str, str]:
    user = _digest(normalise_username(username))
    addr = _digest(address or "-")
    return {
        "pair": f"signin:pair:{addr}:{user}",
        "address": f"signin:address:{addr}",
        "username": f"signin:username:{user}",
        "slot": f"signin:slot:{user}",
    }


def _count(key: str) -> int:
    return int(cache.get(key, 0) or 0)


def _bump(key: str, timeout: int) -> None:
    # add() then incr(): atomic on Redis, so concurrent processes never lose a failure.
    cache.add(key, 0, timeout=timeout)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)


def signin_check(*, address: str, username: str, known_device: bool = False) -> SigninVerdict:
    """May this attempt be checked against the password? Call before authenticating.

    `known_device` is True when the browser carries a valid known-device cookie for
    `username` (see `known_device_for`); it exempts the attempt from the username-wide
    slowdown only. Taking the slowdown's slot counts as the attempt.
    """
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    keys = _keys(address, username)
    if _count(keys["pair"]) >= settings.LOGIN_FAILURE_LIMIT:
        return SigninVerdict(False, window, "pair")
    if _count(keys["address"]) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
        return SigninVerdict(False, window, "address")
    if not known_device and _count(keys["username"]) >= settings.LOGIN_USERNAME_FAILURE_LIMIT:
        slowdown = settings.LOGIN_USERNAME_SLOWDOWN_SECONDS
        if not cache.add(keys["slot"], 1, timeout=slowdown):
            return SigninVerdict(False, slowdown, "username")
    return SigninVerdict(True)


def signin_failed(*, address: str, username: str) -> None:
    """Count a wrong password (or unknown username) against all three counters."""
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    keys = _keys(address, username)
    for name in ("pair", "address", "username"):
        _bump(keys[name], window)


def signin_succeeded(*, address: str, username: str) -> None:
    """A right password clears its own pair; the address and username counts stay, so
    one good account cannot launder a spray from the same address."""
    cache.delete(_keys(address, username)["pair"])


def known_device_token(username: str) -> str:
    """Signed cookie value naming the user who signed in on this browser."""
    return signing.dumps(normalise_username(username), salt=_KNOWN_DEVICE_SALT)


def known_device_for(request, username: str) -> bool:
    """Whether `request` carries a valid, unexpired known-device cookie for `username`."""
    value = request.COOKIES.get(KNOWN_DEVICE_COOKIE) if request is not None else None
    if not value:
        return False
    try:
        signed = signing.loads(value, salt=_KNOWN_DEVICE_SALT, max_age=KNOWN_DEVICE_MAX_AGE)
    except signing.BadSignature:
        return False
    return bool(username) and signed == normalise_username(username)
