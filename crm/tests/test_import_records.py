"""Imports of leads, activities and tickets: links, row checks, preview and templates.

Each kind names its contact by email (created only when the row also names it), its
owner or assignee by username or email, and the records its export points at the way
the export writes them: a lead's deal by id, an activity's lead by id and deal by title.
A bad row is a row error in the report, never a failed job.
"""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from crm.importing.selectors import import_preview
from crm.models import Activity, Contact, DomainEvent, ImportJob, ImportStatus, Lead, Ticket
from crm.tests.factories import (
    CampaignFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
)
from crm.tests.test_import_jobs import make_job, report_lines, start_and_run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def ada():
    return ContactFactory(email="ada@example.test", first_name="Ada", last_name="Lovelace")


def _errors(job):
    return [(line[0], line[1], line[2]) for line in report_lines(job)[1:]]


# --- leads ------------------------------------------------------------------------------


def test_leads_link_their_contact_owner_campaign_and_deal(manager, rep, ada):
    deal = DealFactory(title="Refit", contact=ada)
    CampaignFactory(name="Spring fair")
    rows = [
        [
            *("contact_email", "contact_name", "status", "score", "owner", "campaign"),
            *("converted_at", "deal", "created_at"),
        ],
        [
            *("ADA@example.test", "", "converted", "5", "rep1", "spring fair"),
            *("2024-03-06 10:00:00", str(deal.pk), "2024-03-05 14:30:15"),
        ],
        ["new@example.test", "Grace Hopper", "new", "40", "", "", "", "", ""],
    ]

    job = start_and_run(make_job(manager, "leads", rows), manager)

    assert (job.status, job.created_rows, job.failed_rows) == (ImportStatus.COMPLETED, 2, 0)
    converted = Lead.objects.get(contact=ada)
    assert (converted.status, converted.score, converted.owner, converted.deal) == (
        "converted",
        5,
        rep,
        deal,
    )
    assert converted.campaign.name == "Spring fair"
    assert converted.created_at == dt.datetime(2024, 3, 5, 14, 30, 15, tzinfo=dt.UTC)
    grace = Lead.objects.get(contact__email="new@example.test")
    assert (grace.contact.first_name, grace.contact.last_name) == ("Grace", "Hopper")
    assert (grace.owner, grace.source) == (manager, "import")


def test_bad_lead_rows_are_row_errors(manager, ada):
    rows = [
        ["contact_email", "status", "score", "converted_at", "deal", "owner"],
        ["nobody@example.test", "new", "1", "", "", ""],
        ["ada@example.test", "converted", "1", "", "", ""],
        ["ada@example.test", "new", "high", "", "", ""],
        ["ada@example.test", "new", "1", "", "99999", ""],
        ["ada@example.test", "new", "1", "", "", "ghost"],
        ["ada@example.test", "new", "1", "2024-01-01", "", ""],
        ["", "new", "1", "", "", ""],
    ]

    job = start_and_run(make_job(manager, "leads", rows), manager)

    assert (job.status, job.created_rows, job.failed_rows) == (ImportStatus.COMPLETED, 0, 7)
    assert _errors(job) == [
        (
            "2",
            "contact_email",
            "No contact has the email nobody@example.test; map a first-name column to create one.",
        ),
        ("3", "converted_at", "A converted lead needs the date it was converted."),
        ("4", "score", "“high” is not a whole number."),
        ("5", "deal", "No deal has the id 99999."),
        ("6", "owner", "No active user “ghost”."),
        ("7", "converted_at", "Only a converted lead has a conversion date."),
        ("8", "contact_email", "This field is required."),
    ]
    assert not Lead.objects.exists()
    assert Contact.objects.count() == 1


# --- activities -------------------------------------------------------------------------


def test_activities_find_their_deal_by_title_and_their_lead_by_id(manager, rep, ada):
    grace = ContactFactory(email="grace@example.test")
    DealFactory(title="Refit", contact=ada)
    graces = DealFactory(title="Refit", contact=grace)
    lead = LeadFactory(contact=ada)
    rows = [
        ["kind", "subject", "due_at", "assignee", "deal", "lead", "contact_email"],
        ["call", "=Call back", "2030-01-02 09:00", "rep1", "refit", "", "grace@example.test"],
        ["task", "Send offer", "", "", "", str(lead.pk), ""],
    ]

    job = start_and_run(make_job(manager, "activities", rows), manager)

    assert (job.created_rows, job.failed_rows) == (2, 0)
    call = Activity.objects.get(kind="call")
    assert (call.subject, call.deal, call.contact, call.assignee) == (
        "=Call back",
        graces,
        grace,
        rep,
    )
    assert call.due_at == dt.datetime(2030, 1, 2, 9, tzinfo=dt.UTC)
    task = Activity.objects.get(kind="task")
    # The contact comes from the lead when the row names none (activity_create's rule).
    assert (task.lead, task.contact, task.assignee) == (lead, ada, manager)


def test_bad_activity_rows_are_row_errors(manager, ada):
    DealFactory(title="Refit", contact=ada)
    DealFactory(title="Refit", contact=ContactFactory(email="grace@example.test"))
    rows = [
        ["kind", "subject", "deal", "lead", "contact_email"],
        ["dance", "Party", "", "", ""],
        ["call", "", "", "", ""],
        ["call", "Ring", "Kitchen", "", ""],
        ["call", "Ring", "Refit", "", ""],
        ["call", "Ring", "", "abc", ""],
        ["call", "Ring", "", "4242", ""],
        ["call", "Ring", "", "", "stranger@example.test"],
    ]

    job = start_and_run(make_job(manager, "activities", rows), manager)

    assert (job.status, job.created_rows, job.failed_rows) == (ImportStatus.COMPLETED, 0, 7)
    errors = _errors(job)
    assert errors[0][:2] == ("2", "kind")
    assert errors[0][2].startswith("“dance” is not one of: Call, Email, Meeting, Task")
    assert errors[1:] == [
        ("3", "subject", "This field is required."),
        ("4", "deal", "No deal is titled “Kitchen”."),
        ("5", "deal", "2 deals are titled “Refit”; give the contact's email to say which one."),
        ("6", "lead", "“abc” is not an id (a whole number, as the export writes it)."),
        ("7", "lead", "No lead has the id 4242."),
        (
            "8",
            "contact_email",
            "No contact has the email stranger@example.test; "
            "map a first-name column to create one.",
        ),
    ]
    assert not Activity.objects.exists()


def test_the_preview_finds_a_missing_deal_as_the_job_does(manager):
    rows = [["kind", "subject", "deal"], ["call", "Ring", "Kitchen"], ["call", "Ring", ""]]
    job = make_job(manager, "activities", rows)

    preview = import_preview(job=job)

    assert (preview.valid, preview.invalid) == (1, 1)
    [(number, error)] = preview.errors
    assert (number, error.column, error.reason) == (2, "deal", "No deal is titled “Kitchen”.")


# --- tickets ----------------------------------------------------------------------------


def test_a_resolved_ticket_keeps_its_moments_and_derives_its_sla(manager, support_agent, ada):
    rows = [
        [
            *("subject", "contact_email", "priority", "status", "assignee", "opened_at"),
            *("first_response_at", "resolved_at", "sla_due_at"),
        ],
        [
            *("-Broken hinge", "ada@example.test", "high", "resolved", "support"),
            *("2024-03-05 10:00", "2024-03-05 11:00", "2024-03-06 09:00", "1999-01-01 00:00"),
        ],
    ]

    job = start_and_run(make_job(manager, "tickets", rows), manager)

    assert "sla_due_at" not in job.mapping.values()
    assert (job.created_rows, job.failed_rows) == (1, 0)
    ticket = Ticket.objects.get()
    opened = dt.datetime(2024, 3, 5, 10, tzinfo=dt.UTC)
    assert (ticket.subject, ticket.contact, ticket.assignee) == (
        "-Broken hinge",
        ada,
        support_agent,
    )
    assert (ticket.opened_at, ticket.first_response_at, ticket.resolved_at) == (
        opened,
        opened + dt.timedelta(hours=1),
        opened + dt.timedelta(hours=23),
    )
    assert ticket.sla_due_at == opened + dt.timedelta(hours=8)  # high priority: 8 hours
    # An import without automation keeps automation away from the resolution too.
    event = DomainEvent.objects.get(kind="ticket.resolved", subject_id=ticket.pk)
    assert event.automate is False


def test_an_automated_ticket_import_lets_automation_see_the_resolution(manager):
    rows = [["subject", "status", "resolved_at"], ["Done", "closed", "2024-03-06 09:00"]]

    start_and_run(make_job(manager, "tickets", rows, automate=True), manager)

    ticket = Ticket.objects.get()
    assert ticket.opened_at == ticket.resolved_at  # open at least by then
    assert DomainEvent.objects.get(kind="ticket.resolved").automate is True


def test_bad_ticket_rows_are_row_errors(manager, rep, ada):
    rows = [
        ["subject", "contact_email", "status", "assignee", "opened_at", "resolved_at"],
        ["A", "", "resolved", "", "2024-03-05 10:00", "2024-03-01 10:00"],
        ["B", "", "open", "", "2024-03-05 10:00", "2024-03-06 10:00"],
        ["C", "", "open", "rep1", "", ""],
        ["D", "nobody@example.test", "open", "", "", ""],
        ["E", "", "snoozed", "", "", ""],
        ["", "ada@example.test", "open", "", "", ""],
    ]

    job = start_and_run(make_job(manager, "tickets", rows), manager)

    assert (job.status, job.created_rows, job.failed_rows) == (ImportStatus.COMPLETED, 0, 6)
    errors = _errors(job)
    assert errors[:4] == [
        ("2", "resolved_at", "This cannot be before the ticket was opened."),
        ("3", "resolved_at", "Only a resolved or closed ticket has a resolution time."),
        ("4", "assignee", "Tickets go to an active support agent or manager."),
        (
            "5",
            "contact_email",
            "No contact has the email nobody@example.test; map a first-name column to create one.",
        ),
    ]
    assert errors[4][:2] == ("6", "status")
    assert errors[5] == ("7", "subject", "This field is required.")
    assert not Ticket.objects.exists()


def test_a_ticket_assignee_is_found_by_email_too(manager, support_agent):
    rows = [["subject", "assignee"], ["Hi", support_agent.email.upper()]]

    start_and_run(make_job(manager, "tickets", rows), manager)

    assert Ticket.objects.get().assignee == support_agent
    assert Ticket.objects.get().opened_at <= timezone.now()


# --- the wizard -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "first_columns"),
    [
        ("leads", "contact_email,contact_name,contact_first_name"),
        ("activities", "kind,subject,notes"),
        ("tickets", "subject,description,contact_email"),
    ],
)
def test_the_start_page_offers_a_template_for_each_new_kind(client, manager, kind, first_columns):
    client.force_login(manager)

    start = client.get(reverse("importing:start"))
    template = client.get(reverse("importing:template", args=[kind]))

    assert reverse("importing:template", args=[kind]) in start.content.decode()
    assert f'value="{kind}"' in start.content.decode()
    assert template.status_code == 200
    assert template.content.decode("utf-8").startswith("\ufeff" + first_columns + ",")


def test_a_rep_cannot_import_tickets(client, rep):
    client.force_login(rep)

    assert client.get(reverse("importing:start")).status_code == 403
    assert client.get(reverse("importing:template", args=["tickets"])).status_code == 403


def test_a_tickets_file_goes_through_the_browser_wizard(client, manager, support_agent):
    client.force_login(manager)
    upload = SimpleUploadedFile(
        "tickets.csv",
        b"Subject,Priority,Assignee\r\nHinge,urgent,support\r\nLamp,whenever,\r\n",
        content_type="text/csv",
    )

    response = client.post(reverse("importing:start"), {"kind": "tickets", "file": upload})
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("importing:mapping", args=[job.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert job.mapping == {"Subject": "subject", "Priority": "priority", "Assignee": "assignee"}
    response = client.post(
        reverse("importing:mapping", args=[job.pk]),
        {"col_0": "subject", "col_1": "priority", "col_2": "assignee"},
    )
    assert response["Location"] == reverse("importing:preview", args=[job.pk])
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    assert (preview.context["preview"].valid, preview.context["preview"].invalid) == (1, 1)
    assert "“whenever” is not one of" in preview.content.decode()
