"""Bulk actions: one call per action, per-row permission, exact undo, queued large runs."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crm.models import Activity, BulkKind, BulkStatus, Contact, Deal, StageChange, Tag
from crm.services.bulk import bulk_run_batch, bulk_start, bulk_undo
from crm.services.deals import deal_create, deal_mark_won
from crm.tests.factories import ActivityFactory, ContactFactory, pipeline_with_stages

pytestmark = pytest.mark.django_db


@pytest.fixture
def stages():
    return pipeline_with_stages(is_default=True)[1]


def _deals(owner, stages, count, stage_index=0):
    return [
        deal_create(actor=owner, title=f"{owner.username} {i}", stage=stages[stage_index])
        for i in range(count)
    ]


def test_manager_reassigns_and_undo_restores_each_previous_owner(manager, rep, other_rep, stages):
    mine = _deals(rep, stages, 3)
    theirs = _deals(other_rep, stages, 2)
    ids = [d.pk for d in mine + theirs]

    bulk = bulk_start(
        actor=manager, resource="deals", kind=BulkKind.REASSIGN, ids=ids, params={"owner": rep.pk}
    )

    assert bulk.status == BulkStatus.DONE
    assert (bulk.changed, bulk.skipped_forbidden, bulk.skipped_invalid) == (2, 0, 0)
    assert set(Deal.objects.filter(pk__in=ids).values_list("owner", flat=True)) == {rep.pk}

    bulk_undo(bulk=bulk, actor=manager)

    owners = dict(Deal.objects.filter(pk__in=ids).values_list("pk", "owner"))
    assert owners == {d.pk: d.owner_id for d in mine + theirs}
    bulk.refresh_from_db()
    assert bulk.status == BulkStatus.UNDONE
    with pytest.raises(ValidationError):
        bulk_undo(bulk=bulk, actor=manager)


def test_rep_gets_deals_they_do_not_own_skipped(rep, other_rep, stages):
    mine = _deals(rep, stages, 2)
    theirs = _deals(other_rep, stages, 3)
    bulk = bulk_start(
        actor=rep,
        resource="deals",
        kind=BulkKind.MOVE_STAGE,
        ids=[d.pk for d in mine + theirs],
        params={"stage": stages[1].pk},
    )
    assert (bulk.changed, bulk.skipped_forbidden) == (2, 3)
    assert Deal.objects.filter(stage=stages[1]).count() == 2
    with pytest.raises(ValidationError) as refused:
        bulk_start(
            actor=rep,
            resource="deals",
            kind=BulkKind.REASSIGN,
            ids=[d.pk for d in mine],
            params={"owner": other_rep.pk},
        )
    assert "owner" in refused.value.message_dict


def test_stage_move_goes_through_history_and_closed_deals_are_refused(manager, rep, stages):
    open_deals = _deals(rep, stages, 2)
    won = _deals(rep, stages, 1)[0]
    deal_mark_won(deal=won, actor=rep)
    ids = [d.pk for d in [*open_deals, won]]

    bulk = bulk_start(
        actor=manager,
        resource="deals",
        kind=BulkKind.MOVE_STAGE,
        ids=ids,
        params={"stage": stages[2].pk},
    )

    assert (bulk.changed, bulk.skipped_invalid) == (2, 1)
    for deal in open_deals:
        history = list(StageChange.objects.filter(deal=deal).order_by("entered_at", "id"))
        assert [h.stage_id for h in history] == [stages[0].pk, stages[2].pk]
    bulk_undo(bulk=bulk, actor=manager)
    for deal in open_deals:
        deal.refresh_from_db()
        assert deal.stage_id == stages[0].pk
        assert StageChange.objects.filter(deal=deal).count() == 3


def test_tags_add_remove_and_undo(manager):
    vip = Tag.objects.create(name="vip")
    tagged = ContactFactory()
    tagged.tags.add(vip)
    plain = ContactFactory()
    bulk = bulk_start(
        actor=manager,
        resource="contacts",
        kind=BulkKind.TAG_REMOVE,
        ids=[tagged.pk, plain.pk],
        params={"tag": "vip"},
    )
    assert bulk.changed == 1 and not tagged.tags.exists()
    bulk_undo(bulk=bulk, actor=manager)
    assert list(tagged.tags.all()) == [vip] and not plain.tags.exists()

    added = bulk_start(
        actor=manager,
        resource="contacts",
        kind=BulkKind.TAG_ADD,
        ids=[tagged.pk, plain.pk],
        params={"tag": "Ümit"},
    )
    assert added.changed == 2
    assert Contact.objects.filter(tags__name="Ümit").count() == 2


def test_mark_done_and_delete(rep, other_rep):
    mine = [ActivityFactory(assignee=rep) for _ in range(2)]
    theirs = ActivityFactory(assignee=other_rep)
    done = bulk_start(
        actor=rep,
        resource="activities",
        kind=BulkKind.MARK_DONE,
        ids=[a.pk for a in [*mine, theirs]],
    )
    assert (done.changed, done.skipped_forbidden, done.can_undo) == (2, 1, False)
    assert Activity.objects.filter(done_at__isnull=False).count() == 2
    bulk_start(actor=rep, resource="activities", kind=BulkKind.DELETE, ids=[mine[0].pk])
    assert not Activity.objects.filter(pk=mine[0].pk).exists()


def test_bad_input_and_roles(rep, marketer, support_agent, stages):
    deal = _deals(rep, stages, 1)[0]
    with pytest.raises(PermissionDenied):
        bulk_start(actor=marketer, resource="deals", kind=BulkKind.DELETE, ids=[deal.pk])
    with pytest.raises(ValidationError) as error:
        bulk_start(actor=rep, resource="deals", kind=BulkKind.MARK_DONE, ids=[deal.pk])
    assert "kind" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        bulk_start(actor=rep, resource="deals", kind=BulkKind.DELETE, ids=[])
    assert "ids" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        bulk_start(
            actor=rep,
            resource="deals",
            kind=BulkKind.MOVE_STAGE,
            ids=[deal.pk],
            params={"stage": "x"},
        )
    assert "stage" in error.value.message_dict


def test_large_selection_is_queued_and_runs_in_batches(
    manager, rep, stages, monkeypatch, django_capture_on_commit_callbacks
):
    import crm.services.bulk as bulk_module

    monkeypatch.setattr(bulk_module, "SYNC_LIMIT", 3)
    deals = _deals(rep, stages, 5)
    queued = []
    monkeypatch.setattr("crm.tasks.bulk_action_run_task.delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        bulk = bulk_start(
            actor=manager,
            resource="deals",
            kind=BulkKind.REASSIGN,
            ids=[d.pk for d in deals],
            params={"owner": manager.pk},
        )
    assert bulk.status == BulkStatus.QUEUED and queued == [bulk.pk]
    assert bulk_run_batch(bulk_id=bulk.pk, size=2) is False
    bulk.refresh_from_db()
    assert (bulk.processed, bulk.percent) == (2, 40)
    while not bulk_run_batch(bulk_id=bulk.pk, size=2):
        pass
    bulk.refresh_from_db()
    assert (bulk.status, bulk.changed) == (BulkStatus.DONE, 5)
    assert Deal.objects.filter(owner=manager).count() == 5
