"""Notes and call history in real Chromium: a rep notes a deal in Persian, logs a call
with its outcome, and finds both, dated, on the deal, the contact's timeline and My day."""

import re

import pytest
from django.utils import formats, timezone
from playwright.sync_api import expect

from crm.models import Activity, Note
from crm.tests.factories import ContactFactory, DealFactory, pipeline_with_stages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE_FIRST_LINE = "مشتری بودجه را تأیید کرد"
NOTE_SECOND_LINE = "پنجشنبه دوباره تماس بگیرید"
CALL_NOTES = "Elif Hanım toplantıdaydı; cuma sabahı tekrar aranacak."


def _today() -> str:
    """Today's date as the pages write it (the date part of DATETIME_FORMAT)."""
    return formats.date_format(timezone.localdate(), "DATE_FORMAT")


def test_a_rep_notes_a_deal_logs_a_call_and_sees_both_everywhere(browser_login, live_server, rep):
    stages = pipeline_with_stages(is_default=True)[1]
    contact = ContactFactory(first_name="Elif", last_name="Yılmaz", owner=rep)
    deal = DealFactory(title="Kestane renewal", owner=rep, contact=contact, stage=stages[0])
    page = browser_login(rep)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # A note, typed as a person types, with a line break.
    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    notes = page.locator("#notes")
    box = notes.get_by_role("textbox", name="Note")
    box.click()
    box.press_sequentially(NOTE_FIRST_LINE, delay=10)
    box.press("Enter")
    box.press_sequentially(NOTE_SECOND_LINE, delay=10)
    notes.get_by_role("button", name="Add note").click()
    expect(page).to_have_url(re.compile(rf"/deals/{deal.pk}/#notes$"), timeout=15_000)
    note = page.locator(".note").first
    expect(note.locator(".note__body")).to_have_text(
        f"{NOTE_FIRST_LINE}\n{NOTE_SECOND_LINE}", use_inner_text=True, timeout=15_000
    )
    expect(note.locator(".note__body")).to_have_attribute("dir", "auto")
    expect(note).to_contain_text(_today())
    expect(note).to_contain_text(str(rep))

    # A call: the outcome shows for calls only.
    log = page.locator("form", has=page.get_by_role("button", name="Log it"))
    outcome = log.get_by_label("Outcome")
    log.get_by_label("Kind").select_option(label="Email")
    expect(outcome).to_be_hidden()
    log.get_by_label("Kind").select_option(label="Call")
    expect(outcome).to_be_visible()
    log.get_by_label("Subject").fill("Called Elif about the renewal")
    outcome.select_option(label="Left voicemail")
    log.get_by_label("Notes").fill(CALL_NOTES)
    log.get_by_role("button", name="Log it").click()

    task = page.locator(".task", has_text="Called Elif about the renewal")
    expect(task).to_contain_text("Left voicemail", timeout=15_000)
    expect(task).to_contain_text(CALL_NOTES)
    expect(task.locator("time")).to_contain_text(_today())
    expect(page.locator(".note").first).to_contain_text(NOTE_SECOND_LINE)

    # The contact's timeline: the deal's note and the call, each with its date.
    page.get_by_role("link", name="Elif Yılmaz").first.click()
    expect(page).to_have_url(re.compile(rf"/contacts/{contact.pk}/$"), timeout=15_000)
    timeline = page.locator("ol.timeline")
    note_entry = timeline.locator("li", has_text="Note on the deal Kestane renewal")
    expect(note_entry).to_contain_text(NOTE_FIRST_LINE)
    expect(note_entry.locator("time")).to_contain_text(_today())
    call_entry = timeline.locator("li", has_text="Called Elif about the renewal")
    expect(call_entry).to_contain_text("Left voicemail")
    expect(call_entry).to_contain_text(CALL_NOTES)
    expect(call_entry.locator("time")).to_contain_text(_today())

    # My day: the call is among today's, with its notes.
    page.goto(f"{live_server.url}/")
    done = page.locator("#done-today .task", has_text="Called Elif about the renewal")
    expect(done).to_contain_text(CALL_NOTES, timeout=15_000)
    expect(done).to_contain_text("Left voicemail")

    assert Note.objects.get().body == f"{NOTE_FIRST_LINE}\n{NOTE_SECOND_LINE}"
    call = Activity.objects.get()
    assert (call.outcome, call.deal_id, call.contact_id) == ("left_voicemail", deal.pk, contact.pk)
    assert errors == []


def test_long_call_notes_open_whole_on_my_day(browser_login, live_server, rep):
    long_notes = "Discussed the rollout plan in detail. " * 12 + "THE END"
    Activity.objects.create(
        kind="call",
        subject="Long call",
        assignee=rep,
        due_at=timezone.now(),
        done_at=timezone.now(),
        outcome="connected",
        notes=long_notes,
    )
    page = browser_login(rep)

    page.goto(f"{live_server.url}/")
    task = page.locator("#done-today .task", has_text="Long call")
    expect(task.get_by_text("THE END")).to_be_hidden(timeout=15_000)
    task.get_by_text("Read all").click()
    expect(task.get_by_text("THE END")).to_be_visible()


def test_my_days_quick_log_asks_a_calls_outcome_only_for_calls(browser_login, live_server, rep):
    page = browser_login(rep)
    page.goto(f"{live_server.url}/")
    dialog = page.locator("dialog#quick-log")

    page.get_by_role("button", name="Log an email").click()
    expect(dialog.get_by_label("Outcome")).to_be_hidden()
    dialog.get_by_role("button", name="Cancel").click()

    page.get_by_role("button", name="Log a call").click()
    dialog.get_by_label("Outcome").select_option(label="Busy")
    dialog.get_by_label("What happened?").fill("Rang the warehouse")
    dialog.get_by_label("Notes").fill("Line busy twice")
    dialog.get_by_role("button", name="Save").click()

    done = page.locator("#done-today .task", has_text="Rang the warehouse")
    expect(done).to_contain_text("Busy", timeout=15_000)
    expect(done).to_contain_text("Line busy twice")
    expect(done.locator("time")).to_contain_text(_today())
    assert Activity.objects.get().outcome == "busy"
