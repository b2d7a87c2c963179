"""Notes on deals, contacts, companies and tickets: write, edit, pin, delete.

Whoever may see a record may note it; a note is its author's to change, and managers
and admins may change anyone's (crm/policies.py, resource "notes").
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import policies
from crm.models import NOTE_RECORD_FIELDS, Company, Contact, Deal, Note, Ticket, User
from crm.services.audit import audit_deleted

from .common import model_save

# The policy resource that decides who sees each kind of record.
RECORD_RESOURCES = {
    "deal": "deals",
    "contact": "contacts",
    "company": "companies",
    "ticket": "tickets",
}


def note_record_check(
    *, actor: User | None, record_field: str, record: Deal | Contact | Company | Ticket
) -> None:
    """The actor may see the record (else PermissionDenied: the views answer 404 first)."""
    resource = RECORD_RESOURCES[record_field]
    visible = policies.scope(actor, resource, type(record).objects.filter(pk=record.pk))
    if not visible.exists():
        raise PermissionDenied(_("You may not add notes to this record."))


def note_edit_check(*, note: Note, actor: User | None) -> None:
    if not policies.can_edit_row(actor, "notes", note):
        raise PermissionDenied(_("Only the author or a manager may change this note."))


def _clean_body(body: str) -> str:
    # Browsers send a textarea's line breaks as CRLF; keep one kind of line break.
    body = (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not body:
        raise ValidationError({"body": _("Write something first.")})
    return body


@transaction.atomic
def note_create(*, actor: User | None, body: str, pinned: bool = False, **record: Any) -> Note:
    """Write a note on exactly one record, given as `deal=`, `contact=`, `company=` or
    `ticket=`."""
    given = {name: row for name, row in record.items() if row is not None}
    unknown = set(given) - set(NOTE_RECORD_FIELDS)
    if unknown or len(given) != 1:
        raise ValidationError(_("A note belongs to exactly one deal, contact, company or ticket."))
    ((record_field, row),) = given.items()
    note_record_check(actor=actor, record_field=record_field, record=row)
    note = Note(author=actor, body=_clean_body(body), pinned=pinned, **given)
    return model_save(note)


@transaction.atomic
def note_update(*, note: Note, actor: User | None, data: dict[str, Any]) -> Note:
    """Change a note's text (stamping `edited_at`) or its pin; the record stays."""
    note_edit_check(note=note, actor=actor)
    moved = [
        name for name in NOTE_RECORD_FIELDS if name in data and data[name] != getattr(note, name)
    ]
    if moved:
        raise ValidationError(
            {name: _("A note stays on the record it was written on.") for name in moved}
        )
    # Naming the record it is on (an API client sending the whole note back) is no change.
    data = {name: value for name, value in data.items() if name not in NOTE_RECORD_FIELDS}
    unknown = set(data) - {"body", "pinned"}
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    if "body" in data:
        body = _clean_body(data["body"])
        if body != note.body:
            note.body = body
            note.edited_at = timezone.now()
    if "pinned" in data:
        note.pinned = bool(data["pinned"])
    return model_save(note)


@transaction.atomic
def note_delete(*, note: Note, actor: User | None) -> None:
    audit_deleted(actor=actor, record=note)
    note_edit_check(note=note, actor=actor)
    Note.objects.filter(pk=note.pk).delete()
