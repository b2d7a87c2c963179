"""The audit log: one call per security event, from the service that did the thing."""

import ipaddress
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.http import HttpRequest

from crm.models import AuditEvent, AuditKind, User
from crm.security.client_address import client_address, current_client_address


def _address_or_none(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def audit_record(
    *,
    kind: AuditKind | str,
    actor: User | AnonymousUser | None = None,
    request: HttpRequest | None = None,
    username: str = "",
    target: models.Model | None = None,
    summary: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one `AuditEvent` and return it.

    `actor` is the user who acted (None for an anonymous failed sign-in, then `username`
    names who was tried); `request` supplies the client address (from
    `crm.security.client_address`, so a forwarded header counts only behind a trusted
    proxy; without it, the address of the request being served, if any); `target` is the record acted on (type and id are stored, not a foreign key,
    so the row outlives a deleted record); `summary` is a short English line for the
    log (≤ 500 characters, truncated); `details` is JSON-serialisable extra data.
    Runs in the caller's transaction: a rolled-back action leaves no audit row.
    """
    # A User is always authenticated; an AnonymousUser (or None) is not recorded as actor.
    if isinstance(actor, User):
        username = username or actor.get_username()
    else:
        actor = None
    return AuditEvent.objects.create(
        kind=kind,
        actor=actor,
        username=(username or "")[:150],
        address=_address_or_none(
            client_address(request) if request is not None else current_client_address()
        ),
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None and target.pk is not None else "",
        summary=summary[:500],
        details=details or {},
    )


def audit_deleted(*, actor: User | AnonymousUser | None, record: models.Model) -> AuditEvent:
    """Record that `actor` deletes `record`; call inside the delete's transaction, before
    the row goes (a refused delete rolls the audit row back with it)."""
    return audit_record(
        kind=AuditKind.DELETED,
        actor=actor,
        target=record,
        summary=f"{record._meta.verbose_name}: {record}",
    )


def audit_settings_changed(
    *,
    actor: User | AnonymousUser | None,
    record: models.Model | None,
    what: str,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record a workspace settings change (`what`: e.g. "lost_reason.update")."""
    return audit_record(
        kind=AuditKind.SETTINGS_CHANGED,
        actor=actor,
        target=record,
        summary=what,
        details=details or {},
    )
