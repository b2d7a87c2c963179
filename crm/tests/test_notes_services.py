"""Notes: who may write, read, edit and delete them, role by role (crm/policies.py)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from crm import policies, selectors
from crm.models import Note
from crm.services.activities import activity_create, activity_update
from crm.services.notes import note_create, note_delete, note_update
from crm.tests.factories import (
    CompanyFactory,
    ContactFactory,
    DealFactory,
    NoteFactory,
    TicketFactory,
)

pytestmark = pytest.mark.django_db


def test_a_rep_notes_their_own_deal(rep):
    deal = DealFactory(owner=rep)

    note = note_create(actor=rep, deal=deal, body="  Budget signed off.\nCall Monday.  ")

    assert (note.deal, note.author, note.body) == (deal, rep, "Budget signed off.\nCall Monday.")
    assert note.edited_at is None and not note.pinned


def test_a_rep_cannot_note_another_reps_deal(rep, other_rep):
    theirs = DealFactory(owner=other_rep)

    with pytest.raises(PermissionDenied):
        note_create(actor=rep, deal=theirs, body="Sneaky")

    assert not Note.objects.exists()


@pytest.mark.parametrize("role", ["support_agent", "marketer"])
def test_roles_without_deals_cannot_note_a_deal(request, role):
    deal = DealFactory()

    with pytest.raises(PermissionDenied):
        note_create(actor=request.getfixturevalue(role), deal=deal, body="x")


def test_support_notes_a_ticket_and_reads_it_back(support_agent, rep):
    ticket = TicketFactory(contact=ContactFactory(owner=rep))

    note = note_create(actor=support_agent, ticket=ticket, body="Customer called twice.")

    assert list(selectors.note_list(user=support_agent)) == [note]
    # The rep follows their customer's tickets, so they see the note too.
    assert list(selectors.note_list(user=rep)) == [note]


def test_marketing_notes_a_contact_and_a_company(marketer):
    contact, company = ContactFactory(), CompanyFactory()

    note_create(actor=marketer, contact=contact, body="Came from the webinar.")
    note_create(actor=marketer, company=company, body="Target account.")

    assert selectors.note_list(user=marketer).count() == 2


def test_notes_follow_their_records_visibility(rep, other_rep, manager, marketer, support_agent):
    mine = NoteFactory(contact=None, deal=DealFactory(owner=rep))
    theirs = NoteFactory(contact=None, deal=DealFactory(owner=other_rep))
    on_contact = NoteFactory(contact=ContactFactory(owner=other_rep))
    on_other_ticket = NoteFactory(contact=None, ticket=TicketFactory(contact=ContactFactory()))

    def seen(user):
        return set(selectors.note_list(user=user))

    assert seen(rep) == {mine, on_contact}
    assert seen(other_rep) == {theirs, on_contact}
    assert seen(manager) == {mine, theirs, on_contact, on_other_ticket}
    assert seen(marketer) == {on_contact}
    assert seen(support_agent) == {on_contact, on_other_ticket}


def test_a_note_needs_exactly_one_record(rep):
    contact, company = ContactFactory(), CompanyFactory()

    with pytest.raises(ValidationError):
        note_create(actor=rep, body="Nowhere")
    with pytest.raises(ValidationError):
        note_create(actor=rep, contact=contact, company=company, body="Twice")


def test_the_database_refuses_a_note_on_two_records():
    with pytest.raises(IntegrityError), transaction.atomic():
        Note.objects.create(body="x", contact=ContactFactory(), company=CompanyFactory())


def test_a_blank_or_huge_note_is_refused(rep):
    contact = ContactFactory()

    with pytest.raises(ValidationError) as blank:
        note_create(actor=rep, contact=contact, body=" \n ")
    with pytest.raises(ValidationError) as huge:
        note_create(actor=rep, contact=contact, body="x" * 10_001)

    assert "body" in blank.value.message_dict and "body" in huge.value.message_dict
    assert not Note.objects.exists()


def test_the_author_edits_and_the_edit_is_stamped(rep):
    note = NoteFactory(author=rep)

    note_update(note=note, actor=rep, data={"body": "Corrected"})
    note.refresh_from_db()

    assert note.body == "Corrected" and note.edited_at is not None


def test_pinning_is_not_an_edit(rep):
    note = NoteFactory(author=rep)

    note_update(note=note, actor=rep, data={"pinned": True})
    note.refresh_from_db()

    assert note.pinned and note.edited_at is None


def test_pinned_notes_come_first_then_newest(rep):
    contact = ContactFactory()
    old = note_create(actor=rep, contact=contact, body="old")
    pinned = note_create(actor=rep, contact=contact, body="pinned")
    new = note_create(actor=rep, contact=contact, body="new")
    note_update(note=old, actor=rep, data={"pinned": True})
    note_update(note=pinned, actor=rep, data={"pinned": True})

    assert list(Note.objects.filter(contact=contact)) == [pinned, old, new]


def test_only_the_author_or_a_manager_changes_a_note(rep, other_rep, manager, admin_user):
    contact = ContactFactory()
    note = NoteFactory(author=rep, contact=contact)

    for stranger in (other_rep,):
        assert policies.can_read(stranger, "notes")
        with pytest.raises(PermissionDenied):
            note_update(note=note, actor=stranger, data={"body": "Mine now"})
        with pytest.raises(PermissionDenied):
            note_delete(note=note, actor=stranger)
    note_update(note=note, actor=manager, data={"body": "Tidied"})
    note_delete(note=note, actor=admin_user)

    assert not Note.objects.exists()


def test_a_note_cannot_move_to_another_record(rep):
    note = NoteFactory(author=rep)

    with pytest.raises(ValidationError):
        note_update(note=note, actor=rep, data={"contact": ContactFactory()})


# --- Call outcomes ---------------------------------------------------------------------


def test_a_call_keeps_its_outcome(rep):
    call = activity_create(
        actor=rep, kind="call", subject="Called", outcome="left_voicemail", notes="Try Friday"
    )

    assert call.get_outcome_display() == "Left voicemail"


def test_only_a_call_has_an_outcome(rep):
    with pytest.raises(ValidationError):
        activity_create(actor=rep, kind="email", subject="Sent", outcome="busy")


def test_a_call_turned_into_a_task_drops_its_outcome(rep):
    call = activity_create(actor=rep, kind="call", subject="Called", outcome="no_answer")

    task = activity_update(activity=call, actor=rep, data={"kind": "task"})

    assert task.outcome == ""


def test_browser_line_breaks_are_kept_as_one_kind(rep):
    note = note_create(actor=rep, contact=ContactFactory(), body="first\r\nsecond\rthird")

    assert note.body == "first\nsecond\nthird"
