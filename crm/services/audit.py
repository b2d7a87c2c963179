"""The audit log: one call per security event, from the service that did the thing."""

import ipaddress

from django.db import models

from crm.models import AuditEvent, AuditKind
from crm.security.client_address import client_address


def _address_or_none(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def audit_record(
    *,
    kind: AuditKind | str,
    actor=None,
    request=None,
    username: str = "",
    target: models.Model | None = None,
    summary: str = "",
    details: dict | None = None,
) -> AuditEvent:
    """Append one `AuditEvent` and return it.

    `actor` is the user who acted (None for an anonymous failed sign-in, then `username`
    names who was tried); `request` supplies the client address (from
    `crm.security.client_address`, so a forwarded header counts only behind a trusted
    proxy); `target` is the record acted on (type and id are stored, not a foreign key,
    so the row outlives a deleted record); `summary` is a short English line for the
    log (≤ 500 characters, truncated); `details` is JSON-serialisable extra data.
    Runs in the caller's transaction: a rolled-back action leaves no audit row.
    """
    if actor is not None and getattr(actor, "is_authenticated", False):
        username = username or actor.get_username()
    else:
        actor = None
    return AuditEvent.objects.create(
        kind=kind,
        actor=actor,
        username=(username or "")[:150],
        address=_address_or_none(client_address(request)) if request is not None else None,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None and target.pk is not None else "",
        summary=summary[:500],
        details=details or {},
    )
