"""Every POST action of the browser workspace by every role, on one's own row and another's.

Expected: the action's success status, 404 for a row outside the user's scope, 403 for a
missing right; a refused action leaves its row exactly as it was.
"""

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from crm.models import Activity, Deal, DealStatus, Note, Notification
from crm.services.deals import deal_create, deal_mark_won
from crm.tests.factories import (
    ActivityFactory,
    CompanyFactory,
    ContactFactory,
    LeadFactory,
    NoteFactory,
    TicketFactory,
    pipeline_with_stages,
)

pytestmark = pytest.mark.django_db

# Actors: a rep on their own row, the same rep on another rep's row, and the other roles
# (who act on the rep's row).
ACTORS = ["rep_own", "rep_other", "manager", "marketer", "support_agent", "admin_user"]


@pytest.fixture
def world(rep, other_rep):
    pipeline, stages = pipeline_with_stages(is_default=True)

    def rows_of(owner):
        contact = ContactFactory(owner=owner)
        deal = deal_create(actor=owner, title="Open", stage=stages[0], contact=contact)
        won = deal_mark_won(
            deal=deal_create(actor=owner, title="Won", stage=stages[0]), actor=owner
        )
        return {
            "contact": contact,
            "bare_contact": ContactFactory(owner=owner),
            "company": CompanyFactory(owner=owner),
            "deal": deal,
            "won_deal": won,
            "lead": LeadFactory(contact=contact, owner=owner),
            "activity": ActivityFactory(assignee=owner, subject="Call back"),
            "ticket": TicketFactory(contact=contact),
            "note": NoteFactory(author=owner, contact=None, deal=deal),
        }

    return {
        "stages": stages,
        "pipeline": pipeline,
        rep: rows_of(rep),
        other_rep: rows_of(other_rep),
    }


# action -> (url name, row key or None, body(world) -> dict, {actor: status}); the success
# status applies to every actor not listed.
NO_DEALS = {"marketer": 403, "support_agent": 403, "rep_other": 404}
TICKET_WRITERS_ONLY = {"rep_own": 403, "rep_other": 403, "marketer": 403}
OWN_ACTIVITIES_ONLY = {"rep_other": 404, "marketer": 404, "support_agent": 404}
NOTES_ON_DEALS = {"rep_other": 404, "marketer": 404, "support_agent": 404}
OWNED_BY_REP = {"rep_other": 403, "marketer": 403, "support_agent": 403}

ACTIONS = {
    "deal_won": ("deal_won", "deal", lambda w: {}, 302, NO_DEALS),
    "deal_lost": ("deal_lost", "deal", lambda w: {"reason": "Price"}, 302, NO_DEALS),
    "deal_move": ("deal_move", "deal", lambda w: {"stage": w["stages"][1].pk}, 200, NO_DEALS),
    "deal_reopen": ("deal_reopen", "won_deal", lambda w: {}, 302, NO_DEALS),
    "deal_delete": ("deal_delete", "deal", lambda w: {}, 302, NO_DEALS),
    "deal_log_activity": (
        "deal_log_activity",
        "deal",
        lambda w: {"kind": "call", "subject": "Called"},
        302,
        NO_DEALS,
    ),
    "note_add_on_deal": (
        "note_add",
        "deal",
        lambda w: {"body": "Budget approved"},
        302,
        {"rep_other": 404, "marketer": 403, "support_agent": 403},
    ),
    # The deal's owner wrote it: another rep cannot see it, marketing and support cannot
    # see deals at all, managers and admins may change anyone's note.
    "note_pin": ("note_pin", "note", lambda w: {}, 302, NOTES_ON_DEALS),
    "note_delete": ("note_delete", "note", lambda w: {}, 302, NOTES_ON_DEALS),
    "note_edit": ("note_edit", "note", lambda w: {"body": "Edited"}, 302, NOTES_ON_DEALS),
    "activity_done": ("activity_done", "activity", lambda w: {}, 302, OWN_ACTIVITIES_ONLY),
    "activity_delete": ("activity_delete", "activity", lambda w: {}, 302, OWN_ACTIVITIES_ONLY),
    "ticket_assign": ("ticket_assign", "ticket", lambda w: {}, 302, TICKET_WRITERS_ONLY),
    "ticket_respond": (
        "ticket_respond",
        "ticket",
        lambda w: {"body": "On it"},
        302,
        TICKET_WRITERS_ONLY,
    ),
    "ticket_resolve": ("ticket_resolve", "ticket", lambda w: {}, 302, TICKET_WRITERS_ONLY),
    "lead_convert": (
        "lead_convert",
        "lead",
        lambda w: {"title": "From lead", "value": "10", "stage": w["stages"][0].pk},
        302,
        NO_DEALS,
    ),
    "lead_delete": (
        "lead_delete",
        "lead",
        lambda w: {},
        302,
        {"rep_other": 404, "support_agent": 403},
    ),
    "contact_delete": ("contact_delete", "bare_contact", lambda w: {}, 302, OWNED_BY_REP),
    "company_delete": ("company_delete", "company", lambda w: {}, 302, OWNED_BY_REP),
    "quick_add": (
        "board_quick_add",
        None,
        lambda w: {"title": "Quick", "value": "5", "stage": w["stages"][0].pk},
        302,
        {"marketer": 403, "support_agent": 403},
    ),
}


def _actor(request, actor):
    """(user, owner of the target rows) for an actor of the matrix."""
    rep = request.getfixturevalue("rep")
    if actor == "rep_own":
        return rep, rep
    if actor == "rep_other":
        return rep, request.getfixturevalue("other_rep")
    return request.getfixturevalue(actor), rep


def _args(name, row):
    """URL arguments of an action on `row` (a note is added to a record of a kind)."""
    return ["deal", row.pk] if name == "note_add" else [row.pk]


def _state(row):
    return model_to_dict(type(row).objects.filter(pk=row.pk).first() or row) | {
        "exists": type(row).objects.filter(pk=row.pk).exists()
    }


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("actor", ACTORS)
def test_post_action_answers_each_role_with_the_policy_status(
    client, request, world, actor, action
):
    name, key, body, success, refusals = ACTIONS[action]
    user, owner = _actor(request, actor)
    if key is None:
        url = reverse(f"web:{name}", args=[world["pipeline"].pk])
        row = None
    else:
        row = world[owner][key]
        url = reverse(f"web:{name}", args=_args(name, row))
    before = _state(row) if row else None
    client.force_login(user)
    response = client.post(url, body(world))
    expected = refusals.get(actor, success)
    assert response.status_code == expected, (action, actor, response.status_code)
    if expected >= 400 and row is not None:
        assert _state(row) == before


def test_refused_actions_write_nothing_anywhere(client, rep, other_rep, world):
    """A rep hammering every action on another rep's rows leaves the database unchanged."""
    theirs = world[other_rep]
    counts = (
        Deal.objects.count(),
        Activity.objects.count(),
        Notification.objects.count(),
        Note.objects.count(),
    )
    client.force_login(rep)
    for name, key, body, _success, _refusals in ACTIONS.values():
        if key is not None:
            client.post(reverse(f"web:{name}", args=_args(name, theirs[key])), body(world))
    assert (
        Deal.objects.count(),
        Activity.objects.count(),
        Notification.objects.count(),
        Note.objects.count(),
    ) == counts
    assert Deal.objects.get(pk=theirs["deal"].pk).status == DealStatus.OPEN
    assert Deal.objects.get(pk=theirs["won_deal"].pk).status == DealStatus.WON
