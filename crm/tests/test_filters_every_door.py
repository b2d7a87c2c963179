"""One FilterSet per resource (crm/filters): the same query string selects the same rows
on the list page, in the API list and in the CSV export, for a manager and for a rep.

The doors used to hold three FilterSets each; a parameter one door knew and another did
not (`q` in the API, `company` on the page, a rep's `owner` on the page) or read
differently (`industry` exact or partial, search with or without accents) gave a list and
its export different rows.
"""

import csv
import io
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from crm.models import Deal, Tag
from crm.tests.factories import (
    ActivityFactory,
    CompanyFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    TicketFactory,
    pipeline_with_stages,
)

PAGES = {
    "contacts": "web:contact_list",
    "companies": "web:company_list",
    "deals": "web:deal_list",
    "leads": "web:lead_list",
    "activities": "web:activity_list",
    "tickets": "web:ticket_list",
}
LONG_AGO = timezone.now() - timedelta(days=30)


@pytest.fixture
def world(rep, other_rep, manager):
    """A handful of rows per resource, owned by the rep, the other rep and nobody."""
    stages = pipeline_with_stages(is_default=True)[1]
    acme = CompanyFactory(name="Acme", industry="Retail", owner=rep)
    CompanyFactory(name="Ümlaut GmbH", industry="Retail goods", owner=other_rep)
    CompanyFactory(name="Nobody Ltd", industry="retail")
    ada = ContactFactory(first_name="Ada", last_name="Şükrü", owner=rep, company=acme)
    ada.tags.add(Tag.objects.create(name="vip"))
    grace = ContactFactory(first_name="Grace", owner=other_rep, lifecycle="customer")
    ContactFactory(first_name="Alan", owner=rep, lifecycle="customer", email="")
    for contact in (ada, grace):
        contact.created_at = LONG_AGO
        contact.save(update_fields=["created_at"])
    DealFactory(title="Acme renewal", owner=rep, contact=ada, company=acme, stage=stages[0])
    DealFactory(title="Grace upsell", owner=other_rep, contact=grace, stage=stages[1])
    won = DealFactory(title="Acme won", owner=rep, stage=stages[1])
    # created_at is set on insert: closed a month ago, it goes back too (closed after created).
    Deal.objects.filter(pk=won.pk).update(
        status="won", created_at=LONG_AGO - timedelta(days=5), closed_at=LONG_AGO
    )
    LeadFactory(contact=ada, owner=rep, score=80, status="new")
    LeadFactory(contact=grace, owner=other_rep, score=90, status="qualified")
    LeadFactory(contact=ContactFactory(first_name="Ada", owner=rep), owner=rep, score=20)
    ActivityFactory(subject="Call Ada", assignee=rep, contact=ada)
    ActivityFactory(subject="Call Grace", assignee=other_rep, contact=grace)
    ActivityFactory(subject="Mail Ada", assignee=rep, done_at=timezone.now(), kind="email")
    TicketFactory(subject="Broken login", contact=ada, priority="urgent", status="open")
    TicketFactory(subject="Invoice", contact=grace, priority="low", status="open")
    TicketFactory(subject="Login again", contact=ada, priority="low", status="resolved")
    return {"stages": stages, "acme": acme, "ada": ada}


def queries(resource, world, rep):
    since = (LONG_AGO + timedelta(days=1)).isoformat()
    common = [{"q": "sukru"}, {"q": "ada"}]
    return {
        "contacts": [
            *common,
            {"owner": rep.pk},
            {"lifecycle": "customer", "owner": rep.pk},
            {"tag": "VIP"},
            {"company": world["acme"].pk},
            {"created_after": since},
            {"missing": "email"},
        ],
        "companies": [{"q": "umlaut"}, {"industry": "retail"}, {"owner": rep.pk}],
        "deals": [
            {"q": "acme"},
            {"owner": rep.pk},
            {"stage": world["stages"][1].pk},
            {"status": "won", "owner": rep.pk},
            {"closed_before": since},
            {"company": world["acme"].pk, "q": "renewal"},
        ],
        "leads": [*common, {"owner": rep.pk, "min_score": 50}, {"status": "new"}],
        "activities": [
            {"q": "ada"},
            {"state": "open", "assignee": rep.pk},
            {"done": "true"},
            {"kind": "email"},
            {"contact": world["ada"].pk},
        ],
        # The queue opens on the unresolved tickets when the query names no status or
        # search, a page default the API does not have (its export link says
        # `unresolved=true`, tested below): these queries name one.
        "tickets": [
            {"q": "login"},
            {"status": "open", "priority": "urgent"},
            {"status": "resolved"},
            {"status": "open", "breached": "false"},
        ],
    }[resource]


def page_ids(client, resource, query):
    response = client.get(reverse(PAGES[resource]), query)
    assert response.status_code == 200, response
    return sorted(row.pk for row in response.context["matching"])


def api_ids(api, resource, query):
    response = api.get(f"/api/{resource}/", query)
    assert response.status_code == 200, response.data
    return sorted(row["id"] for row in response.data["results"])


def export_ids(client, resource, query):
    response = client.get(reverse("importing:export", args=[resource, "csv"]), query)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return sorted(int(row["id"]) for row in csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("resource", sorted(PAGES))
@pytest.mark.parametrize("role", ["manager", "rep"])
def test_a_query_selects_the_same_rows_on_the_page_in_the_api_and_in_the_export(
    request, client, api_as, world, rep, resource, role
):
    user = request.getfixturevalue(role)
    client.force_login(user)
    api = api_as(user)
    found_some = False

    for query in queries(resource, world, rep):
        on_page = page_ids(client, resource, query)

        assert api_ids(api, resource, query) == on_page, urlencode(query)
        assert export_ids(client, resource, query) == on_page, urlencode(query)
        found_some = found_some or bool(on_page)

    assert found_some


def test_the_search_finds_accented_names_in_every_door(client, api_as, manager, world):
    client.force_login(manager)
    expected = [world["ada"].pk]

    assert page_ids(client, "contacts", {"q": "SUKRU"}) == expected
    assert api_ids(api_as(manager), "contacts", {"q": "SUKRU"}) == expected
    assert export_ids(client, "contacts", {"q": "SUKRU"}) == expected


def test_an_unknown_stage_finds_nothing_in_every_door(client, api_as, manager, world):
    client.force_login(manager)
    query = {"stage": 987654321}

    assert page_ids(client, "deals", query) == []
    assert api_ids(api_as(manager), "deals", query) == []
    assert export_ids(client, "deals", query) == []


def test_the_filter_bar_shows_its_own_filters_and_keeps_the_others(client, manager, world):
    client.force_login(manager)

    response = client.get(reverse("web:deal_list"), {"company": world["acme"].pk})

    shown = [field.name for field in response.context["filter_fields"]]
    assert shown == ["status", "pipeline", "stage", "kind", "owner"]
    assert response.context["filter_kept"] == [("company", str(world["acme"].pk))]
    body = response.content.decode()
    assert f'<input type="hidden" name="company" value="{world["acme"].pk}">' in body
    # The stage select still offers the stages (read when the bar renders).
    assert f'<option value="{world["stages"][1].pk}">' in body


def test_a_rep_has_no_owner_select_but_the_owner_filter_still_applies(
    client, rep, other_rep, world
):
    client.force_login(rep)

    response = client.get(reverse("web:deal_list"), {"owner": other_rep.pk})

    assert "owner" not in [field.name for field in response.context["filter_fields"]]
    assert list(response.context["matching"]) == []


@pytest.mark.parametrize(
    ("resource", "asked", "linked"),
    [
        ("activities", {}, "state=open"),
        ("tickets", {"priority": "low"}, "priority=low&unresolved=true"),
    ],
)
def test_the_export_link_says_what_the_page_added_to_the_query(
    client, manager, world, resource, asked, linked
):
    client.force_login(manager)

    page = client.get(reverse(PAGES[resource]), asked)

    href = f"{reverse('importing:export', args=[resource, 'csv'])}?{linked}"
    assert f'href="{escape(href)}"' in page.content.decode()
    on_page = sorted(row.pk for row in page.context["matching"])
    assert on_page and export_ids(client, resource, QueryDict(linked)) == on_page
