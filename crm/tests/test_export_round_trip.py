"""Exports are typed, and a file Goalpost exported imports back to the same values.

Every exportable resource (companies, contacts, deals, purchases, leads, activities,
tickets) is exported as CSV and as XLSX, its rows are deleted, the file is imported
through the wizard's services, and the list is exported again: the two exports agree
cell by cell, "@Home Interiors" included, except for ids and what the CRM derives.
"""

import csv
import datetime as dt
import io
from decimal import Decimal
from unittest import mock

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from crm.importing import services
from crm.importing.resources import EXPORTABLE
from crm.models import (
    Activity,
    Company,
    Contact,
    Deal,
    DuplicatePolicy,
    Lead,
    Purchase,
    Role,
    Ticket,
)
from crm.services.activities import activity_create
from crm.services.contacts import company_create, contact_create
from crm.services.deals import deal_create
from crm.services.leads import lead_create
from crm.services.revenue import purchase_record
from crm.services.support import ticket_open
from crm.tests.factories import (
    ActivityFactory,
    CampaignFactory,
    LeadFactory,
    TicketFactory,
    UserFactory,
    pipeline_with_stages,
)

# Columns the export writes that no import field takes (ids, and what the CRM derives).
NOT_IMPORTED = {
    "companies": {"id"},
    "contacts": {"id", "churned_at", "referred_by"},
    "deals": {"id"},
    "purchases": {"id", "deal"},
    "leads": {"id"},
    "activities": {"id"},
    # The SLA due time is derived from the priority and the opening time.
    "tickets": {"id", "sla_due_at"},
}
MOMENT = dt.datetime(2024, 3, 5, 14, 30, 15, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _world(manager):
    home = company_create(
        actor=manager, name="@Home Interiors", domain="home.example", industry="Retail"
    )
    company_create(actor=manager, name="Güneş İnşaat", phone="+90 212 555 0101", created_at=MOMENT)
    ada = contact_create(
        actor=manager,
        first_name="Şükrü",
        last_name="=Yılmaz",
        email="sukru@example.test",
        company=home,
        birth_date=dt.date(1980, 12, 1),
        occupation="-engineer",
        created_at=MOMENT,
        automate=False,
    )
    contact_create(
        actor=manager,
        first_name="Ştefan",
        last_name="Ţăranu",
        email="stefan@example.test",
        tags=["vip", "b2b"],
        source="referral",
        opted_out=True,
        automate=False,
    )
    _pipeline, stages = pipeline_with_stages(is_default=True)
    refit = deal_create(
        actor=manager,
        title="Kitchen refit",
        value=Decimal("6250.00"),
        stage=stages[1],
        contact=ada,
        company=home,
        expected_close_date=dt.date(2030, 12, 31),
        created_at=MOMENT,
        automate=False,
    )
    deal_create(
        actor=manager,
        title="+Won order",
        value=Decimal("1500.00"),
        currency="JPY",
        status="won",
        contact=ada,
        created_at=MOMENT,
        closed_at=MOMENT + dt.timedelta(days=2),
        automate=False,
    )
    purchase_record(
        actor=manager,
        contact=ada,
        amount=Decimal("2345.50"),
        currency="EUR",
        purchased_at=MOMENT,
        product="@Sofa",
        category="Furniture",
        automate=False,
    )
    stefan = Contact.objects.get(email="stefan@example.test")
    # A second deal with the same title: an activity's deal is told apart by its contact.
    other_refit = deal_create(
        actor=manager, title="Kitchen refit", contact=stefan, created_at=MOMENT, automate=False
    )
    rep = UserFactory(role=Role.REP, username="rep.ro", email="rep@example.test")
    agent = UserFactory(role=Role.SUPPORT, username="destek")
    lead = lead_create(
        actor=manager,
        contact=ada,
        source="website",
        campaign=CampaignFactory(name="+Spring fair"),
        status="converted",
        score=0,  # the floor (crm.limits): a zero must travel too
        owner=rep,
        handed_off_at=MOMENT,
        converted_at=MOMENT + dt.timedelta(days=1),
        deal=refit,
        created_at=MOMENT,
        automate=False,
    )
    lead_create(actor=manager, contact=stefan, score=40, automate=False)
    activity_create(
        actor=manager,
        kind="call",
        subject="=Call about the refit",
        notes="Line one\nLine two, with a comma",
        due_at=MOMENT,
        done_at=MOMENT + dt.timedelta(hours=1),
        assignee=rep,
        deal=refit,
        created_at=MOMENT,
    )
    activity_create(actor=manager, kind="task", subject="Measure", deal=other_refit)
    activity_create(actor=manager, kind="email", subject="Follow up", lead=lead, assignee=rep)
    activity_create(actor=manager, kind="meeting", subject="Coffee", contact=stefan)
    ticket_open(
        actor=manager,
        subject="-Broken hinge",
        description="@support: the left door",
        contact=ada,
        company=home,
        priority="high",
        status="resolved",
        assignee=agent,
        opened_at=MOMENT,
        first_response_at=MOMENT + dt.timedelta(hours=2),
        resolved_at=MOMENT + dt.timedelta(days=3),
    )
    ticket_open(actor=manager, subject="Invoice copy", priority="low", status="pending")


def _export(client, resource, fmt) -> list[list[str]]:
    response = client.get(reverse("importing:export", args=[resource, fmt]))
    assert response.status_code == 200
    if fmt == "csv":
        content = b"".join(response.streaming_content)
        assert content.startswith(b"\xef\xbb\xbf")
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    content = b"".join(response.streaming_content)
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [list(row) for row in book.active.iter_rows(values_only=True)], content


def _comparable(resource, rows):
    header, *body = rows
    keep = [i for i, name in enumerate(header) if name not in NOT_IMPORTED[resource]]
    return sorted([tuple("" if row[i] is None else str(row[i]) for i in keep) for row in body]), [
        header[i] for i in keep
    ]


def _import(manager, resource, content: bytes, name: str):
    upload = SimpleUploadedFile(name, content)
    job = services.import_job_create(actor=manager, kind=resource, upload=upload)
    job = services.import_job_set_mapping(
        job=job,
        actor=manager,
        mapping=job.mapping,
        duplicate_policy=DuplicatePolicy.UPDATE,
        automate=False,
    )
    with mock.patch.object(services, "enqueue_on_commit"):
        services.import_job_start(job=job, actor=manager)
    job = services.import_job_run(job_id=job.pk)
    assert list(job.row_errors.values_list("row_number", "column", "reason")) == []
    return job


MODELS = {
    "companies": Company,
    "contacts": Contact,
    "deals": Deal,
    "purchases": Purchase,
    "leads": Lead,
    "activities": Activity,
    "tickets": Ticket,
}


def test_every_exportable_resource_is_round_tripped():
    assert set(MODELS) == set(EXPORTABLE) == set(NOT_IMPORTED)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("resource", list(MODELS))
def test_an_export_imports_back_to_the_same_values(client, manager, resource, fmt):
    _world(manager)
    client.force_login(manager)
    if fmt == "csv":
        before = _export(client, resource, "csv")
        response = client.get(reverse("importing:export", args=[resource, "csv"]))
        content = b"".join(response.streaming_content)
    else:
        before, content = _export(client, resource, "xlsx")
    expected, columns = _comparable(resource, before)
    assert len(expected) >= 2
    # Every column but the ids is mapped back to a field.
    job_mapping_check = set(columns)

    if resource == "companies":
        Contact.objects.update(company=None)
    if resource == "deals":
        Purchase.objects.filter(deal__isnull=False).delete()
    MODELS[resource].objects.all().delete()
    job = _import(manager, resource, content, f"{resource}.{fmt}")

    assert set(job.mapping) == job_mapping_check
    after = _export(client, resource, "csv" if fmt == "csv" else "xlsx")
    after = after if fmt == "csv" else after[0]
    assert _comparable(resource, after)[0] == expected


@pytest.mark.django_db
def test_the_xlsx_export_is_typed_on_a_named_sheet(client, manager):
    _world(manager)
    client.force_login(manager)

    response = client.get(reverse("importing:export", args=["deals", "xlsx"]))

    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["Deals"]
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    by_title = {}
    for row in sheet.iter_rows(min_row=2):  # in id order: the first "Kitchen refit"
        by_title.setdefault(row[1].value, row)
    refit = by_title["Kitchen refit"]
    value = refit[header.index("value")]
    assert (value.value, value.data_type, value.number_format) == (6250, "n", "#,##0.00")
    won = by_title["+Won order"]  # text, quote-prefixed: no guard quote to see in XLSX
    assert (won[1].data_type, won[1].quotePrefix) == ("s", True)
    assert won[header.index("value")].number_format == "#,##0"  # yen have no decimals
    close = refit[header.index("expected_close_date")]
    assert (close.value, close.number_format) == (dt.datetime(2030, 12, 31), "yyyy-mm-dd")
    created = refit[header.index("created_at")]
    assert (created.value, created.number_format) == (
        dt.datetime(2024, 3, 5, 14, 30, 15),
        "yyyy-mm-dd hh:mm:ss",
    )
    assert isinstance(refit[header.index("id")].value, int)


@pytest.mark.django_db
@pytest.mark.parametrize("resource", sorted(EXPORTABLE))
def test_every_list_exports_a_named_typed_sheet(client, manager, resource):
    _world(manager)
    LeadFactory(owner=manager)
    ActivityFactory(assignee=manager, due_at=timezone.now())
    TicketFactory()
    client.force_login(manager)

    response = client.get(reverse("importing:export", args=[resource, "xlsx"]))

    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == [
        str(EXPORTABLE[resource].model._meta.verbose_name_plural).capitalize()
    ]
    rows = list(book.active.iter_rows(min_row=2, values_only=True))
    assert rows
    assert all(isinstance(row[0], int) for row in rows)  # ids are numbers, not text
