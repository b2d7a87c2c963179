import csv
import io
from datetime import timedelta

import openpyxl
import pytest
import tablib
from django.urls import reverse
from django.utils import timezone

from crm.models import Tag
from crm.tests.factories import (
    ActivityFactory,
    CompanyFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    PurchaseFactory,
    TicketFactory,
)


def _body(response) -> bytes:
    """The file's bytes, whether it was streamed (every export) or not (an error)."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def _rows(response):
    return list(csv.DictReader(io.StringIO(_body(response).decode("utf-8-sig"))))


def test_contacts_export_applies_the_list_filters(client, manager):
    acme = CompanyFactory(name="Acme")
    ada = ContactFactory(first_name="Ada", email="ada@example.com", lifecycle="customer")
    ada.company = acme
    ada.save()
    ada.tags.add(Tag.objects.create(name="vip"))
    ContactFactory(first_name="Adam", email="adam@example.com", lifecycle="lead")
    ContactFactory(first_name="Grace", lifecycle="customer")
    client.force_login(manager)

    response = client.get(
        reverse("importing:export", args=["contacts", "csv"]), {"q": "ada", "lifecycle": "customer"}
    )

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="contacts.csv"'
    rows = _rows(response)
    assert [(r["first_name"], r["company"], r["tags"], r["lifecycle"]) for r in rows] == [
        ("Ada", "Acme", "vip", "customer")
    ]


def test_xlsx_export_is_a_workbook(client, manager):
    DealFactory(title="Big deal", owner=manager)
    client.force_login(manager)

    response = client.get(reverse("importing:export", args=["deals", "xlsx"]))

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = tablib.Dataset().load(_body(response), format="xlsx")
    assert book.headers[:3] == ["id", "title", "value"]
    assert book["title"] == ["Big deal"]


def test_a_rep_exports_only_their_own_deals(client, rep, other_rep):
    DealFactory(title="Mine", owner=rep)
    DealFactory(title="Theirs", owner=other_rep)
    client.force_login(rep)

    response = client.get(reverse("importing:export", args=["deals", "csv"]))

    assert [r["title"] for r in _rows(response)] == ["Mine"]


def test_a_rep_exports_activities_assigned_to_them_and_tickets_of_their_customers(
    client, rep, other_rep
):
    ActivityFactory(subject="My call", assignee=rep)
    ActivityFactory(subject="Their call", assignee=other_rep)
    TicketFactory(subject="My customer's", contact=ContactFactory(owner=rep))
    TicketFactory(subject="Someone else's", contact=ContactFactory(owner=other_rep))
    client.force_login(rep)

    activities = client.get(reverse("importing:export", args=["activities", "csv"]))
    tickets = client.get(reverse("importing:export", args=["tickets", "csv"]))

    assert [r["subject"] for r in _rows(activities)] == ["My call"]
    assert [r["subject"] for r in _rows(tickets)] == ["My customer's"]


@pytest.mark.parametrize(
    ("role_fixture", "resource"),
    [
        ("support_agent", "deals"),
        ("marketer", "deals"),
        ("support_agent", "leads"),
        ("support_agent", "purchases"),
        ("marketer", "tickets"),
    ],
)
def test_roles_that_may_not_read_a_list_cannot_export_it(client, request, role_fixture, resource):
    client.force_login(request.getfixturevalue(role_fixture))

    assert client.get(reverse("importing:export", args=[resource, "csv"])).status_code == 403


def test_unknown_lists_formats_and_bad_filters(client, manager):
    client.force_login(manager)

    assert client.get("/export/users.csv").status_code == 404
    assert client.get("/export/contacts.pdf").status_code == 404
    response = client.get(reverse("importing:export", args=["contacts", "csv"]), {"owner": "x"})
    assert response.status_code == 400
    assert "owner" in response.content.decode()


def test_formula_like_text_is_neutralised_but_phone_numbers_are_not(client, manager):
    ContactFactory(first_name="=HYPERLINK(1)", phone="+49 30 1234")
    client.force_login(manager)

    row = _rows(client.get(reverse("importing:export", args=["contacts", "csv"])))[0]

    assert (row["first_name"], row["phone"]) == ("'=HYPERLINK(1)", "+49 30 1234")


def test_export_queries_do_not_grow_with_rows(client, manager, django_assert_max_num_queries):
    for n in range(30):
        contact = ContactFactory(owner=manager, company=CompanyFactory())
        contact.tags.add(Tag.objects.get_or_create(name=f"t{n % 3}")[0])
        PurchaseFactory(contact=contact)
        LeadFactory(contact=contact, owner=manager)
    client.force_login(manager)

    for resource in ("contacts", "purchases", "leads"):
        with django_assert_max_num_queries(8):
            response = client.get(reverse("importing:export", args=[resource, "csv"]))
            rows = _rows(response)  # streamed: the rows are read while it is consumed
        assert len(rows) == 30


def test_api_export_csv_and_xlsx_with_filters(api_as, manager):
    DealFactory(title="Open one", owner=manager)
    created = timezone.now() - timedelta(days=3)
    DealFactory(
        title="Won one", owner=manager, status="won", created_at=created, closed_at=timezone.now()
    )
    client = api_as(manager)

    response = client.get("/api/export/deals/", {"format": "csv", "status": "open"})
    xlsx = client.get("/api/export/deals/?format=xlsx")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert [r["title"] for r in _rows(response)] == ["Open one"]
    assert tablib.Dataset().load(_body(xlsx), format="xlsx")["title"] == ["Open one", "Won one"]


def test_api_export_rights_and_errors(api_as, rep, support_agent, other_rep):
    DealFactory(title="Mine", owner=rep)
    DealFactory(title="Theirs", owner=other_rep)

    assert [r["title"] for r in _rows(api_as(rep).get("/api/export/deals/"))] == ["Mine"]
    assert api_as(support_agent).get("/api/export/deals/").status_code == 403
    assert api_as(rep).get("/api/export/nothing/").status_code == 404
    assert api_as(rep).get("/api/export/deals/", {"status": "maybe"}).status_code == 400


def test_the_api_export_is_in_the_openapi_schema(api_as, admin_user):
    response = api_as(admin_user).get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    assert "/api/export/{resource}/" in response.json()["paths"]


LIST_PAGES = {
    "contacts": ("web:contact_list", "lifecycle=customer&q=Ada"),
    "companies": ("web:company_list", "industry=Retail"),
    "deals": ("web:deal_list", "status=won"),
    "leads": ("web:lead_list", "min_score=50"),
    "activities": ("web:activity_list", "state=open"),
    "tickets": ("web:ticket_list", "priority=urgent"),
}
# What the export link adds to the page's query: the queue opens on unresolved tickets.
LINK_ADDS = {"tickets": "&unresolved=true"}


@pytest.mark.parametrize("resource", sorted(LIST_PAGES))
def test_every_list_page_links_to_its_csv_and_xlsx_export_with_its_filters(
    client, manager, resource
):
    import re

    from django.utils.html import escape

    name, query = LIST_PAGES[resource]
    client.force_login(manager)

    page = client.get(f"{reverse(name)}?{query}")

    assert page.status_code == 200
    body = page.content.decode()
    for fmt in ("csv", "xlsx"):
        link = f"{query}{LINK_ADDS.get(resource, '')}"
        href = escape(f"{reverse('importing:export', args=[resource, fmt])}?{link}")
        assert f'href="{href}"' in body
    links = re.findall(r'href="(/export/[^"]+)"', body)
    for link in links:
        assert client.get(link.replace("&amp;", "&")).status_code == 200


def test_the_export_link_exports_the_rows_the_filtered_page_shows(client, manager):
    LeadFactory(owner=manager, score=80, contact=ContactFactory(first_name="Hot", last_name="Lead"))
    LeadFactory(
        owner=manager, score=10, contact=ContactFactory(first_name="Cold", last_name="Lead")
    )
    client.force_login(manager)

    page = client.get(reverse("web:lead_list") + "?min_score=50")
    response = client.get(reverse("importing:export", args=["leads", "csv"]) + "?min_score=50")

    assert [lead.contact.first_name for lead in page.context["rows"]] == ["Hot"]
    assert [row["contact_name"] for row in _rows(response)] == ["Hot Lead"]


def test_xlsx_holds_formula_like_text_as_quote_prefixed_text_without_a_visible_quote(
    client, manager
):
    ContactFactory(first_name="=HYPERLINK(1)", last_name="@Home", phone="+49 30 1234")
    client.force_login(manager)

    response = client.get(reverse("importing:export", args=["contacts", "xlsx"]))

    sheet = openpyxl.load_workbook(io.BytesIO(_body(response))).active
    headers = [cell.value for cell in sheet[1]]
    first = sheet.cell(row=2, column=headers.index("first_name") + 1)
    last = sheet.cell(row=2, column=headers.index("last_name") + 1)
    assert (first.value, first.data_type, first.quotePrefix) == ("=HYPERLINK(1)", "s", True)
    assert (last.value, last.quotePrefix) == ("@Home", True)
