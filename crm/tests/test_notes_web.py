"""Notes and call history in the browser pages: deal, contact timeline, My day, lists."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import formats, timezone

from crm.models import Activity, Note
from crm.tests.factories import (
    ActivityFactory,
    CompanyFactory,
    ContactFactory,
    DealFactory,
    NoteFactory,
    TicketFactory,
    pipeline_with_stages,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(rep):
    stages = pipeline_with_stages(is_default=True)[1]
    contact = ContactFactory(owner=rep, first_name="Elif", company=CompanyFactory(name="Acme"))
    return DealFactory(stage=stages[0], owner=rep, contact=contact, title="Renewal")


def test_adding_a_note_on_a_deal_shows_it_escaped_with_its_line_breaks(client, rep, deal):
    client.force_login(rep)

    response = client.post(
        reverse("web:note_add", args=["deal", deal.pk]),
        {"body": "Bütçe onaylandı <script>x</script>\nپنجشنبه تماس"},
        follow=True,
    )

    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("web:deal_detail", args=[deal.pk]) + "#notes"
    assert "Bütçe onaylandı &lt;script&gt;x&lt;/script&gt;<br>پنجشنبه تماس" in html
    assert '<div class="note__body" dir="auto">' in html
    note = Note.objects.get()
    assert note.author == rep and note.deal == deal
    when = formats.date_format(timezone.localtime(note.created_at), "DATETIME_FORMAT")
    assert when in html


def test_an_empty_note_is_a_form_error_not_a_note(client, rep, deal):
    client.force_login(rep)

    response = client.post(reverse("web:note_add", args=["deal", deal.pk]), {"body": "  "})

    assert response.status_code == 422
    assert "errorlist" in response.content.decode()
    assert not Note.objects.exists()


def test_an_unknown_record_kind_or_another_reps_deal_is_a_404(client, rep, other_rep, deal):
    theirs = DealFactory(owner=other_rep, stage=deal.stage)
    client.force_login(rep)

    assert (
        client.post(reverse("web:note_add", args=["lead", deal.pk]), {"body": "x"}).status_code
        == 404
    )
    assert (
        client.post(reverse("web:note_add", args=["deal", theirs.pk]), {"body": "x"}).status_code
        == 404
    )
    assert not Note.objects.exists()


def test_a_colleagues_note_has_no_edit_buttons_but_your_own_does(client, rep, other_rep):
    contact = ContactFactory()
    theirs = NoteFactory(contact=contact, author=other_rep, body="Theirs")
    mine = NoteFactory(contact=contact, author=rep, body="Mine")
    client.force_login(rep)

    html = client.get(reverse("web:contact_detail", args=[contact.pk])).content.decode()

    assert reverse("web:note_edit", args=[mine.pk]) in html
    assert reverse("web:note_edit", args=[theirs.pk]) not in html
    assert client.post(reverse("web:note_pin", args=[theirs.pk])).status_code == 403


def test_pin_edit_and_delete_round_trip(client, rep):
    note = NoteFactory(author=rep, company=CompanyFactory(), contact=None, body="Old")
    client.force_login(rep)

    client.post(reverse("web:note_pin", args=[note.pk]))
    client.post(reverse("web:note_edit", args=[note.pk]), {"body": "New"})
    note.refresh_from_db()
    assert (note.pinned, note.body, note.edited_at is not None) == (True, "New", True)
    html = client.get(reverse("web:company_detail", args=[note.company_id])).content.decode()
    assert "note--pinned" in html and "edited" in html

    client.post(reverse("web:note_delete", args=[note.pk]))
    assert not Note.objects.exists()


def test_support_adds_a_note_on_a_ticket(client, support_agent):
    ticket = TicketFactory(contact=ContactFactory())
    client.force_login(support_agent)

    client.post(reverse("web:note_add", args=["ticket", ticket.pk]), {"body": "Escalated"})
    html = client.get(reverse("web:ticket_detail", args=[ticket.pk])).content.decode()

    assert "Escalated" in html and Note.objects.get().ticket == ticket


def test_logging_a_call_on_the_deal_keeps_outcome_and_notes_and_shows_the_date(client, rep, deal):
    client.force_login(rep)

    client.post(
        reverse("web:deal_log_activity", args=[deal.pk]),
        {
            "kind": "call",
            "subject": "Called Elif",
            "outcome": "left_voicemail",
            "notes": "Back Friday",
        },
    )
    html = client.get(reverse("web:deal_detail", args=[deal.pk])).content.decode()

    call = Activity.objects.get()
    assert (call.outcome, call.notes, call.contact) == (
        "left_voicemail",
        "Back Friday",
        deal.contact,
    )
    assert "Left voicemail" in html and "Back Friday" in html
    done = formats.date_format(timezone.localtime(call.done_at), "DATETIME_FORMAT")
    assert f"done on {done}" in html


def test_an_email_with_a_call_outcome_is_refused(client, rep, deal):
    client.force_login(rep)

    client.post(
        reverse("web:deal_log_activity", args=[deal.pk]),
        {"kind": "email", "subject": "Sent", "outcome": "busy"},
    )

    assert not Activity.objects.exists()


def test_the_contact_timeline_shows_call_outcomes_and_notes_of_deal_contact_and_company(
    client, rep, other_rep, deal
):
    contact = deal.contact
    long_notes = "Discussed pricing. " * 30
    ActivityFactory(
        assignee=rep,
        contact=contact,
        deal=deal,
        done_at=timezone.now(),
        outcome="no_answer",
        notes=long_notes,
        subject="Called",
    )
    NoteFactory(contact=None, deal=deal, author=rep, body="Deal note")
    NoteFactory(contact=contact, author=rep, body="Contact note")
    NoteFactory(contact=None, company=contact.company, author=rep, body="Company note")
    hidden = DealFactory(owner=other_rep, contact=contact, stage=deal.stage)
    NoteFactory(contact=None, deal=hidden, author=other_rep, body="Hidden deal note")
    client.force_login(rep)

    html = client.get(reverse("web:contact_detail", args=[contact.pk])).content.decode()

    assert "No answer" in html
    assert "Read all" in html and long_notes.strip()[:50] in html
    assert "Note on the deal Renewal" in html and "Deal note" in html
    assert "Contact note" in html
    assert "Note on Acme" in html and "Company note" in html
    assert "Hidden deal note" not in html


def test_my_day_shows_todays_calls_with_outcome_notes_and_date(client, rep):
    ActivityFactory(
        assignee=rep, done_at=timezone.now(), outcome="connected", notes="Wants a quote"
    )
    client.force_login(rep)

    html = client.get(reverse("web:home")).content.decode()

    assert "Connected" in html and "Wants a quote" in html
    assert "done on " in html


def test_the_quick_log_takes_an_outcome(client, rep):
    client.force_login(rep)

    response = client.post(
        reverse("web:activity_quick_log"),
        {"kind": "call", "subject": "Call", "outcome": "wrong_number", "notes": "Old number"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert Activity.objects.get().outcome == "wrong_number"
    assert "Wrong number" in response.content.decode()


def test_the_activity_list_dates_done_activities(client, rep):
    done_at = datetime(2025, 3, 14, 15, 30, tzinfo=UTC)
    ActivityFactory(assignee=rep, done_at=done_at, due_at=done_at - timedelta(hours=1))
    client.force_login(rep)

    html = client.get(reverse("web:activity_list"), {"state": "done"}).content.decode()

    assert formats.date_format(timezone.localtime(done_at), "SHORT_DATETIME_FORMAT") in html


def test_a_ticket_page_labels_its_note_box_and_its_reply_box_apart(client, manager):
    ticket = TicketFactory()
    client.force_login(manager)
    page = client.get(reverse("web:ticket_detail", args=[ticket.pk])).content.decode()

    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    assert '<label for="note_body"' in page and 'id="note_body"' in page
