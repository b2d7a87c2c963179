"""Notes on a deal, contact, company or ticket: add, edit, pin, delete.

The notes panel (templates/notes/_notes.html) sits on each record's page; its forms post
here and come back to the record. Seeing the record is what allows noting it.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm.models import Company, Contact, Deal, Note, Ticket
from crm.services.notes import RECORD_RESOURCES, note_create, note_delete, note_update
from crm.web import selectors
from crm.web.access import access_row, web_view
from crm.web.forms.notes import NoteForm
from crm.web.views.common import form_round_trip
from crm.web.views.deletion import delete_round_trip

RECORD_MODELS: dict[str, type[Deal | Contact | Company | Ticket]] = {
    "deal": Deal,
    "contact": Contact,
    "company": Company,
    "ticket": Ticket,
}
RECORD_LABELS = {
    "deal": gettext_lazy("deal"),
    "contact": gettext_lazy("contact"),
    "company": gettext_lazy("company"),
    "ticket": gettext_lazy("ticket"),
}


def notes_context(user, record_field: str, record) -> dict:
    """What a record's page passes to templates/notes/_notes.html as `notes`."""
    panel = selectors.notes_panel(user=user, record_field=record_field, record=record)
    panel["form"] = NoteForm()
    return panel


def record_url(record_field: str, pk: int) -> str:
    return reverse(f"web:{record_field}_detail", args=[pk]) + "#notes"


def _record(user, record_field: str, pk):
    """The record to note, if the user may see it (else 404; no read right at all, 403)."""
    if record_field not in RECORD_MODELS:
        raise Http404
    model = RECORD_MODELS[record_field]
    return access_row(user, RECORD_RESOURCES[record_field], model.objects.all(), pk)


@web_view("notes", write=True)
def note_add(request, record, pk):
    user = request.user
    row = _record(user, record, pk)
    form = NoteForm(request.POST or None)
    return form_round_trip(
        request,
        form=form,
        save=lambda data: note_create(actor=user, body=data["body"], **{record: row}),
        success_url=lambda note: record_url(record, pk),
        success_message=_("Note added."),
        context={
            "heading": _("Note on %(record)s") % {"record": row},
            "cancel_url": record_url(record, pk),
            "back_url": record_url(record, pk),
            "back_label": str(row),
        },
    )


def _own_note(request, pk) -> Note:
    """A note on a record the user sees (else 404) that they may change (else 403)."""
    return access_row(
        request.user,
        "notes",
        Note.objects.select_related("deal", "contact", "company", "ticket"),
        pk,
        write=True,
    )


@web_view("notes", write=True)
def note_edit(request, pk):
    user = request.user
    note = _own_note(request, pk)
    form = NoteForm(request.POST or None, initial={"body": note.body})
    back = record_url(note.record_field, note.record.pk)
    return form_round_trip(
        request,
        form=form,
        save=lambda data: note_update(
            note=Note.objects.get(pk=note.pk), actor=user, data={"body": data["body"]}
        ),
        success_url=lambda saved: back,
        success_message=_("Note saved."),
        context={
            "heading": _("Edit note"),
            "cancel_url": back,
            "back_url": back,
            "back_label": str(note.record),
        },
    )


@web_view("notes", write=True)
def note_delete_view(request, pk):
    note = _own_note(request, pk)
    back = record_url(note.record_field, note.record.pk)
    return delete_round_trip(
        request,
        obj=note,
        kind=_("note"),
        delete=lambda: note_delete(note=note, actor=request.user),
        cancel_url=back,
        success_url=back,
    )


@require_POST
@web_view("notes", write=True)
def note_pin(request, pk):
    """Pin a note to the top of its record's notes, or unpin it."""
    note = _own_note(request, pk)
    note = note_update(note=note, actor=request.user, data={"pinned": not note.pinned})
    messages.success(request, _("Note pinned.") if note.pinned else _("Note unpinned."))
    return redirect(record_url(note.record_field, note.record.pk))
