"""The security audit log: written by the services, read by admins only."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from crm.importing.merges import record_merge
from crm.models import AuditEvent, AuditKind, Deal, Role
from crm.services.deals import deal_create
from crm.tests.factories import ContactFactory, UserFactory
from crm.tests.test_api_world import world  # noqa: F401

pytestmark = pytest.mark.django_db


def _kinds():
    return list(AuditEvent.objects.order_by("id").values_list("kind", flat=True))


def test_a_role_change_is_audited_with_before_and_after(admin_user, api_as, rep):
    response = api_as(admin_user).patch(f"/api/users/{rep.pk}/", {"role": "manager"}, format="json")

    assert response.status_code == 200
    event = AuditEvent.objects.get(kind=AuditKind.ROLE_CHANGED)
    assert event.actor == admin_user
    assert (event.target_type, event.target_id) == ("crm.user", str(rep.pk))
    assert event.details == {"role": {"from": "rep", "to": "manager"}}
    assert event.summary == "rep1: role rep → manager"


def test_a_name_change_is_not_a_role_change(admin_user, api_as, rep):
    api_as(admin_user).patch(f"/api/users/{rep.pk}/", {"first_name": "Ray"}, format="json")

    assert AuditEvent.objects.filter(kind=AuditKind.ROLE_CHANGED).count() == 0


def test_an_export_is_audited_with_resource_rows_and_filters(manager):
    ContactFactory.create_batch(3)
    client = Client(REMOTE_ADDR="198.51.100.20")
    client.force_login(manager)

    response = client.get("/export/contacts.csv", {"lifecycle": "lead"})

    assert response.status_code == 200
    event = AuditEvent.objects.get(kind=AuditKind.EXPORTED)
    assert event.actor == manager
    assert event.address == "198.51.100.20"
    assert event.details["resource"] == "contacts"
    assert event.details["filters"] == {"lifecycle": ["lead"]}


def test_a_merge_is_audited(manager):
    winner, loser = ContactFactory(first_name="Ada"), ContactFactory(first_name="Ada2")

    log = record_merge(kind="contact", actor=manager, winner=winner, loser=loser)

    event = AuditEvent.objects.get(kind=AuditKind.MERGED)
    assert event.actor == manager
    assert event.details == {
        "kind": "contact",
        "winner": winner.pk,
        "loser": loser.pk,
        "merge_log": log.pk,
    }


def test_a_delete_is_audited_with_its_record(rep, api_as, world):  # noqa: F811
    deal = deal_create(actor=rep, title="Gone soon", stage=world.stages[0])

    response = api_as(rep).delete(f"/api/deals/{deal.pk}/")

    assert response.status_code == 204
    event = AuditEvent.objects.get(kind=AuditKind.DELETED)
    assert (event.actor, event.target_type, event.target_id) == (rep, "crm.deal", str(deal.pk))
    assert "Gone soon" in event.summary
    assert not Deal.objects.filter(pk=deal.pk).exists()


def test_a_refused_delete_leaves_no_audit_row(rep, other_rep, api_as, world):  # noqa: F811
    deal = deal_create(actor=other_rep, title="Not yours", stage=world.stages[0])

    response = api_as(rep).delete(f"/api/deals/{deal.pk}/")

    assert response.status_code == 404
    assert AuditEvent.objects.filter(kind=AuditKind.DELETED).count() == 0


def test_a_settings_change_is_audited(admin_user, api_as):
    response = api_as(admin_user).post("/api/lost-reasons/", {"name": "Budget"}, format="json")

    assert response.status_code == 201
    event = AuditEvent.objects.get(kind=AuditKind.SETTINGS_CHANGED)
    assert (event.actor, event.summary) == (admin_user, "lost_reason_create")


def test_the_log_is_append_only(admin_user):
    event = AuditEvent.objects.create(kind=AuditKind.EXPORTED, actor=admin_user)
    event.summary = "rewritten"

    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.update(summary="x")


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.ADMIN, 200),
        (Role.MANAGER, 403),
        (Role.REP, 403),
        (Role.MARKETING, 403),
        (Role.SUPPORT, 403),
    ],
)
def test_only_admins_read_the_log_in_the_api_and_the_browser(role, status, api_as):
    user = UserFactory(role=role)
    browser = Client()
    browser.force_login(user)

    assert api_as(user).get("/api/audit-events/").status_code == status
    assert browser.get("/settings/audit/").status_code == status


def test_the_api_cannot_write_the_log(admin_user, api_as):
    response = api_as(admin_user).post("/api/audit-events/", {"kind": "exported"}, format="json")

    assert response.status_code == 403  # no role has write access to "audit"
    assert AuditEvent.objects.count() == 0


def _event(kind, actor, when):
    with time_machine.travel(when, tick=False):
        return AuditEvent.objects.create(kind=kind, actor=actor, username=actor.username)


def test_the_api_filters_by_kind_user_and_date_range(admin_user, api_as, rep, manager):
    _event(AuditKind.SIGNIN_FAILED, rep, datetime(2026, 3, 1, 9, tzinfo=UTC))
    kept = _event(AuditKind.SIGNIN_FAILED, rep, datetime(2026, 3, 5, 9, tzinfo=UTC))
    _event(AuditKind.SIGNIN_FAILED, manager, datetime(2026, 3, 5, 9, tzinfo=UTC))
    _event(AuditKind.EXPORTED, rep, datetime(2026, 3, 5, 9, tzinfo=UTC))
    _event(AuditKind.SIGNIN_FAILED, rep, datetime(2026, 3, 9, 9, tzinfo=UTC))

    response = api_as(admin_user).get(
        "/api/audit-events/",
        {"kind": "signin_failed", "actor": rep.pk, "since": "2026-03-02", "until": "2026-03-08"},
    )

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [kept.pk]


def test_a_bad_filter_is_a_400_naming_it(admin_user, api_as):
    response = api_as(admin_user).get("/api/audit-events/", {"since": "yesterday"})

    assert response.status_code == 400
    assert "since" in response.json()


def test_the_settings_page_filters_and_paginates(admin_user, rep):
    for day in range(1, 61):
        _event(AuditKind.EXPORTED, rep, datetime(2026, 1, 1, tzinfo=UTC).replace(day=1 + day % 28))
    _event(AuditKind.ROLE_CHANGED, admin_user, datetime(2026, 1, 3, tzinfo=UTC))
    browser = Client()
    browser.force_login(admin_user)

    first = browser.get("/settings/audit/", {"kind": "exported"})
    second = browser.get("/settings/audit/", {"kind": "exported", "page": 2})
    roles = browser.get("/settings/audit/", {"kind": "role_changed"})
    bad = browser.get("/settings/audit/", {"until": "not-a-date"})
    bare = browser.get("/settings/audit/")  # as the Settings page links it

    assert bare.status_code == 200
    assert bare.text.count('data-kind="') == 50 and "1–50 of 61" in bare.text
    assert first.status_code == 200
    assert first.text.count('data-kind="exported"') == 50
    assert second.text.count('data-kind="exported"') == 10
    assert "1–50 of 60" in first.text
    assert roles.text.count('data-kind="role_changed"') == 1
    assert 'data-kind="exported"' not in roles.text
    assert bad.status_code == 400
    assert "Enter a valid date." in bad.text
