"""/api/notes/: scoped to the records a user sees, filtered by record, junk is a 400."""

import pytest

from crm.models import Note
from crm.tests.factories import (
    ActivityFactory,
    CompanyFactory,
    ContactFactory,
    DealFactory,
    NoteFactory,
    TicketFactory,
)

pytestmark = pytest.mark.django_db


def test_a_rep_notes_their_deal_through_the_api(rep, api_as):
    deal = DealFactory(owner=rep)

    response = api_as(rep).post(
        "/api/notes/", {"deal": deal.pk, "body": "Ödeme Mart'ta. پرداخت"}, format="json"
    )

    assert response.status_code == 201, response.data
    assert (response.data["deal"], response.data["author"], response.data["contact"]) == (
        deal.pk,
        rep.pk,
        None,
    )
    assert Note.objects.get().body == "Ödeme Mart'ta. پرداخت"


def test_a_note_on_a_deal_the_rep_cannot_see_is_a_400_that_reveals_nothing(rep, other_rep, api_as):
    theirs = DealFactory(owner=other_rep)

    response = api_as(rep).post("/api/notes/", {"deal": theirs.pk, "body": "x"}, format="json")

    assert response.status_code == 400
    assert response.data["deal"][0].code == "does_not_exist"
    assert not Note.objects.exists()


def test_a_megabyte_note_is_a_400_naming_the_limit(rep, api_as):
    response = api_as(rep).post(
        "/api/notes/", {"contact": ContactFactory().pk, "body": "x" * 1_000_000}, format="json"
    )

    assert response.status_code == 400
    assert response.data["body"][0].code == "max_length"
    assert "10000" in str(response.data["body"][0]).replace(",", "").replace(".", "")


@pytest.mark.parametrize(
    "body",
    [
        {"body": "x"},
        {"body": "x", "deal": None, "contact": None},
        {"body": "", "contact": 1},
        {"body": "x", "contact": "abc"},
        {"body": ["x"], "contact": 1},
        {"body": "x", "contact": 1, "company": 1},
    ],
)
def test_malformed_notes_are_400s(body, admin_user, api_as):
    ContactFactory(pk=1)
    CompanyFactory(pk=1)

    response = api_as(admin_user).post("/api/notes/", body, format="json")

    assert response.status_code == 400, response.data
    assert response.data


def test_filters_by_record(rep, api_as):
    deal = DealFactory(owner=rep)
    contact = ContactFactory()
    on_deal = NoteFactory(contact=None, deal=deal)
    NoteFactory(contact=contact)
    client = api_as(rep)

    by_deal = client.get(f"/api/notes/?deal={deal.pk}").data
    by_contact = client.get(f"/api/notes/?contact={contact.pk}").data

    assert [row["id"] for row in by_deal["results"]] == [on_deal.pk]
    assert by_contact["count"] == 1
    assert client.get("/api/notes/?deal=abc").status_code == 400


def test_a_rep_never_reads_notes_on_another_reps_deal(rep, other_rep, api_as):
    theirs = NoteFactory(contact=None, deal=DealFactory(owner=other_rep), author=other_rep)
    client = api_as(rep)

    assert client.get(f"/api/notes/{theirs.pk}/").status_code == 404
    assert client.patch(f"/api/notes/{theirs.pk}/", {"body": "x"}, format="json").status_code == 404
    assert client.get("/api/notes/").data["count"] == 0


def test_a_colleague_reads_but_cannot_edit_someone_elses_note(rep, other_rep, manager, api_as):
    note = NoteFactory(author=other_rep, contact=ContactFactory())
    url = f"/api/notes/{note.pk}/"

    assert api_as(rep).get(url).status_code == 200
    assert api_as(rep).patch(url, {"body": "Mine"}, format="json").status_code == 403
    assert api_as(rep).delete(url).status_code == 403
    assert api_as(manager).patch(url, {"body": "Tidied"}, format="json").status_code == 200


def test_support_notes_a_ticket_but_not_a_deal(support_agent, api_as):
    client = api_as(support_agent)

    ticket = client.post(
        "/api/notes/", {"ticket": TicketFactory().pk, "body": "Escalated"}, format="json"
    )
    deal = client.post("/api/notes/", {"deal": DealFactory().pk, "body": "x"}, format="json")

    assert ticket.status_code == 201
    assert deal.status_code == 400


def test_a_note_stays_on_its_record(rep, api_as):
    note = NoteFactory(author=rep, contact=ContactFactory())

    moved = api_as(rep).patch(
        f"/api/notes/{note.pk}/", {"contact": ContactFactory().pk}, format="json"
    )
    same = api_as(rep).put(
        f"/api/notes/{note.pk}/",
        {"contact": note.contact_id, "body": "Same place", "pinned": True},
        format="json",
    )

    assert moved.status_code == 400 and "contact" in moved.data
    assert same.status_code == 200 and same.data["pinned"] is True


def test_activities_expose_and_filter_the_call_outcome(rep, api_as):
    ActivityFactory(assignee=rep, outcome="busy")
    ActivityFactory(assignee=rep)
    client = api_as(rep)

    busy = client.get("/api/activities/?outcome=busy").data
    created = client.post(
        "/api/activities/",
        {"kind": "call", "subject": "Rang", "outcome": "left_voicemail", "notes": "Try later"},
        format="json",
    )
    wrong = client.post(
        "/api/activities/", {"kind": "email", "subject": "x", "outcome": "busy"}, format="json"
    )

    assert [row["outcome"] for row in busy["results"]] == ["busy"]
    assert created.status_code == 201 and created.data["outcome"] == "left_voicemail"
    assert wrong.status_code == 400
