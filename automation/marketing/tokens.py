"""Signed tokens in public links: tracking, unsubscribe. A forged or altered one is None."""

from django.conf import settings
from django.core import signing

_OPEN = signing.Signer(salt="marketing.email")
_UNSUBSCRIBE = signing.Signer(salt="marketing.unsubscribe")


def public_url(path: str) -> str:
    """Absolute URL for links in emails (they are read outside the site)."""
    base = settings.GOALPOST_PUBLIC_URL.rstrip("/")
    return f"{base}{path}"


def _unsign(signer: signing.Signer, token: str) -> int | None:
    try:
        return int(signer.unsign(token))
    except (signing.BadSignature, ValueError, TypeError):
        return None


def email_token(send_id: int) -> str:
    return _OPEN.sign(str(send_id))


def email_from_token(token: str) -> int | None:
    return _unsign(_OPEN, token)


def unsubscribe_token(contact_id: int) -> str:
    return _UNSUBSCRIBE.sign(str(contact_id))


def contact_from_unsubscribe_token(token: str) -> int | None:
    return _unsign(_UNSUBSCRIBE, token)
