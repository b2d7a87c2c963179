"""Nothing a client sends yields a 5xx: every crm/web URL, every role, junk queries and bodies."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crm.models import (
    BulkAction,
    EmailMessage,
    EmailTemplate,
    LostReason,
    SavedView,
    SuppressedAddress,
    Team,
)
from crm.tests.factories import (
    ActivityFactory,
    CompanyFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    NoteFactory,
    TicketFactory,
    pipeline_with_stages,
)
from crm.web.urls import web_patterns

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

ROLES = ["rep", "manager", "marketer", "support_agent", "admin_user"]
HUGE = "99999999999999999999"

# Query strings a browser, a bookmark or a hand-edited URL may send.
JUNK_QUERIES = [
    {
        "page": "abc",
        "sort": "pk;drop table",
        "order": "xyz",
        "q": "nul\x00byte",
        "status": "bogus",
        "lifecycle": "bogus",
        "source": "bogus",
        "kind": "bogus",
        "priority": "bogus",
        "state": "bogus",
        "owner": "abc",
        "assignee": "abc",
        "pipeline": "abc",
        "stage": "abc",
        "contact": "²",
        "deal": "²",
        "min_score": "NaN",
        "breached": "maybe",
        "tag": "nul\x00",
        "industry": "nul\x00",
        "offset": "abc",
        "next": "//evil.example/",
        "template": "abc",
    },
    {
        "page": "-1",
        "sort": "--",
        "owner": HUGE,
        "assignee": "-1",
        "pipeline": HUGE,
        "stage": "-1",
        "contact": HUGE,
        "deal": HUGE,
        "offset": HUGE,
        "min_score": "1e400",
        "q": "%_\\" * 50,
        "next": "javascript:alert(1)",
        "template": HUGE,
    },
    {
        "page": HUGE,
        "sort": "-contacts",
        "offset": "-5",
        "owner": "²",
        "assignee": "1.5",
        "min_score": HUGE,
        "status": ["open", "won", "x"],
        "view": HUGE,
    },
    # The saved-view moves of a list page: unknown views and columns.
    {"view": "builtin:nope", "cols": "1", "columns": ["x", "²", "stage"]},
]

# Form bodies with every field the web forms know, filled with what does not fit.
JUNK_BODIES = [
    {
        **JUNK_QUERIES[0],
        "stage": "abc",
        "order": f"x,²,-1,{HUGE},,",
        "reason": "nul\x00",
        "title": "nul\x00",
        "value": "NaN",
        "currency": "€€€",
        "expected_close_date": "2024-02-30",
        "due_at": "not a date",
        "birth_date": "0000-00-00",
        "first_name": "x",
        "body": "",
        "subject": "",
        "email": "not-an-email",
        "score": "abc",
        "resolve": "1",
        "from": "queue",
        "role": "bogus",
        "team": "abc",
        "language": "xx",
        "reassign_to": "abc",
        "manager": "²",
        "members": ["abc", HUGE],
        "win_probability": "NaN",
        "rotting_days": "abc",
        "urgent_first_response": "abc",
        "urgent_resolution": "-1",
        "from_address": "not-an-email",
        "is_default": "maybe",
        "outcome": "bogus",
        "notes": "nul\x00",
        "received_at": "not a date",
        "template": "nul\x00",
        "list_key": "bogus",
        "query": "stage=abc&nope=1&sort=zz",
        "shared": "maybe",
    },
    {
        "stage": HUGE,
        "order": ",".join(["1"] * 600),
        "owner": HUGE,
        "value": "-1",
        "expected_close_date": "99999-01-01",
        "due_at": "2024-13-01T25:61",
        "assignee": HUGE,
        "contact": "-1",
        "company": HUGE,
        "deal": "-1",
        "title": "x" * 1000,
        "reason": "x" * 1000,
        "score": HUGE,
        "birth_date": "1800-01-01",
        "kind": "call",
        "subject": "Called",
        "body": "x" * 20_000,
        "outcome": "left_voicemail",
        "notes": "x" * 20_000,
        "from": "board",
        "role": "admin",
        "team": HUGE,
        "reassign_to": HUGE,
        "manager": HUGE,
        "members": [HUGE],
        "win_probability": HUGE,
        "rotting_days": "-1",
        "urgent_first_response": HUGE,
        "urgent_resolution": HUGE,
        "from_name": "x" * 1000,
        "from_address": "x" * 300 + "@example.com",
        "received_at": "9999-12-31T23:59",
        "template": HUGE,
    },
    {
        # Valid on their face, at the edges: they reach the services, which must cope.
        "title": "Edge",
        "name": "Edge",
        "first_name": "Edge",
        "subject": "Edge",
        "reason": "Edge",
        "body": "Edge",
        "value": "999999999999.99",
        "currency": "usd",
        "expected_close_date": "0001-01-01",
        "due_at": "0001-01-01T00:00",
        "birth_date": "9999-12-31",
        "kind": "call",
        "priority": "urgent",
        "status": "resolved",
        "score": "-5",
        "outcome": "connected",
        "notes": "Edge",
        "order": "",
        "from": "board",
        "email": "Edge@Example.com",
        "role": "rep",
        "win_probability": "100",
        "rotting_days": "0",
        "urgent_first_response": "0",
        "urgent_resolution": "1",
        "from_name": "Edge",
        "from_address": "edge@example.com",
        "list_key": "deals",
        "query": "status=open&sort=-value",
        "columns": ["stage", "owner"],
        "shared": "1",
    },
]


@pytest.fixture
def world(rep, other_rep, manager):
    pipeline, stages = pipeline_with_stages(is_default=True)
    contact = ContactFactory(owner=rep)
    deal = DealFactory(stage=stages[0], owner=rep, contact=contact)
    return {
        "pipeline": pipeline,
        "stage": stages[1],
        "contact": contact,
        "company": CompanyFactory(owner=rep),
        "deal": deal,
        "lead": LeadFactory(contact=contact, owner=rep),
        "activity": ActivityFactory(assignee=rep, deal=deal),
        "ticket": TicketFactory(contact=contact),
        "team": Team.objects.create(name="Junk team", manager=manager),
        "lost_reason": LostReason.objects.create(name="Junk reason"),
        "note": NoteFactory(author=rep, contact=None, deal=deal),
        "suppression": SuppressedAddress.objects.create(email="junk@example.com", reason="bounce"),
        "email_template": EmailTemplate.objects.create(
            name="Junk template", subject="Hello {first_name}", body="Dear {first_name}"
        ),
        "email": EmailMessage.objects.create(
            direction="sent",
            source="composed",
            contact=contact,
            deal=deal,
            author=rep,
            subject="Offer",
            body="Hello",
            sent_at=timezone.now(),
            message_id="<junk@goalpost.invalid>",
            reply_token="0" * 24,
        ),
        "saved_view": SavedView.objects.create(
            owner=rep, list_key="deals", name="Open", query={"status": "open", "stage": "1"}
        ),
        "bulk": BulkAction.objects.create(
            actor=rep,
            resource="deals",
            kind="reassign",
            ids=[deal.pk],
            params={"owner": rep.pk},
            status="done",
            processed=1,
            changed=1,
            previous={str(deal.pk): rep.pk},
        ),
    }


def _row(key):
    return lambda w: {"pk": w[key].pk}


# URL name -> its kwargs from the world; None means no arguments.
URL_KWARGS = {
    "home": None,
    "board": None,
    "board_pipeline": _row("pipeline"),
    "board_column_more": lambda w: {"pk": w["pipeline"].pk, "stage_id": w["stage"].pk},
    "board_quick_add": _row("pipeline"),
    "deal_move": _row("deal"),
    "deal_won": _row("deal"),
    "deal_lost": _row("deal"),
    "deal_list": None,
    "deal_create": None,
    "deal_detail": _row("deal"),
    "deal_edit": _row("deal"),
    "deal_delete": _row("deal"),
    "deal_reopen": _row("deal"),
    "deal_log_activity": _row("deal"),
    "contact_list": None,
    "contact_create": None,
    "contact_detail": _row("contact"),
    "contact_edit": _row("contact"),
    "contact_delete": _row("contact"),
    "company_list": None,
    "company_create": None,
    "company_detail": _row("company"),
    "company_edit": _row("company"),
    "company_delete": _row("company"),
    "lead_list": None,
    "lead_create": None,
    "lead_detail": _row("lead"),
    "lead_edit": _row("lead"),
    "lead_delete": _row("lead"),
    "lead_convert": _row("lead"),
    "activity_list": None,
    "activity_create": None,
    "activity_quick_log": None,
    "activity_edit": _row("activity"),
    "activity_delete": _row("activity"),
    "activity_done": _row("activity"),
    "ticket_list": None,
    "ticket_create": None,
    "ticket_detail": _row("ticket"),
    "ticket_edit": _row("ticket"),
    "ticket_assign": _row("ticket"),
    "ticket_respond": _row("ticket"),
    "ticket_resolve": _row("ticket"),
    "lookup": lambda w: {"kind": "contacts"},
    "note_add": lambda w: {"record": "deal", "pk": w["deal"].pk},
    "note_edit": _row("note"),
    "note_delete": _row("note"),
    "note_pin": _row("note"),
    "bulk_apply": lambda w: {"resource": "deals"},
    "bulk_detail": _row("bulk"),
    "bulk_undo": _row("bulk"),
    "notifications": None,
    "notifications_read": None,
    "profile": None,
    "two_factor": None,
    "saved_view_list": None,
    "saved_view_create": None,
    "saved_view_edit": _row("saved_view"),
    "saved_view_delete": _row("saved_view"),
    "suppression_list": None,
    "suppression_add": None,
    "suppression_edit": _row("suppression"),
    "suppression_remove": _row("suppression"),
    "settings": None,
    "settings_users": None,
    "settings_audit": None,
    "settings_user_invite": None,
    "settings_user_edit": lambda w: {"pk": w["deal"].owner_id},
    "settings_user_deactivate": lambda w: {"pk": w["deal"].owner_id},
    "settings_user_reactivate": lambda w: {"pk": w["deal"].owner_id},
    "settings_teams": None,
    "settings_team_create": None,
    "settings_team_edit": _row("team"),
    "settings_team_delete": _row("team"),
    "settings_pipelines": None,
    "settings_pipeline_create": None,
    "settings_pipeline": _row("pipeline"),
    "settings_pipeline_edit": _row("pipeline"),
    "settings_stage_create": _row("pipeline"),
    "settings_stage_order": _row("pipeline"),
    "settings_stage_edit": _row("stage"),
    "settings_stage_move": lambda w: {"pk": w["stage"].pk, "direction": "up"},
    "settings_stage_delete": _row("stage"),
    "settings_lost_reasons": None,
    "settings_lost_reason_create": None,
    "settings_lost_reason_edit": _row("lost_reason"),
    "settings_lost_reason_delete": _row("lost_reason"),
    "settings_sla": None,
    "settings_email": None,
    "settings_email_templates": None,
    "settings_email_template_create": None,
    "settings_email_template_edit": _row("email_template"),
    "settings_email_template_delete": _row("email_template"),
    "deal_email": _row("deal"),
    "deal_email_preview": _row("deal"),
    "contact_email": _row("contact"),
    "contact_email_preview": _row("contact"),
    "ticket_email": _row("ticket"),
    "ticket_email_preview": _row("ticket"),
    "email_reply_record": _row("email"),
}


def test_the_junk_matrix_covers_every_web_url():
    names = {p.name for p in web_patterns}
    assert names == set(URL_KWARGS)


HTMX = {"HTTP_HX_REQUEST": "true"}


def _requests(url):
    """Each junk query plainly and once through htmx; bodies alternate (htmx answers differ)."""
    for query in JUNK_QUERIES:
        yield "GET", url, query, {}
    yield "GET", url, JUNK_QUERIES[0], HTMX
    for i, body in enumerate(JUNK_BODIES):
        yield "POST", url, body, HTMX if i % 2 else {}


def _error(response):
    exc_info = getattr(response, "exc_info", None)
    return repr(exc_info[1]) if exc_info else response.status_code


@pytest.mark.parametrize("name", sorted(URL_KWARGS))
@pytest.mark.parametrize("role", ROLES)
def test_junk_input_never_yields_a_server_error(request, world, role, name):
    client = Client(raise_request_exception=False)
    client.force_login(request.getfixturevalue(role))
    make_kwargs = URL_KWARGS[name]
    url = reverse(f"web:{name}", kwargs=make_kwargs(world) if make_kwargs else None)
    failures = []
    for method, target, data, headers in _requests(url):
        send = client.get if method == "GET" else client.post
        response = send(target, data, **headers)
        if response.status_code >= 500:
            failures.append((method, target, _error(response), data))
    if make_kwargs and "pk" in make_kwargs(world):
        # Ids that do not exist, up to past the database's integer range.
        for pk in (0, 2**31, 2**63):
            missing = reverse(f"web:{name}", kwargs={**make_kwargs(world), "pk": pk})
            for method in ("GET", "POST"):
                response = getattr(client, method.lower())(missing)
                if response.status_code >= 500:
                    failures.append((method, missing, _error(response), {}))
    assert failures == []
