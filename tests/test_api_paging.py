"""Every API list, ordered by every field a client may order it by, pages without
duplicates or gaps.

The world has three rows of each resource (built like the schema fuzzer's), so most
ordering fields tie (the same status, the same priority, equal or empty timestamps). Each
list is read whole in one page, then in pages of two by each allowed ordering in both
directions: the pages together must hold every row exactly once, and the query behind
each page must end its ORDER BY with the primary key.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import EndpointEnumerator
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from crm.api.pagination import PageNumberPagination, with_tie_breaker
from crm.models import Role, Ticket
from crm.tests.factories import UserFactory

from .api_fuzz_world import build_world

PAGE = 2


def list_endpoints():
    """(path, view class) for every paginated list the API serves."""
    found = []
    for path, _regex, method, callback in EndpointEnumerator().get_api_endpoints():
        actions = getattr(callback, "actions", None) or {}
        view_class = getattr(callback, "cls", None)
        if method != "GET" or "{" in path or view_class is None:
            continue
        if actions and actions.get("get") != "list":
            continue
        if not actions and not hasattr(view_class, "list"):
            continue
        if getattr(view_class, "pagination_class", None) is not PageNumberPagination:
            continue
        found.append((path, view_class))
    return found


def allowed_orderings(view_class, user) -> list[str]:
    if OrderingFilter not in [
        backend if isinstance(backend, type) else type(backend)
        for backend in view_class().filter_backends
    ]:
        return []
    request = Request(APIRequestFactory().get("/"))
    request.user = user
    view = view_class(request=request, format_kwarg=None, kwargs={}, action="list")
    view.args = ()
    fields = OrderingFilter().get_valid_fields(view.get_queryset(), view, {"request": request})
    return sorted(name for name, _label in fields)


def read_all(client, path, params=""):
    ids, url, pages = [], f"{path}?page_size={PAGE}{params}", 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:300])
        body = response.json()
        ids.extend(row["id"] for row in body["results"] if "id" in row)
        url = body["next"]
        pages += 1
        assert pages < 200
    return ids


@pytest.fixture
def world(db):
    admin = UserFactory(role=Role.ADMIN, username="paging-admin")
    for copy in range(3):
        build_world(rep=UserFactory(role=Role.REP), admin=admin, copy=copy)
    return admin


def test_the_walk_covers_the_lists_the_issue_names(db):
    paths = {path for path, _view in list_endpoints()}

    assert {"/api/tickets/", "/api/contacts/", "/api/deals/", "/api/imports/"} <= paths
    assert len(paths) >= 25


def test_every_list_pages_by_every_ordering_without_duplicates_or_gaps(api_as, world):
    client = api_as(world)
    checked = 0
    for path, view_class in list_endpoints():
        everything = client.get(f"{path}?page_size=200").json()
        expected = sorted(row["id"] for row in everything["results"] if "id" in row)
        if not expected:
            continue
        for field in allowed_orderings(view_class, world):
            for ordering in (field, f"-{field}"):
                with CaptureQueriesContext(connection) as queries:
                    seen = read_all(client, path, f"&ordering={ordering}")
                assert sorted(seen) == expected, (path, ordering, seen)
                assert len(seen) == len(set(seen)), (path, ordering)
                # The bounded count (crm.counting) has a LIMIT too, over unordered rows.
                paged = [
                    q["sql"]
                    for q in queries
                    if re.search(r"\bLIMIT\b", q["sql"])
                    and not q["sql"].startswith("SELECT COUNT(")
                ]
                assert paged, (path, ordering)
                for sql in paged:
                    order_by = sql.rsplit("ORDER BY", 1)[1]
                    assert re.search(r'\."id" (ASC|DESC)\s+LIMIT', order_by), (path, ordering, sql)
                checked += 1
    print(f"{checked} orderings checked")
    assert checked >= 60


@pytest.mark.django_db
def test_the_tie_breaker_keeps_the_requested_order_and_adds_the_primary_key():
    assert with_tie_breaker(Ticket.objects.order_by("priority")).query.order_by == (
        "priority",
        "pk",
    )
    assert with_tie_breaker(Ticket.objects.order_by("-id")).query.order_by == ("-id",)
    default = with_tie_breaker(Ticket.objects.all())
    last = (default.query.order_by or Ticket._meta.ordering)[-1]
    assert last.lstrip("-") in ("pk", "id")
