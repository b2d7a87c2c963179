"""Exports stream from one query: typed XLSX cells, the same moments as the CSV, a query
count that does not grow with the rows, and a rep's export holds only what they see."""

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import override

from crm.models import Role, Tag
from crm.tests.factories import (
    CompanyFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    StageFactory,
)

MOMENT = dt.datetime(2024, 3, 5, 14, 30, 15, tzinfo=dt.UTC)


def _body(response) -> bytes:
    assert response.status_code == 200
    assert response.streaming  # never one big bytes object
    return b"".join(response.streaming_content)


def _sheet(response) -> tuple[list[str], list[tuple]]:
    """(headers, rows of openpyxl cells) of the workbook's only sheet."""
    sheet = openpyxl.load_workbook(io.BytesIO(_body(response))).active
    header, *rows = sheet.iter_rows()
    return [cell.value for cell in header], rows


def _csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(_body(response).decode("utf-8-sig"))))


def _export(client, resource, fmt, **params):
    return client.get(reverse("importing:export", args=[resource, fmt]), params)


@pytest.fixture
def istanbul(settings):
    # UTC+3 all year: a time written in UTC would be three hours off.
    settings.TIME_ZONE = "Europe/Istanbul"


def test_xlsx_cells_are_numbers_dates_and_local_times_as_the_csv_writes_them(
    client, manager, istanbul
):
    deal = DealFactory(
        title="Kitchen refit",
        value=Decimal("6250.50"),
        currency="EUR",
        owner=manager,
        expected_close_date=dt.date(2030, 12, 31),
        created_at=MOMENT,
        closed_at=MOMENT + dt.timedelta(days=2),
        status="won",
    )
    client.force_login(manager)

    headers, (row,) = _sheet(_export(client, "deals", "xlsx"))
    (csv_row,) = _csv(_export(client, "deals", "csv"))

    cell = dict(zip(headers, row, strict=False))
    assert (cell["id"].value, cell["id"].data_type) == (deal.pk, "n")
    assert (cell["value"].value, cell["value"].data_type) == (6250.5, "n")
    assert cell["value"].number_format == "#,##0.00"
    assert cell["currency"].value == "EUR"
    assert cell["expected_close_date"].value == dt.datetime(2030, 12, 31)
    assert cell["expected_close_date"].number_format == "yyyy-mm-dd"
    assert cell["created_at"].is_date
    assert cell["created_at"].value == dt.datetime(2024, 3, 5, 17, 30, 15)
    assert cell["closed_at"].value == dt.datetime(2024, 3, 7, 17, 30, 15)
    assert (csv_row["created_at"], csv_row["closed_at"]) == (
        "2024-03-05 17:30:15",
        "2024-03-07 17:30:15",
    )
    assert (csv_row["value"], csv_row["expected_close_date"]) == ("6250.50", "2030-12-31")


def test_xlsx_booleans_and_empty_cells_keep_every_column_in_place(client, manager):
    vip = Tag.objects.create(name="vip")
    b2b = Tag.objects.create(name="b2b")
    bare = ContactFactory(first_name="Bare", opted_out=True)
    full = ContactFactory(
        first_name="Full",
        last_name=" Spaced ",
        company=CompanyFactory(name="Acme & <Sons>"),
        owner=manager,
        occupation="a\x01b",  # a control character XML cannot hold
    )
    full.tags.add(vip, b2b)
    client.force_login(manager)

    headers, rows = _sheet(_export(client, "contacts", "xlsx"))

    by_name = {row[1].value: dict(zip(headers, row, strict=False)) for row in rows}
    assert by_name["Bare"]["opted_out"].value is True
    assert by_name["Bare"]["company"].value is None
    assert by_name["Bare"]["id"].value == bare.pk
    assert by_name["Full"]["last_name"].value == " Spaced "
    assert by_name["Full"]["company"].value == "Acme & <Sons>"
    assert by_name["Full"]["owner"].value == manager.username
    assert by_name["Full"]["tags"].value == "b2b, vip"
    assert by_name["Full"]["occupation"].value == "ab"
    assert by_name["Full"]["opted_out"].value is False


def test_a_german_users_csv_writes_amounts_as_number_format_did(client, make_user):
    german = make_user(Role.MANAGER, username="hans", language="de")
    DealFactory(value=Decimal("6250.50"), owner=german)
    client.force_login(german)

    (row,) = list(csv.reader(io.StringIO(_body(_export(client, "deals", "csv")).decode())))[1:]

    with override("de"):
        assert row[2] == number_format(Decimal("6250.50")) == "6250,50"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("resource", ["deals", "contacts", "leads"])
def test_export_queries_are_the_same_for_3_and_30_rows(
    client, manager, django_assert_max_num_queries, resource, fmt
):
    client.force_login(manager)
    stage = StageFactory()
    tag = Tag.objects.create(name="t")

    def add_rows(count):
        for _ in range(count):
            company = CompanyFactory(owner=manager)
            contact = ContactFactory(owner=manager, company=company)
            contact.tags.add(tag)
            DealFactory(owner=manager, contact=contact, company=company, stage=stage)
            LeadFactory(owner=manager, contact=contact)

    def count_queries(expected_rows):
        with django_assert_max_num_queries(6) as captured:
            response = _export(client, resource, fmt)
            body = _body(response)  # streamed: the rows are read while it is consumed
        if fmt == "csv":
            assert len(_csv_rows(body)) == expected_rows
        return len(captured)

    add_rows(3)
    few = count_queries(3)
    add_rows(27)
    many = count_queries(30)

    assert few == many


def _csv_rows(body: bytes) -> list:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_reps_export_in_either_format_holds_only_their_deals(client, rep, other_rep, fmt):
    DealFactory(title="Mine", owner=rep)
    DealFactory(title="Theirs", owner=other_rep)
    client.force_login(rep)

    response = _export(client, "deals", fmt)

    if fmt == "csv":
        titles = [row["title"] for row in _csv(response)]
    else:
        headers, rows = _sheet(response)
        titles = [row[headers.index("title")].value for row in rows]
    assert titles == ["Mine"]


def test_the_api_streams_both_formats_with_the_same_cells(api_as, manager):
    DealFactory(title="=SUM(A1)", owner=manager, value=Decimal("12.00"), currency="JPY")
    client = api_as(manager)

    csv_response = client.get("/api/export/deals/", {"format": "csv"})
    xlsx_response = client.get("/api/export/deals/", {"format": "xlsx"})

    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert xlsx_response["Content-Disposition"] == 'attachment; filename="deals.xlsx"'
    (row,) = _csv(csv_response)
    assert (row["title"], row["value"]) == ("'=SUM(A1)", "12.00")
    headers, (cells,) = _sheet(xlsx_response)
    title = cells[headers.index("title")]
    assert (title.value, title.quotePrefix) == ("=SUM(A1)", True)
    assert cells[headers.index("value")].number_format == "#,##0"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_tag_filter_exports_each_contact_once_with_all_its_tags(client, manager, fmt):
    vip, b2b = Tag.objects.create(name="vip"), Tag.objects.create(name="b2b")
    tagged = ContactFactory(first_name="Tagged")
    tagged.tags.add(vip, b2b)
    ContactFactory(first_name="Plain")
    client.force_login(manager)

    response = _export(client, "contacts", fmt, tag="VIP")

    if fmt == "csv":
        rows = [(row["first_name"], row["tags"]) for row in _csv(response)]
    else:
        headers, cells = _sheet(response)
        at = headers.index("tags")
        rows = [(row[1].value, row[at].value) for row in cells]
    assert rows == [("Tagged", "b2b, vip")]


def test_a_leads_contact_name_is_the_contacts_full_name(client, manager):
    LeadFactory(owner=manager, contact=ContactFactory(first_name="Ada", last_name=""))
    LeadFactory(owner=manager, contact=ContactFactory(first_name="Alan", last_name="Turing"))
    client.force_login(manager)

    names = [row["contact_name"] for row in _csv(_export(client, "leads", "csv"))]

    assert names == ["Ada", "Alan Turing"]
