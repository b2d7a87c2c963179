"""Saved views on the list pages: remembered state, column choice, named views (applied,
shared, renamed, deleted), export links that carry the view, each role, query counts."""

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from crm.models import ListState, Role, SavedView
from crm.services.saved_views import saved_view_create
from crm.tests.factories import (
    ActivityFactory,
    CompanyFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    TeamFactory,
    TicketFactory,
    UserFactory,
    pipeline_with_stages,
)

pytestmark = pytest.mark.django_db

DEALS = "/deals/"


@pytest.fixture
def stages():
    return pipeline_with_stages(is_default=True)[1]


@pytest.fixture
def team():
    return TeamFactory(name="North")


@pytest.fixture
def lead(team):
    return UserFactory(role=Role.MANAGER, username="lead", team=team)


@pytest.fixture
def mate(team):
    return UserFactory(role=Role.REP, username="mate", team=team)


def _headers(response) -> list[str]:
    thead = response.content.decode().split("<thead>")[1].split("</thead>")[0]
    return [re.sub(r"<[^>]+>|[▲▼]", "", cell).strip() for cell in re.findall(r"<th.*?</th>", thead)]


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- remembered state ----------------------------------------------------------------


def test_opening_a_list_bare_brings_back_the_last_filters_and_sort(client, rep, stages):
    client.force_login(rep)

    assert client.get(f"{DEALS}?status=open&sort=-value&page=2").status_code == 200
    back = client.get(DEALS)

    assert back.status_code == 302
    assert back.url == f"{DEALS}?sort=-value&status=open"
    assert client.get(back.url).context["current_sort"] == "-value"
    # Another user, another list: untouched.
    assert client.get("/leads/").status_code == 200


def test_clear_forgets_the_filters_and_reset_returns_to_the_defaults(client, rep, stages):
    client.force_login(rep)
    client.get(f"{DEALS}?status=won&cols=1&columns=owner")
    client.get(f"{DEALS}?status=won")

    page = client.get(f"{DEALS}?clear=1")
    assert 'href="/deals/?reset=1"' in page.content.decode()
    assert client.get(DEALS).status_code == 200
    assert ListState.objects.get(user=rep).columns == ["owner"]

    reset = client.get(f"{DEALS}?reset=1")
    assert reset.status_code == 302 and reset.url == DEALS
    assert not ListState.objects.filter(user=rep).exists()
    page = client.get(DEALS)
    assert page.status_code == 200
    assert "?reset=1" not in page.content.decode()


def test_a_remembered_stage_that_was_deleted_falls_back_with_a_message(client, manager, stages):
    client.force_login(manager)
    client.get(f"{DEALS}?stage={stages[3].pk}&status=open")
    stages[3].delete()

    back = client.get(DEALS)

    assert back.status_code == 302 and back.url == f"{DEALS}?status=open"
    assert any("no longer apply" in text and "Stage" in text for text in _messages(back))
    assert ListState.objects.get(user=manager).query == {"status": "open"}


# --- columns -------------------------------------------------------------------------


def test_chosen_columns_show_in_the_table_and_are_remembered(client, manager, stages):
    DealFactory(stage=stages[0], owner=manager, company=CompanyFactory(name="Kestane"))
    client.force_login(manager)

    chosen = client.get(f"{DEALS}?status=open&cols=1&columns=company&columns=owner&columns=x")

    assert chosen.status_code == 302 and chosen.url == f"{DEALS}?status=open"
    page = client.get(chosen.url)
    assert _headers(page)[-3:] == ["Value", "Company", "Owner"]  # after Select all, Title
    assert "Kestane" in page.content.decode()
    assert "Stage" not in _headers(page)
    # The menu says which columns are on, as checked checkboxes.
    body = page.content.decode()
    assert 'name="columns" value="company" checked' in body
    assert 'name="columns" value="stage">' in body
    # Next visit, same columns.
    assert _headers(client.get(f"{DEALS}?q="))[-2:] == ["Company", "Owner"]


@pytest.mark.parametrize(
    ("url", "hidden", "header"),
    [
        ("/leads/", "campaign", "Campaign"),
        ("/contacts/", "phone", "Phone"),
        ("/companies/", "industry", "Industry"),
        ("/activities/", "assignee", "Assignee"),
        ("/tickets/", "customer", "Customer"),
        ("/deals/", "close", "Expected close"),
    ],
)
def test_every_list_hides_a_column_on_request(
    client, admin_user, lead, stages, url, hidden, header
):
    _fill(1, lead, stages)
    client.force_login(admin_user)
    assert header in _headers(client.get(f"{url}?q="))
    entry_columns = {
        "/leads/": ["score", "status", "source", "owner", "created"],
        "/contacts/": ["email", "company", "lifecycle", "owner"],
        "/companies/": ["domain", "contacts", "owner"],
        "/activities/": ["kind", "due", "linked"],
        "/tickets/": ["priority", "status", "sla", "assignee"],
        "/deals/": ["stage", "status", "contact", "owner"],
    }[url]
    query = "&".join(f"columns={c}" for c in entry_columns)

    client.get(f"{url}?cols=1&{query}")

    assert header not in _headers(client.get(f"{url}?q="))


# --- named views ---------------------------------------------------------------------


def _save(client, *, name, query, columns=(), shared=False, list_key="deals"):
    data = {"list_key": list_key, "name": name, "query": query, "columns": list(columns)}
    if shared:
        data["shared"] = "1"
    return client.post(reverse("web:saved_view_create"), data)


def test_save_a_view_then_apply_it_from_the_dropdown(client, lead, stages):
    client.force_login(lead)
    DealFactory(stage=stages[2], owner=lead, title="Kestane renewal")
    DealFactory(stage=stages[1], owner=lead, title="Other")

    saved = _save(
        client,
        name="Proposals",
        query=f"stage={stages[2].pk}&q=kestane&sort=-value",
        columns=["owner", "stage"],
    )
    view = SavedView.objects.get()
    assert saved.status_code == 302 and saved.url == f"{DEALS}?view={view.pk}"
    assert "View “Proposals” saved." in _messages(saved)

    client.get(f"{DEALS}?reset=1")
    applied = client.get(f"{DEALS}?view={view.pk}")
    assert applied.status_code == 302
    assert applied.url == f"{DEALS}?q=kestane&sort=-value&stage={stages[2].pk}"
    page = client.get(applied.url)
    assert [d.title for d in page.context["rows"]] == ["Kestane renewal"]
    assert _headers(page)[3:] == ["Stage", "Owner"]
    body = page.content.decode()
    assert f'<option value="{view.pk}" dir="auto" selected>Proposals</option>' in body
    # The export links carry the view's query.
    query = escape(f"q=kestane&sort=-value&stage={stages[2].pk}")
    assert f'href="/export/deals/csv/?{query}"' in body or f"/export/deals.csv?{query}" in body
    assert f"?{query}" in re.search(r'data-testid="export-links".*?</p>', body, re.S).group(0)


def test_a_shared_view_applies_for_a_teammate_within_their_own_rows(client, lead, mate, stages):
    mine = DealFactory(stage=stages[2], owner=mate, title="Mate proposal")
    DealFactory(stage=stages[2], owner=lead, title="Lead proposal")
    DealFactory(stage=stages[2], owner=UserFactory(role=Role.REP), title="Stranger proposal")
    view = saved_view_create(
        actor=lead,
        list_key="deals",
        name="All proposals",
        query={"stage": str(stages[2].pk)},
        columns=["stage"],
        shared=True,
    )
    client.force_login(mate)

    page = client.get(client.get(f"{DEALS}?view={view.pk}").url)

    # The rep's own rows only: a view filters on top of the rep's scope, never wider.
    assert [d.pk for d in page.context["rows"]] == [mine.pk]
    assert _headers(page)[3:] == ["Stage"]
    assert "All proposals — " in page.content.decode()
    client.force_login(lead)
    assert len(client.get(client.get(f"{DEALS}?view={view.pk}").url).context["rows"]) == 3


def test_a_managers_owner_filter_does_not_show_a_rep_the_managers_deals(client, lead, mate, stages):
    DealFactory(stage=stages[0], owner=lead)
    view = saved_view_create(
        actor=lead, list_key="deals", name="Mine", query={"owner": str(lead.pk)}, shared=True
    )
    client.force_login(mate)

    page = client.get(client.get(f"{DEALS}?view={view.pk}").url)

    assert list(page.context["rows"]) == []


def test_others_cannot_edit_or_delete_a_view_nor_apply_a_private_one(client, lead, mate, stages):
    shared = saved_view_create(actor=lead, list_key="deals", name="S", query={}, shared=True)
    private = saved_view_create(actor=lead, list_key="deals", name="P", query={})
    client.force_login(mate)

    for view in (shared, private):
        assert client.get(reverse("web:saved_view_edit", args=[view.pk])).status_code == 404
        assert (
            client.post(
                reverse("web:saved_view_edit", args=[view.pk]), {"name": "Mine"}
            ).status_code
            == 404
        )
        assert client.post(reverse("web:saved_view_delete", args=[view.pk])).status_code == 404
    refused = client.get(f"{DEALS}?view={private.pk}")
    assert refused.url == DEALS and "That view is not available." in _messages(refused)
    assert SavedView.objects.count() == 2
    listing = client.get(reverse("web:saved_view_list")).content.decode()
    assert ">S</bdi>" in listing and ">P</bdi>" not in listing
    assert reverse("web:saved_view_edit", args=[shared.pk]) not in listing


def test_the_owner_renames_unshares_and_deletes(client, lead, stages):
    view = saved_view_create(actor=lead, list_key="deals", name="Old", query={}, shared=True)
    client.force_login(lead)

    listing = client.get(reverse("web:saved_view_list"))
    renamed = client.post(reverse("web:saved_view_edit", args=[view.pk]), {"name": "New"})
    view.refresh_from_db()
    deleted = client.post(reverse("web:saved_view_delete", args=[view.pk]))

    assert listing.status_code == 200
    assert renamed.status_code == 302
    assert (view.name, view.shared) == ("New", False)
    assert deleted.status_code == 302 and not SavedView.objects.exists()


def test_saving_a_duplicate_or_invalid_view_says_why_on_the_list(client, lead, stages):
    client.force_login(lead)
    _save(client, name="Open", query="status=open")

    again = _save(client, name="open", query="status=open")
    junk = _save(client, name="Junk", query="colour=red")
    nameless = client.post(reverse("web:saved_view_edit", args=[SavedView.objects.get().pk]), {})

    assert again.status_code == 302 and again.url == f"{DEALS}?status=open"
    assert any("already have a view named" in m for m in _messages(again))
    assert any("Unknown filter: colour." in m for m in _messages(junk))
    assert nameless.status_code == 422
    assert SavedView.objects.count() == 1


def test_a_view_whose_stage_was_deleted_applies_the_rest_with_a_message(client, lead, stages):
    view = saved_view_create(
        actor=lead,
        list_key="deals",
        name="Late stage",
        query={"stage": str(stages[3].pk), "status": "open"},
    )
    stages[3].delete()
    client.force_login(lead)

    applied = client.get(f"{DEALS}?view={view.pk}")

    assert applied.url == f"{DEALS}?status=open"
    assert any("“Late stage” no longer apply" in m for m in _messages(applied))
    assert client.get(applied.url).status_code == 200


# --- built-in views and roles --------------------------------------------------------

LIST_URLS = {
    "deals": "/deals/",
    "leads": "/leads/",
    "contacts": "/contacts/",
    "companies": "/companies/",
    "activities": "/activities/",
    "tickets": "/tickets/",
}
ROLES = ["rep", "manager", "marketer", "support_agent", "admin_user"]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_applies_the_builtin_views_of_the_lists_it_may_open(
    client, request, role, stages
):
    from crm import policies
    from crm.web.list_catalog import LISTS, builtins_for

    user = request.getfixturevalue(role)
    client.force_login(user)
    for key, entry in LISTS.items():
        url = LIST_URLS[key]
        if not policies.can_read(user, key):
            assert client.get(f"{url}?view=builtin:{entry.builtins[0].key}").status_code == 403
            continue
        for builtin in builtins_for(entry, user):
            applied = client.get(f"{url}?view=builtin:{builtin.key}")
            assert applied.status_code == 302, (key, builtin.key)
            page = client.get(applied.url)
            assert page.status_code == 200
            assert f'value="builtin:{builtin.key}" selected' in page.content.decode()
            for link in re.findall(r'href="(/export/[^"]+)"', page.content.decode()):
                assert client.get(link.replace("&amp;", "&")).status_code == 200, link


def test_my_open_deals_is_the_managers_own_open_deals(client, manager, rep, stages):
    own = DealFactory(stage=stages[0], owner=manager)
    DealFactory(stage=stages[0], owner=rep)
    DealFactory(
        stage=stages[0],
        owner=manager,
        status="won",
        created_at=timezone.now() - timedelta(days=2),
        closed_at=timezone.now(),
    )
    client.force_login(manager)

    applied = client.get(f"{DEALS}?view=builtin:my-open")

    assert applied.url == f"{DEALS}?owner={manager.pk}&status=open"
    assert [d.pk for d in client.get(applied.url).context["rows"]] == [own.pk]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_saves_and_manages_a_view_of_activities(client, request, role):
    user = request.getfixturevalue(role)
    ActivityFactory(assignee=user)
    client.force_login(user)

    saved = _save(client, name="Calls", query="kind=call", columns=["due"], list_key="activities")
    view = SavedView.objects.get(owner=user)

    assert saved.url == f"/activities/?view={view.pk}"
    assert client.get(reverse("web:saved_view_list")).status_code == 200
    assert client.get(reverse("web:saved_view_edit", args=[view.pk])).status_code == 200
    assert client.post(reverse("web:saved_view_delete", args=[view.pk])).status_code == 302


# --- query counts --------------------------------------------------------------------


def _fill(n, manager, stages):
    for i in range(n):
        owner = UserFactory(role=Role.REP)
        contact = ContactFactory(owner=owner, company=CompanyFactory())
        DealFactory(stage=stages[i % 4], owner=owner, contact=contact, company=contact.company)
        LeadFactory(owner=owner, contact=contact)
        ActivityFactory(assignee=owner, contact=contact)
        TicketFactory(contact=contact, assignee=manager)
        saved_view_create(
            actor=manager,
            list_key="deals",
            name=f"View {SavedView.objects.count()}",
            query={"status": "open"},
            shared=True,
        )


@pytest.mark.parametrize("url", sorted(LIST_URLS.values()))
def test_list_pages_with_views_and_all_columns_cost_the_same_at_30_rows(
    client, lead, stages, url, django_assert_max_num_queries
):
    client.force_login(lead)
    every = {
        "/deals/": "stage,status,contact,company,owner,close,created",
        "/leads/": "score,status,source,campaign,owner,created",
        "/contacts/": "email,phone,company,lifecycle,source,owner",
        "/companies/": "domain,industry,phone,contacts,owner",
        "/activities/": "kind,due,linked,assignee",
        "/tickets/": "priority,customer,status,sla,assignee",
    }[url]
    client.get(f"{url}?cols=1&" + "&".join(f"columns={c}" for c in every.split(",")))

    _fill(3, lead, stages)
    with django_assert_max_num_queries(20) as few:
        client.get(f"{url}?q=")
    _fill(27, lead, stages)
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        response = client.get(f"{url}?q=")

    assert response.status_code == 200
    assert len(response.context["rows"]) >= 25 or url in ("/activities/",)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_saved_views_page_costs_the_same_at_30_views(
    client, lead, mate, stages, django_assert_max_num_queries
):
    client.force_login(mate)
    _fill(3, lead, stages)
    with django_assert_max_num_queries(10) as few:
        client.get(reverse("web:saved_view_list"))
    _fill(27, lead, stages)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("web:saved_view_list"))
    assert response.content.decode().count("View ") >= 30
