"""Bulk actions on list rows: reassign, move stage, add/remove tag, mark done, delete.

Each row goes through the same service a single edit uses (so events, stage history and
checks fire as they would one by one), inside one transaction per call. Rows the actor may
not see or edit are skipped and counted (`skipped_forbidden`); rows a service refuses
(a closed deal cannot move, a won deal cannot be deleted) are skipped too
(`skipped_invalid`). Reassign, stage and tag actions record each changed row's previous
value so `bulk_undo` can put exactly that back.

Selections up to SYNC_LIMIT rows run at once; larger ones are queued for Celery, which
calls `bulk_run_batch` until done (each batch commits with its progress and previous
values, like the importer's batches).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import policies
from crm.models import (
    UNDOABLE_KINDS,
    Activity,
    BulkAction,
    BulkKind,
    BulkStatus,
    Contact,
    Deal,
    Lead,
    Role,
    Stage,
    Tag,
    Ticket,
    User,
)
from crm.services.activities import activity_complete, activity_delete, activity_update
from crm.services.after_commit import enqueue_on_commit
from crm.services.common import owner_change_check
from crm.services.contacts import contact_delete, contact_set_tags, contact_update
from crm.services.deals import deal_delete, deal_move_to_stage, deal_update
from crm.services.leads import lead_delete, lead_update
from crm.services.support import TICKET_ASSIGNEE_ROLES, ticket_assign, ticket_update

SYNC_LIMIT = 500
BATCH_SIZE = 200
MAX_SELECTION = 20_000


@dataclass(frozen=True)
class BulkResource:
    model: type[Deal | Lead | Contact | Activity | Ticket]
    owner_field: str
    kinds: frozenset[str]
    owner_roles: tuple[str, ...] = ()


RESOURCES = {
    "deals": BulkResource(
        Deal,
        "owner",
        frozenset({BulkKind.REASSIGN, BulkKind.MOVE_STAGE, BulkKind.DELETE}),
        (Role.REP, Role.MANAGER, Role.ADMIN),
    ),
    "leads": BulkResource(Lead, "owner", frozenset({BulkKind.REASSIGN, BulkKind.DELETE})),
    "contacts": BulkResource(
        Contact,
        "owner",
        frozenset({BulkKind.REASSIGN, BulkKind.TAG_ADD, BulkKind.TAG_REMOVE, BulkKind.DELETE}),
    ),
    "activities": BulkResource(
        Activity,
        "assignee",
        frozenset({BulkKind.REASSIGN, BulkKind.MARK_DONE, BulkKind.DELETE}),
    ),
    # Tickets have no delete anywhere: their history is the support record.
    "tickets": BulkResource(
        Ticket, "assignee", frozenset({BulkKind.REASSIGN}), TICKET_ASSIGNEE_ROLES
    ),
}


def bulk_params_check(
    *, actor: User, resource: str, kind: str, params: dict[str, Any]
) -> dict[str, Any]:
    """Validate an action before anything is written; returns params as stored (ids, names).

    Raises PermissionDenied when the actor may not write `resource` at all, and
    ValidationError with field errors ("kind", "owner", "stage", "tag") for bad input.
    """
    if resource not in RESOURCES:
        raise ValidationError({"resource": _("Bulk actions are not available here.")})
    if not policies.can_write(actor, resource):
        raise PermissionDenied
    spec = RESOURCES[resource]
    if kind not in spec.kinds:
        raise ValidationError({"kind": _("This action is not available for these records.")})
    params = params or {}
    if kind == BulkKind.REASSIGN:
        owner = _user(params.get("owner"), spec.owner_roles)
        if resource != "tickets":  # support agents hand tickets to each other
            owner_change_check(actor=actor, owner=owner, field="owner")
        return {"owner": owner.pk}
    if kind == BulkKind.MOVE_STAGE:
        # pk=None matches no row, and the stage is then refused below.
        stage = Stage.objects.filter(pk=_int(params.get("stage"))).first()  # type: ignore[misc]
        if stage is None:
            raise ValidationError({"stage": _("Choose a stage.")})
        return {"stage": stage.pk}
    if kind in (BulkKind.TAG_ADD, BulkKind.TAG_REMOVE):
        name = str(params.get("tag") or "").replace("\x00", "").strip()
        # A CharField always has a max_length (the stubs type it optional).
        if not name or len(name) > cast(int, Tag._meta.get_field("name").max_length):
            raise ValidationError({"tag": _("Enter a tag of at most 60 characters.")})
        return {"tag": name}
    return {}


def _int(raw: object) -> int | None:
    try:
        value = int(str(raw))
    except (TypeError, ValueError):
        return None
    return value if 0 < value < 2**31 else None


def _user(raw: object, roles: tuple[str, ...]) -> User:
    user: User | None = User.objects.filter(pk=_int(raw), is_active=True).first()
    if user is None or (roles and not user.has_role(*roles)):
        raise ValidationError({"owner": _("Choose an active user who can take these records.")})
    return user


@transaction.atomic
def bulk_start(
    *,
    actor: User,
    resource: str,
    kind: str,
    ids: QuerySet[Model] | Iterable[int | str],
    params: dict[str, Any] | None = None,
) -> BulkAction:
    """Record a bulk action on the rows `ids` (or a queryset of them) and run or queue it.

    Returns the BulkAction: finished (status done) for up to SYNC_LIMIT rows, else queued
    for `bulk_action_run_task` once this transaction commits. Raises what
    `bulk_params_check` raises, and ValidationError {"ids": …} for an empty or oversized
    selection.
    """
    params = bulk_params_check(actor=actor, resource=resource, kind=kind, params=params or {})
    if isinstance(ids, QuerySet):
        ids = cast(Iterable[int], ids.order_by().values_list("pk", flat=True))
    selection = sorted({int(i) for i in ids})
    if not selection:
        raise ValidationError({"ids": _("Select at least one record.")})
    if len(selection) > MAX_SELECTION:
        raise ValidationError(
            {"ids": _("Select at most %(limit)s records at once.") % {"limit": MAX_SELECTION}}
        )
    bulk = BulkAction.objects.create(
        actor=actor, resource=resource, kind=kind, params=params, ids=selection
    )
    if len(selection) <= SYNC_LIMIT:
        bulk.status = BulkStatus.RUNNING
        _run(bulk, selection)
        bulk.status = BulkStatus.DONE
        bulk.save()
        return bulk
    from crm.tasks import bulk_action_run_task

    enqueue_on_commit(bulk_action_run_task, bulk.pk)
    return bulk


def bulk_run_batch(*, bulk_id: int, size: int | None = None) -> bool:
    """Handle the next `size` (BATCH_SIZE) rows of a queued action in one transaction;
    True when done.

    Idempotent: the batch starts at the committed `processed` count, so a retried task
    never applies a row twice.
    """
    with transaction.atomic():
        bulk = BulkAction.objects.select_for_update().get(pk=bulk_id)
        if bulk.status not in (BulkStatus.QUEUED, BulkStatus.RUNNING):
            return True
        bulk.status = BulkStatus.RUNNING
        size = size or BATCH_SIZE
        _run(bulk, bulk.ids[bulk.processed : bulk.processed + size])
        if bulk.processed >= len(bulk.ids):
            bulk.status = BulkStatus.DONE
        bulk.save()
        return bulk.status == BulkStatus.DONE


def _run(bulk: BulkAction, ids: list[int]) -> None:
    """Apply the action to `ids`, counting into `bulk` (saved by the caller)."""
    spec = RESOURCES[bulk.resource]
    actor = bulk.actor
    visible = policies.scope(actor, bulk.resource, spec.model.objects.filter(pk__in=ids))
    rows = {row.pk: row for row in visible.order_by("pk")}
    apply = _ACTIONS[bulk.kind]
    context = _context(bulk)
    for pk in ids:
        row = rows.get(pk)
        if row is None or not policies.can_edit_row(actor, bulk.resource, row):
            bulk.skipped_forbidden += 1
            continue
        try:
            # A savepoint per row: a refusal leaves the other rows' work intact.
            with transaction.atomic():
                previous = apply(row, actor=actor, spec=spec, **context)
        except ValidationError:
            bulk.skipped_invalid += 1
            continue
        except PermissionDenied:
            # Allowed on the row, refused for what hangs on it (other people's records).
            bulk.skipped_forbidden += 1
            continue
        if previous is _UNCHANGED:
            continue
        bulk.changed += 1
        if bulk.kind in UNDOABLE_KINDS:
            bulk.previous[str(pk)] = previous
    bulk.processed += len(ids)


def _context(bulk: BulkAction) -> dict[str, User | Stage | Tag]:
    params = bulk.params
    if bulk.kind == BulkKind.REASSIGN:
        return {"owner": User.objects.get(pk=params["owner"])}
    if bulk.kind == BulkKind.MOVE_STAGE:
        return {"stage": Stage.objects.get(pk=params["stage"])}
    if bulk.kind in (BulkKind.TAG_ADD, BulkKind.TAG_REMOVE):
        return {"tag": Tag.objects.get_or_create(name=params["tag"])[0]}
    return {}


_UNCHANGED = object()


def _set_owner(
    row: Deal | Lead | Contact | Activity | Ticket,
    *,
    actor: User,
    spec: BulkResource,
    owner: User | None,
) -> None:
    """Give `row` to `owner` (None: nobody) through its resource's update service."""
    field = spec.owner_field
    if isinstance(row, Deal):
        deal_update(deal=row, actor=actor, data={field: owner})
    elif isinstance(row, Lead):
        lead_update(lead=row, actor=actor, data={field: owner})
    elif isinstance(row, Contact):
        contact_update(contact=row, actor=actor, data={field: owner})
    elif isinstance(row, Activity):
        activity_update(activity=row, actor=actor, data={field: owner})
    elif owner is not None:
        ticket_assign(ticket=row, actor=actor, assignee=owner)
    else:
        ticket_update(ticket=row, actor=actor, data={field: None})


def _reassign(
    row: Deal | Lead | Contact | Activity | Ticket,
    *,
    actor: User,
    spec: BulkResource,
    owner: User,
) -> object:
    previous = getattr(row, f"{spec.owner_field}_id")
    if previous == owner.pk:
        return _UNCHANGED
    _set_owner(row, actor=actor, spec=spec, owner=owner)
    return previous


def _move_stage(row: Deal, *, actor: User, spec: BulkResource, stage: Stage) -> object:
    previous = row.stage_id
    if previous == stage.pk:
        return _UNCHANGED
    deal_move_to_stage(deal=row, stage=stage, actor=actor)
    return previous


def _tag(row: Contact, *, actor: User, spec: BulkResource, tag: Tag, add: bool) -> object:
    current = list(row.tags.all())
    had = tag in current
    if had == add:
        return _UNCHANGED
    tags = [*current, tag] if add else [t for t in current if t != tag]
    contact_set_tags(contact=row, actor=actor, tags=tags)
    return had


def _mark_done(row: Activity, *, actor: User, spec: BulkResource) -> object:
    if row.done_at is not None:
        return _UNCHANGED
    activity_complete(activity=row, actor=actor)
    return None


def _delete(row: Deal | Lead | Contact | Activity, *, actor: User, spec: BulkResource) -> None:
    if isinstance(row, Deal):
        deal_delete(deal=row, actor=actor)
    elif isinstance(row, Lead):
        lead_delete(lead=row, actor=actor)
    elif isinstance(row, Contact):
        contact_delete(contact=row, actor=actor)
    else:
        activity_delete(activity=row, actor=actor)
    return None


# Each takes the row, actor, spec and its kind's context (_context); returns the previous
# value to keep for undo, or _UNCHANGED.
_ACTIONS: dict[str, Callable[..., object]] = {
    BulkKind.REASSIGN: _reassign,
    BulkKind.MOVE_STAGE: _move_stage,
    BulkKind.TAG_ADD: lambda row, **kw: _tag(row, add=True, **kw),
    BulkKind.TAG_REMOVE: lambda row, **kw: _tag(row, add=False, **kw),
    BulkKind.MARK_DONE: _mark_done,
    BulkKind.DELETE: _delete,
}


@transaction.atomic
def bulk_undo(*, bulk: BulkAction, actor: User) -> BulkAction:
    """Put back each changed row's previous value (owner, stage or tag); once, all or nothing.

    Only the actor who ran it (or an admin) may undo, only a finished undoable action.
    Rows deleted since are passed over; a deal closed since cannot move back and makes
    the undo a ValidationError (nothing is undone).
    """
    bulk = BulkAction.objects.select_for_update().get(pk=bulk.pk)
    if not policies.can_edit_row(actor, "bulk_actions", bulk):
        raise PermissionDenied
    if not bulk.can_undo:
        raise ValidationError(_("This action cannot be undone (any more)."))
    spec = RESOURCES[bulk.resource]
    rows = spec.model.objects.in_bulk([int(pk) for pk in bulk.previous])
    users = User.objects.in_bulk([v for v in bulk.previous.values() if isinstance(v, int)])
    stages = Stage.objects.in_bulk([v for v in bulk.previous.values() if isinstance(v, int)])
    tag = Tag.objects.filter(name=bulk.params.get("tag")).first()
    for pk, previous in bulk.previous.items():
        row = rows.get(int(pk))
        if row is None:
            continue
        if bulk.kind == BulkKind.REASSIGN:
            _set_owner(row, actor=actor, spec=spec, owner=users.get(previous))
        elif bulk.kind == BulkKind.MOVE_STAGE:
            if previous in stages:
                # Only deals have the move-stage action (RESOURCES).
                deal_move_to_stage(deal=cast(Deal, row), stage=stages[previous], actor=actor)
        elif tag is not None:
            contact = cast(Contact, row)  # only contacts have the tag actions
            current = [t for t in contact.tags.all() if t != tag]
            contact_set_tags(
                contact=contact, actor=actor, tags=[*current, tag] if previous else current
            )
    bulk.status = BulkStatus.UNDONE
    bulk.undone_at = timezone.now()
    bulk.save(update_fields=["status", "undone_at", "updated_at"])
    return bulk
