"""Bounded list counts (crm.counting): exact up to settings.LIST_COUNT_LIMIT, "N+" above it,
on the browser lists, the bulk bar, the deal totals and the API, with paging that still
reaches every row and query counts that do not change."""

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from crm.counting import BoundedCount, BoundedPaginator, bounded_count
from crm.models import Contact, Deal
from crm.services.deals import deal_create
from crm.tests.factories import ContactFactory, pipeline_with_stages

pytestmark = pytest.mark.django_db


def _contacts(n, owner=None):
    return [ContactFactory(owner=owner, last_name=f"Row{i:02d}") for i in range(n)]


def _text(response) -> str:
    return response.content.decode()


# --- the helper ----------------------------------------------------------------------


def test_bounded_count_is_exact_up_to_the_limit_and_the_limit_above_it(
    django_assert_max_num_queries,
):
    _contacts(6)
    rows = Contact.objects.all()
    with django_assert_max_num_queries(1):
        assert bounded_count(rows, 6) == BoundedCount(6, True)
    with django_assert_max_num_queries(1):
        assert bounded_count(rows, 5) == BoundedCount(5, False)
    assert bounded_count(rows.filter(last_name="Row00"), 5) == BoundedCount(1, True)


def test_the_count_reads_at_most_limit_plus_one_rows():
    _contacts(3)
    with CaptureQueriesContext(connection) as queries:
        bounded_count(Contact.objects.order_by("last_name"), 2)
    (sql,) = [q["sql"] for q in queries]
    assert sql.startswith("SELECT COUNT(*)")
    assert "LIMIT 3" in sql and "ORDER BY" not in sql


@override_settings(LIST_COUNT_LIMIT=5)
def test_paginator_reaches_every_page_beyond_the_limit():
    _contacts(12)
    paginator = BoundedPaginator(Contact.objects.order_by("last_name", "pk"), 2)
    first = paginator.get_page(1)
    assert (paginator.count, paginator.count_is_exact, paginator.num_pages) == (5, False, 3)
    assert first.has_next()
    # Page 6 is past the 5 counted rows: the paginator counts as far as it needs.
    last = BoundedPaginator(Contact.objects.order_by("last_name", "pk"), 2).get_page(6)
    assert [c.last_name for c in last] == ["Row10", "Row11"]
    assert (last.paginator.count, last.paginator.count_is_exact) == (12, True)
    assert not last.has_next()
    # A page past the end is the last page, as with Django's Paginator.
    beyond = BoundedPaginator(Contact.objects.order_by("last_name", "pk"), 2).get_page(99)
    assert beyond.number == 6


# --- browser lists -------------------------------------------------------------------


@override_settings(LIST_COUNT_LIMIT=5)
def test_contact_list_above_the_limit_says_so_and_hides_the_page_total(client, manager):
    _contacts(30)
    client.force_login(manager)
    html = _text(client.get(reverse("web:contact_list")))
    assert "1–25 of 25+" in html
    assert "Page 1<" in html and "Page 1 of" not in html
    assert 'rel="next" href="?page=2"' in html
    assert "data-matching-bounded" in html
    assert "Select all 25+ matching" in html
    assert 'data-all-matching-status="All 25+ matching records are selected."' in html

    # The second page counts as far as it needs: every row, so the total is exact again.
    html = _text(client.get(reverse("web:contact_list") + "?page=2"))
    assert "26–30 of 30" in html and "Page 2 of 2" in html
    assert "Row29" in html


def test_contact_list_below_the_limit_is_exact(client, manager):
    _contacts(3)
    client.force_login(manager)
    html = _text(client.get(reverse("web:contact_list")))
    assert "1–3 of 3" in html and "+" not in html.split("1–3 of 3", 1)[1][:1]
    assert "data-matching-bounded" not in html


@pytest.mark.parametrize(
    ("language", "counted", "page"),
    [
        ("en", "1–25 of 10,000+", "Page 1"),
        ("de", "1–25 von 10.000+", "Seite 1"),
        ("tr", "1–25 / 10.000+", "Sayfa 1"),
    ],
)
def test_the_bound_is_translated_and_its_number_localized(rf, language, counted, page):
    paginator = BoundedPaginator(list(range(30)), 25, known=BoundedCount(10_000, False))
    with translation.override(language):
        html = render_to_string(
            "web/_pagination.html", {"page_obj": paginator.get_page(1)}, request=rf.get("/")
        )
    assert counted in html
    assert page in html and "10.000<" not in html


@override_settings(LIST_COUNT_LIMIT=5)
def test_deal_list_above_the_limit_shows_no_sum_but_says_why(client, manager):
    stages = pipeline_with_stages(is_default=True)[1]
    for i in range(7):
        deal_create(actor=manager, title=f"Deal {i}", stage=stages[0], value=100)
    client.force_login(manager)
    html = _text(client.get(reverse("web:deal_list")))
    assert "Totals are shown for up to 5 deals: narrow the filter to see them." in html
    assert 'data-role="total"' not in html
    # The page still lists (and counts, as far as its page needs) every deal, and the
    # totals row says the page's count.
    assert "1–7 of 7" in html and html.count("data-bulk-row") == 7
    assert "7 matching deals" in html


def test_deal_list_below_the_limit_sums_every_deal(client, manager):
    stages = pipeline_with_stages(is_default=True)[1]
    for i in range(3):
        deal_create(actor=manager, title=f"Deal {i}", stage=stages[0], value=100, currency="USD")
    client.force_login(manager)
    html = _text(client.get(reverse("web:deal_list")))
    assert "3 matching deals" in html and "Totals are shown" not in html
    assert 'data-role="total"' in html and "300" in html


LISTS = ("web:deal_list", "web:contact_list", "web:lead_list", "web:activity_list")


@pytest.mark.parametrize("url_name", LISTS)
def test_bounded_pages_run_as_many_queries_as_exact_ones(
    client, manager, url_name, django_assert_max_num_queries
):
    stages = pipeline_with_stages(is_default=True)[1]
    from crm.tests.test_web_bulk import _fill

    resource = url_name.removeprefix("web:").removesuffix("_list") + "s"
    resource = {"activitys": "activities"}.get(resource, resource)
    _fill(resource, 30, stages, manager)
    client.force_login(manager)
    url = reverse(url_name)
    with CaptureQueriesContext(connection) as exact:
        assert "of 30<" in _text(client.get(url))
    with (
        override_settings(LIST_COUNT_LIMIT=25),
        django_assert_max_num_queries(len(exact.captured_queries)),
    ):
        assert "of 25+<" in _text(client.get(url))


@override_settings(LIST_COUNT_LIMIT=5)
def test_bulk_all_matching_above_the_limit_acts_on_every_matching_row(client, manager, rep):
    stages = pipeline_with_stages(is_default=True)[1]
    matching = [
        deal_create(actor=manager, title=f"Renewal {i}", stage=stages[0], owner=manager)
        for i in range(30)
    ]
    other = deal_create(actor=manager, title="New logo", stage=stages[0], owner=manager)
    client.force_login(manager)
    html = _text(client.get(reverse("web:deal_list") + "?q=renewal"))
    assert "Select all 25+ matching" in html
    data = {"kind": "reassign", "owner": rep.pk, "all_matching": "1", "filter": "q=renewal"}
    confirm = client.post(reverse("web:bulk_apply", args=["deals"]), data)
    # The confirmation counts the rows it will change exactly.
    assert "30 selected records" in _text(confirm)
    done = client.post(reverse("web:bulk_apply", args=["deals"]), {**data, "confirm": "1"})
    assert done.status_code == 302
    owners = set(Deal.objects.filter(pk__in=[d.pk for d in matching]).values_list("owner_id"))
    assert owners == {(rep.pk,)}
    assert Deal.objects.get(pk=other.pk).owner_id == manager.pk


@override_settings(LIST_COUNT_LIMIT=5)
def test_audit_log_pages_through_a_bounded_count(client, admin_user):
    from crm.models import AuditEvent

    AuditEvent.objects.bulk_create(AuditEvent(kind="login", actor=admin_user) for _ in range(60))
    client.force_login(admin_user)
    html = _text(client.get(reverse("web:settings_audit")))
    assert "1–50 of 50+" in html and 'rel="next"' in html


# --- API -----------------------------------------------------------------------------


@override_settings(LIST_COUNT_LIMIT=5)
def test_api_count_above_the_limit_is_the_limit_and_says_it_is_not_exact(api_as, manager):
    _contacts(8)
    client = api_as(manager)
    body = client.get("/api/contacts/?page_size=2").json()
    assert (body["count"], body["count_is_exact"]) == (5, False)
    assert list(body) == ["count", "count_is_exact", "next", "previous", "results"]
    assert body["next"].endswith("/api/contacts/?page=2&page_size=2")
    # The last page is reached: it counted as far as it needed, so its count is exact.
    last = client.get("/api/contacts/?page=4&page_size=2").json()
    assert (last["count"], last["count_is_exact"], last["next"]) == (8, True, None)
    assert len(last["results"]) == 2


@override_settings(LIST_COUNT_LIMIT=5)
def test_api_count_exact_on_request(api_as, manager, django_assert_max_num_queries):
    _contacts(8)
    client = api_as(manager)
    with CaptureQueriesContext(connection) as bounded:
        client.get("/api/contacts/?page_size=2")
    with django_assert_max_num_queries(len(bounded.captured_queries)):
        body = client.get("/api/contacts/?page_size=2&count=exact").json()
    assert (body["count"], body["count_is_exact"]) == (8, True)
    assert "count=exact" in body["next"]


def test_api_count_below_the_limit_is_exact(api_as, manager):
    _contacts(3)
    body = api_as(manager).get("/api/contacts/").json()
    assert (body["count"], body["count_is_exact"], body["next"]) == (3, True, None)


@override_settings(LIST_COUNT_LIMIT=5)
@pytest.mark.parametrize(
    "query", ["count=", "count=EXACT", "count=%00", "page=99999999999999999999", "page=-1"]
)
def test_api_odd_count_and_page_values_are_never_a_500(api_as, manager, query):
    _contacts(8)
    response = api_as(manager).get(f"/api/contacts/?page_size=2&{query}")
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert response.json()["count_is_exact"] is False


def test_openapi_documents_count_is_exact_and_count_exact(api_as, admin_user):
    schema = api_as(admin_user).get("/api/schema/?format=json").json()
    page = schema["components"]["schemas"]["PaginatedContactList"]
    assert page["required"] == ["count", "count_is_exact", "results"]
    assert page["properties"]["count_is_exact"]["type"] == "boolean"
    parameters = schema["paths"]["/api/contacts/"]["get"]["parameters"]
    (count,) = [p for p in parameters if p["name"] == "count"]
    assert count["schema"] == {"type": "string", "enum": ["exact"]}
