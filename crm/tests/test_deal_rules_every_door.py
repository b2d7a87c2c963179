"""A deal's, an activity's and a lead's business rules live in the services (issue 18), so each one
refuses the same way through two doors: the API and the browser form, or the API and
the spreadsheet import. A refusal stores nothing and writes no domain event.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from crm.models import Activity, Deal, DomainEvent, Lead, Purchase, User
from crm.services.deals import deal_create, deal_edit
from crm.services.leads import lead_create
from crm.tests.factories import (
    ActivityFactory,
    ContactFactory,
    LeadFactory,
    pipeline_with_stages,
)
from crm.tests.test_import_jobs import make_job, report_lines, start_and_run

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def stages():
    return pipeline_with_stages(is_default=True)[1]


def _import_deal(manager, header, row):
    """Import one deal row; return the job's (row, message) errors."""
    job = start_and_run(
        make_job(manager, "deals", [["Deal", *header], ["Imported", *row]]), manager
    )
    return [(line[0], line[2]) for line in report_lines(job)[1:]]


# --- what closing a deal requires ---------------------------------------------------


def test_a_lost_deal_needs_a_reason_through_the_api_and_the_import(rep, manager, api_as, stages):
    deal = deal_create(actor=rep, title="Kept open", value=Decimal("10.00"), stage=stages[0])

    api = api_as(rep).patch(
        f"/api/deals/{deal.pk}/", {"value": "20.00", "status": "lost"}, format="json"
    )
    imported = _import_deal(manager, ["Status"], ["lost"])

    assert (api.status_code, api.data) == (400, {"lost_reason": ["Say why the deal was lost."]})
    deal.refresh_from_db()
    assert (deal.value, deal.status, deal.lost_reason) == (Decimal("10.00"), "open", "")
    assert imported == [("2", "Say why the deal was lost.")]
    assert list(Deal.objects.values_list("title", flat=True)) == ["Kept open"]


def test_an_open_deal_has_no_closing_time_through_the_api_and_the_import(
    rep, manager, api_as, stages
):
    api = api_as(rep).post(
        "/api/deals/",
        {"title": "Open", "stage": stages[0].pk, "closed_at": "2025-01-01T00:00:00Z"},
        format="json",
    )
    imported = _import_deal(manager, ["Closed at"], ["2025-01-01"])

    assert (api.status_code, api.data) == (
        400,
        {"closed_at": ["An open deal has no closing time; set status too."]},
    )
    assert imported == [("2", "An open deal has no closing time; set status too.")]
    assert not Deal.objects.exists()
    assert not DomainEvent.objects.exists()


def test_a_deal_cannot_close_before_it_was_created_through_the_api_and_the_import(
    rep, manager, api_as, stages
):
    api = api_as(rep).post(
        "/api/deals/",
        {
            "title": "Backdated",
            "stage": stages[0].pk,
            "status": "won",
            "created_at": "2025-02-01T00:00:00Z",
            "closed_at": "2025-01-01T00:00:00Z",
        },
        format="json",
    )
    imported = _import_deal(
        manager, ["Status", "Created at", "Closed at"], ["won", "2025-02-01", "2025-01-01"]
    )

    assert (api.status_code, api.data) == (
        400,
        {"closed_at": ["A deal cannot close before it was created."]},
    )
    assert imported == [("2", "A deal cannot close before it was created.")]
    assert not Deal.objects.exists()
    assert not Purchase.objects.exists()
    assert not DomainEvent.objects.exists()


def test_closing_fields_only_come_with_a_status_change_through_the_api_and_the_service(
    rep, api_as, stages
):
    deal = deal_create(actor=rep, title="D", value=Decimal("10.00"), stage=stages[0])
    client = api_as(rep)

    reason = client.patch(
        f"/api/deals/{deal.pk}/", {"value": "20.00", "lost_reason": "Price"}, format="json"
    )
    moment = client.patch(
        f"/api/deals/{deal.pk}/",
        {"value": "20.00", "closed_at": "2025-01-01T00:00:00Z"},
        format="json",
    )
    # The service the browser form and bulk edits call refuses the same data.
    with pytest.raises(ValidationError) as refused:
        deal_edit(deal=deal, actor=rep, data={"value": Decimal("20"), "lost_reason": "Price"})

    assert (reason.status_code, reason.data) == (
        400,
        {"lost_reason": ["A lost reason is given when marking the deal lost."]},
    )
    assert (moment.status_code, moment.data) == (
        400,
        {"closed_at": ["The closing time is set when the status changes."]},
    )
    assert refused.value.message_dict == {
        "lost_reason": ["A lost reason is given when marking the deal lost."]
    }
    deal.refresh_from_db()
    assert (deal.value, deal.lost_reason, deal.closed_at) == (Decimal("10.00"), "", None)
    assert not DomainEvent.objects.filter(kind="deal.value_changed").exists()


def test_a_deal_stays_in_its_pipeline_through_the_api_and_the_service(rep, api_as, stages):
    other_pipeline, _ = pipeline_with_stages(names=("Elsewhere",))
    deal = deal_create(actor=rep, title="D", value=Decimal("10.00"), stage=stages[0])

    api = api_as(rep).patch(
        f"/api/deals/{deal.pk}/", {"value": "20.00", "pipeline": other_pipeline.pk}, format="json"
    )
    with pytest.raises(ValidationError) as refused:
        deal_edit(deal=deal, actor=rep, data={"title": "New", "pipeline": other_pipeline})

    assert (api.status_code, api.data) == (
        400,
        {"pipeline": ["A deal stays in its pipeline; open a new deal instead."]},
    )
    assert refused.value.message_dict == {
        "pipeline": ["A deal stays in its pipeline; open a new deal instead."]
    }
    deal.refresh_from_db()
    assert (deal.title, deal.value, deal.pipeline_id) == (
        "D",
        Decimal("10.00"),
        stages[0].pipeline_id,
    )


# --- who may own a deal -----------------------------------------------------------------


def test_a_deals_owner_must_sell_through_the_api_and_the_import(
    manager, support_agent, api_as, stages
):
    deal = deal_create(actor=manager, title="Kept", value=Decimal("10.00"), stage=stages[0])
    message = "A deal's owner must be an active rep, manager or admin."

    api = api_as(manager).patch(
        f"/api/deals/{deal.pk}/", {"value": "20.00", "owner": support_agent.pk}, format="json"
    )
    imported = _import_deal(manager, ["Owner"], [support_agent.username])

    assert (api.status_code, api.data) == (400, {"owner": [message]})
    deal.refresh_from_db()
    assert (deal.value, deal.owner_id) == (Decimal("10.00"), manager.pk)
    assert imported == [("2", message)]
    assert list(Deal.objects.values_list("title", flat=True)) == ["Kept"]


# --- a combined edit that fails after its first write, through the browser and the API ---


def test_a_refused_stage_move_undoes_the_value_edit_in_the_browser_and_the_api(
    manager, client, api_as, stages
):
    # Created tomorrow (a migrated deal's clock skew): a move now would predate its stay.
    later = timezone.now() + timedelta(days=1)
    deal = deal_create(
        actor=manager, title="Future", value=Decimal("100.00"), stage=stages[0], created_at=later
    )
    events_before = DomainEvent.objects.count()
    message = "A move cannot happen before the deal entered its stage."
    client.force_login(manager)

    form = client.post(
        reverse("web:deal_edit", args=[deal.pk]),
        {
            "title": "Future",
            "value": "900.00",
            "currency": "USD",
            "stage": stages[1].pk,
            "kind": "new",
            "owner": manager.pk,
        },
        **HTMX,
    )
    api = api_as(manager).patch(
        f"/api/deals/{deal.pk}/", {"value": "900.00", "stage": stages[1].pk}, format="json"
    )

    assert form.status_code == 422
    assert message in form.content.decode()
    assert (api.status_code, api.data) == (400, {"stage": [message]})
    deal.refresh_from_db()
    assert (deal.value, deal.stage_id) == (Decimal("100.00"), stages[0].pk)
    assert deal.stage_changes.count() == 1
    assert DomainEvent.objects.count() == events_before  # no deal.value_changed


def test_the_browser_deal_form_shows_the_error_and_stores_nothing(manager, client, stages):
    deal = deal_create(actor=manager, title="Kept", value=Decimal("100.00"), stage=stages[0])
    events_before = DomainEvent.objects.count()
    client.force_login(manager)

    response = client.post(
        reverse("web:deal_edit", args=[deal.pk]),
        {
            "title": "Renamed",
            "value": "-5",
            "currency": "USD",
            "stage": stages[0].pk,
            "kind": "new",
        },
        **HTMX,
    )

    assert response.status_code == 422
    assert "Ensure this value is greater than or equal to 0." in response.content.decode()
    deal.refresh_from_db()
    assert (deal.title, deal.value) == ("Kept", Decimal("100.00"))
    assert DomainEvent.objects.count() == events_before


# --- activities --------------------------------------------------------------------------


def test_an_activity_assignee_must_be_active_through_the_api_and_the_browser(
    manager, client, api_as
):
    gone = User.objects.create_user(username="gone", is_active=False)
    activity = ActivityFactory(subject="Call Ada", kind="call", assignee=manager)
    before = Activity.objects.filter(pk=activity.pk).values().get()
    client.force_login(manager)

    api = api_as(manager).patch(
        f"/api/activities/{activity.pk}/",
        {"subject": "Changed", "done_at": "2025-01-01T00:00:00Z", "assignee": gone.pk},
        format="json",
    )
    form = client.post(
        reverse("web:activity_edit", args=[activity.pk]),
        {"kind": "call", "subject": "Changed", "assignee": gone.pk},
        **HTMX,
    )

    assert (api.status_code, api.data) == (400, {"assignee": ["Choose an active user."]})
    assert form.status_code == 422
    assert "Select a valid choice." in form.content.decode()
    assert Activity.objects.filter(pk=activity.pk).values().get() == before


def test_the_browser_activity_form_shows_the_error_and_stores_nothing(rep, client):
    activity = ActivityFactory(subject="Plan the demo", kind="task", assignee=rep)
    before = Activity.objects.filter(pk=activity.pk).values().get()
    client.force_login(rep)

    response = client.post(
        reverse("web:activity_edit", args=[activity.pk]),
        {"kind": "task", "subject": "Changed", "outcome": "connected"},
        **HTMX,
    )

    assert response.status_code == 422
    assert "Only a call has an outcome." in response.content.decode()
    assert Activity.objects.filter(pk=activity.pk).values().get() == before


def test_deal_edit_is_atomic_on_its_own_for_the_importer_and_automation(rep, stages):
    # No view transaction around it: the service's own undoes the value edit it wrote
    # before the close was refused.
    deal = deal_create(actor=rep, title="Probe", value=Decimal("100.00"), stage=stages[0])
    events_before = DomainEvent.objects.count()
    long_ago = timezone.now() - timedelta(days=3650)

    with pytest.raises(ValidationError) as refused:
        deal_edit(
            deal=deal,
            actor=rep,
            data={
                "value": Decimal("900.00"),
                "stage": stages[1],
                "status": "won",
                "closed_at": long_ago,
            },
        )

    assert refused.value.message_dict == {
        "closed_at": ["A deal cannot close before it was created."]
    }
    deal.refresh_from_db()
    assert (deal.value, deal.stage_id, deal.status) == (Decimal("100.00"), stages[0].pk, "open")
    assert deal.stage_changes.count() == 1
    assert DomainEvent.objects.count() == events_before


def test_deal_edit_reopens_and_moves_in_one_call(rep, stages):
    deal = deal_create(
        actor=rep,
        title="D",
        value=Decimal("10.00"),
        stage=stages[0],
        status="lost",
        lost_reason="Price",
    )

    deal = deal_edit(deal=deal, actor=rep, data={"status": "open", "stage": stages[2]})

    deal.refresh_from_db()
    assert (deal.status, deal.lost_reason, deal.closed_at, deal.stage_id) == (
        "open",
        "",
        None,
        stages[2].pk,
    )
    assert list(deal.stage_changes.order_by("entered_at", "id").values_list("stage", "left_at"))[
        -1
    ] == (
        stages[2].pk,
        None,
    )


# --- how a lead becomes converted -------------------------------------------------------


def test_a_lead_is_converted_only_by_conversion_through_the_api_and_the_service(rep, api_as):
    refusal = {"status": ["Convert a lead with the convert action, which creates its deal."]}
    contact = ContactFactory(owner=rep)
    lead = LeadFactory(owner=rep, contact=contact, score=10)
    events_before = DomainEvent.objects.count()

    created = api_as(rep).post(
        "/api/leads/", {"contact": contact.pk, "status": "converted"}, format="json"
    )
    patched = api_as(rep).patch(
        f"/api/leads/{lead.pk}/", {"score": 90, "status": "converted"}, format="json"
    )
    # The door automation and the importer use: without its conversion date, refused too.
    with pytest.raises(ValidationError) as by_service:
        lead_create(actor=rep, contact=contact, status="converted")

    assert (created.status_code, created.data) == (400, refusal)
    assert (patched.status_code, patched.data) == (400, refusal)
    assert by_service.value.message_dict == refusal
    lead.refresh_from_db()
    assert (lead.status, lead.score, Lead.objects.count()) == ("new", 10, 1)
    assert DomainEvent.objects.count() == events_before
