from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import (
    Contact,
    Deal,
    DealStatus,
    DomainEventKind,
    Lifecycle,
    Pipeline,
    Purchase,
    Role,
    Stage,
    StageChange,
    User,
)
from crm.services.audit import audit_deleted

from .common import apply_fields, model_save, owner_change_check, owner_for_new_record
from .events import event_emit

DEAL_EDITABLE_FIELDS = {
    "title",
    "value",
    "currency",
    "owner",
    "contact",
    "company",
    "kind",
    "expected_close_date",
    "forecast_category",
}


def default_pipeline() -> Pipeline:
    pipeline = Pipeline.objects.filter(is_default=True).first() or Pipeline.objects.first()
    if pipeline is None:
        raise ValidationError({"pipeline": _("Create a pipeline first.")})
    return pipeline


# Who may own a deal: the people who sell (the browser's owner picker offers the same).
DEAL_OWNER_ROLES = (Role.REP, Role.MANAGER, Role.ADMIN)


def deal_owner_check(*, owner: User | None) -> None:
    """A deal's owner is an active user who sells (rep, manager or admin).

    Raises ValidationError on `owner` otherwise: a deactivated user's deals would sit on
    nobody's board, and support or marketing do not work a pipeline. `None` (no owner)
    passes; the create service fills in the creator.
    """
    if owner is None:
        return
    if not owner.is_active or not (owner.is_superuser or owner.role in DEAL_OWNER_ROLES):
        raise ValidationError(
            {"owner": _("A deal's owner must be an active rep, manager or admin.")}
        )


def _stage_for(*, pipeline: Pipeline, stage: Stage | None) -> Stage:
    if stage is None:
        stage = pipeline.stages.order_by("position", "id").first()
        if stage is None:
            raise ValidationError({"stage": _("The pipeline has no stages.")})
    elif stage.pipeline_id != pipeline.pk:
        raise ValidationError({"stage": _("The stage belongs to another pipeline.")})
    return stage


def deal_create_check(
    *,
    status: str,
    lost_reason: str,
    created_at: datetime | None,
    closed_at: datetime | None,
) -> None:
    """What a new deal's status asks of its other fields, checked before anything is
    written (the importer's preview calls it too, so a row is refused in the same words).

    `status` is a DealStatus value; `created_at` / `closed_at` aware datetimes or None.
    Raises ValidationError keyed `lost_reason` (a lost deal says why) and `closed_at` (an
    open deal has none; a closed one cannot close before it was created).
    """
    errors: dict[str, list[str]] = {}
    if status == DealStatus.LOST and not (lost_reason or "").strip():
        errors["lost_reason"] = [_("Say why the deal was lost.")]
    closed_errors = []
    if status == DealStatus.OPEN and closed_at is not None:
        closed_errors.append(_("An open deal has no closing time; set status too."))
    if closed_at is not None and created_at is not None and closed_at < created_at:
        closed_errors.append(_("A deal cannot close before it was created."))
    if closed_errors:
        errors["closed_at"] = closed_errors
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def deal_create(
    *,
    actor: User | None,
    title: str,
    value: Decimal = Decimal("0"),
    pipeline: Pipeline | None = None,
    stage: Stage | None = None,
    owner: User | None = None,
    status: str = DealStatus.OPEN,
    created_at: datetime | None = None,
    closed_at: datetime | None = None,
    lost_reason: str = "",
    automate: bool = True,
    **fields: Any,
) -> Deal:
    """Open a deal in a stage (the pipeline's first by default) and start its stage history.

    A historical `status`/`closed_at` (spreadsheet migration) closes it right away through
    the same won/lost services, so its purchase and events are recorded as usual.
    """
    pipeline = pipeline or (stage.pipeline if stage else default_pipeline())
    stage = _stage_for(pipeline=pipeline, stage=stage)
    deal_create_check(
        status=status, lost_reason=lost_reason, created_at=created_at, closed_at=closed_at
    )
    deal_owner_check(owner=owner)
    created_at = created_at or timezone.now()
    fields.setdefault("currency", settings.GOALPOST_DEFAULT_CURRENCY)
    deal = Deal(
        title=title,
        value=value,
        pipeline=pipeline,
        stage=stage,
        owner=owner_for_new_record(actor=actor, owner=owner),
        created_at=created_at,
        stage_entered_at=created_at,
        **fields,
    )
    model_save(deal)
    StageChange.objects.create(deal=deal, stage=stage, entered_at=created_at, actor=actor)
    event_emit(
        kind=DomainEventKind.DEAL_CREATED,
        subject=deal,
        actor=actor,
        payload={"value": str(deal.value)},
        automate=automate,
        occurred_at=created_at,
    )
    # The close services re-read the deal under a lock; return their (closed) copy.
    if status == DealStatus.WON:
        deal = deal_mark_won(deal=deal, actor=actor, at=closed_at, automate=automate)
    elif status == DealStatus.LOST:
        deal = deal_mark_lost(
            deal=deal, actor=actor, reason=lost_reason, at=closed_at, automate=automate
        )
    return deal


def _lock(deal: Deal) -> Deal:
    """Re-read the deal under a row lock so concurrent moves queue instead of racing."""
    return Deal.objects.select_for_update().get(pk=deal.pk)


@transaction.atomic
def deal_update(*, deal: Deal, actor: User | None, data: dict[str, Any]) -> Deal:
    """Edit a deal's fields; stage and status changes go through their own services."""
    data = dict(data)
    stage = data.pop("stage", None)
    locked = _lock(deal)
    old_value = locked.value
    if "owner" in data and data["owner"] != locked.owner:
        owner_change_check(actor=actor, owner=data["owner"])
        deal_owner_check(owner=data["owner"])
    changed = apply_fields(locked, data, DEAL_EDITABLE_FIELDS)
    if changed:
        model_save(locked)
    if locked.status == DealStatus.WON and changed & {"value", "currency"}:
        _purchase_follow_deal(locked)
    if "value" in changed:
        event_emit(
            kind=DomainEventKind.DEAL_VALUE_CHANGED,
            subject=locked,
            actor=actor,
            payload={"old_value": str(old_value), "value": str(locked.value)},
        )
    if stage is not None and stage.pk != locked.stage_id:
        locked = deal_move_to_stage(deal=locked, stage=stage, actor=actor)
    return locked


# What a deal edit may carry besides its plain fields: where it sits and how it ended.
DEAL_EDIT_FIELDS = DEAL_EDITABLE_FIELDS | {
    "stage",
    "pipeline",
    "status",
    "lost_reason",
    "closed_at",
}


def deal_edit_check(*, deal: Deal, data: dict[str, Any]) -> None:
    """The rules of one edit that depend on the deal as it stands, checked before any write.

    `data` is as for `deal_edit`. Raises one ValidationError naming every field at fault
    (`pipeline`, `lost_reason`, `closed_at`); the stage, owner and closing-time rules that
    need the row are checked again by the services that write.
    """
    errors: dict[str, str] = {}
    status = data.get("status") or deal.status
    if status != deal.status and DealStatus.OPEN not in (status, deal.status):
        # Won to lost (or back) is two decisions: reopen, then close again.
        errors["status"] = _("This deal is already closed.")
    pipeline = data.get("pipeline")
    if pipeline is not None and pipeline.pk != deal.pipeline_id:
        errors["pipeline"] = _("A deal stays in its pipeline; open a new deal instead.")
    lost_reason = data.get("lost_reason")
    if status == DealStatus.LOST and deal.status != DealStatus.LOST:
        if not (lost_reason or "").strip():
            errors["lost_reason"] = _("Say why the deal was lost.")
    elif lost_reason is not None and lost_reason != deal.lost_reason:
        errors["lost_reason"] = _("A lost reason is given when marking the deal lost.")
    closed_at = data.get("closed_at")
    if closed_at is not None and status == deal.status and closed_at != deal.closed_at:
        errors["closed_at"] = _("The closing time is set when the status changes.")
    elif closed_at is not None and status == DealStatus.OPEN and deal.status != DealStatus.OPEN:
        errors["closed_at"] = _("An open deal has no closing time; set status too.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def deal_edit(*, deal: Deal, actor: User | None, data: dict[str, Any]) -> Deal:
    """One edit of a deal, from a form, the API or a bulk action: fields, stage and status
    together, in one transaction.

    `data` may hold the plain fields (DEAL_EDITABLE_FIELDS), `stage` (a Stage of the
    deal's pipeline), `pipeline` (only the deal's own: a deal never changes pipeline),
    `status` (`open` reopens, `won` / `lost` close), `lost_reason` (required to mark it
    lost, refused otherwise) and `closed_at` (an aware datetime, only with a closing
    status change; now when omitted). Missing keys keep the deal's values.

    Raises ValidationError keyed by field name when any rule refuses; the transaction then
    leaves nothing of the edit behind, and the events already written (a value change)
    go with it, so automation never hears of an edit that did not happen.
    """
    unknown = set(data) - DEAL_EDIT_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    locked = _lock(deal)
    deal_edit_check(deal=locked, data=data)
    fields = {name: value for name, value in data.items() if name in DEAL_EDITABLE_FIELDS}
    if "stage" in data:
        fields["stage"] = data["stage"]
    status = data.get("status") or locked.status
    if status == locked.status:
        return deal_update(deal=locked, actor=actor, data=fields)
    if status == DealStatus.OPEN:
        # Reopen before the edit: a closed deal cannot move stage.
        locked = deal_reopen(deal=locked, actor=actor)
        return deal_update(deal=locked, actor=actor, data=fields)
    locked = deal_update(deal=locked, actor=actor, data=fields)
    if status == DealStatus.WON:
        return deal_mark_won(deal=locked, actor=actor, at=data.get("closed_at"))
    if status == DealStatus.LOST:
        return deal_mark_lost(
            deal=locked, actor=actor, reason=data.get("lost_reason", ""), at=data.get("closed_at")
        )
    return locked


@transaction.atomic
def deal_move_to_stage(
    *,
    deal: Deal,
    stage: Stage,
    actor: User | None,
    at: datetime | None = None,
    position: int | None = None,
) -> Deal:
    """Move an open deal to another stage of its pipeline, recording the stage history."""
    deal = _lock(deal)
    at = at or timezone.now()
    if stage.pipeline_id != deal.pipeline_id:
        raise ValidationError({"stage": _("The stage belongs to another pipeline.")})
    if deal.status != DealStatus.OPEN:
        raise ValidationError(
            {
                "stage": _("This deal is closed (%(status)s); reopen it before moving it.")
                % {"status": deal.get_status_display()}
            }
        )
    if position is not None:
        deal.position = position
    if stage.pk == deal.stage_id:
        deal.save(update_fields=["position", "updated_at"])
        return deal
    if deal.stage_entered_at and at < deal.stage_entered_at:
        raise ValidationError(
            {"stage": _("A move cannot happen before the deal entered its stage.")}
        )
    previous_stage_id = deal.stage_id
    StageChange.objects.filter(deal=deal, left_at__isnull=True).update(left_at=at)
    StageChange.objects.create(deal=deal, stage=stage, entered_at=at, actor=actor)
    deal.stage = stage
    deal.stage_entered_at = at
    deal.save(update_fields=["stage", "stage_entered_at", "position", "updated_at"])
    event_emit(
        kind=DomainEventKind.DEAL_STAGE_CHANGED,
        subject=deal,
        actor=actor,
        payload={"from_stage": previous_stage_id, "to_stage": stage.pk},
        occurred_at=at,
    )
    return deal


def _purchase_follow_deal(deal: Deal) -> None:
    """A won deal's purchase is derived from it: a corrected value corrects the revenue."""
    for purchase in Purchase.objects.select_for_update().filter(deal=deal):
        purchase.amount = deal.value
        purchase.currency = deal.currency
        model_save(purchase)


def _close(deal: Deal, *, status: str, at: datetime | None) -> None:
    at = at or timezone.now()
    if deal.status != DealStatus.OPEN:
        raise ValidationError({"status": _("This deal is already closed.")})
    if at < deal.created_at:
        raise ValidationError({"closed_at": _("A deal cannot close before it was created.")})
    if deal.stage_entered_at and at < deal.stage_entered_at:
        raise ValidationError(
            {
                "closed_at": _(
                    "The deal entered its current stage on %(entered)s; it cannot close "
                    "before that."
                )
                % {"entered": timezone.localtime(deal.stage_entered_at).strftime("%Y-%m-%d %H:%M")}
            }
        )
    deal.status = status
    deal.closed_at = at
    StageChange.objects.filter(deal=deal, left_at__isnull=True).update(left_at=at)


@transaction.atomic
def deal_mark_won(
    *,
    deal: Deal,
    actor: User | None,
    at: datetime | None = None,
    category: str = "",
    automate: bool = True,
) -> Deal:
    """Win a deal: record its purchase and make its contact a customer.

    The purchase's product category is data (it feeds the cross-sell rate), so it is
    left blank unless the caller knows it; a deal has no product category of its own.
    """
    deal = _lock(deal)
    _close(deal, status=DealStatus.WON, at=at)
    model_save(deal)
    # Reopening reverses the purchase, so a deal won again records a new one; a standing
    # purchase (a retried call) is not recorded twice.
    if deal.contact_id and not Purchase.objects.filter(deal=deal).exists():
        from .revenue import purchase_record

        purchase_record(
            actor=actor,
            # contact_id is set, so the contact exists (the stubs type the relation optional).
            contact=cast(Contact, deal.contact),
            company=deal.company,
            amount=deal.value,
            currency=deal.currency,
            purchased_at=deal.closed_at,
            product=deal.title,
            category=category,
            deal=deal,
            automate=automate,
        )
    event_emit(
        kind=DomainEventKind.DEAL_WON,
        subject=deal,
        actor=actor,
        payload={"value": str(deal.value)},
        automate=automate,
        occurred_at=deal.closed_at,
    )
    return deal


@transaction.atomic
def deal_mark_lost(
    *,
    deal: Deal,
    actor: User | None,
    reason: str,
    at: datetime | None = None,
    automate: bool = True,
) -> Deal:
    if not (reason or "").strip():
        raise ValidationError({"lost_reason": _("Say why the deal was lost.")})
    deal = _lock(deal)
    _close(deal, status=DealStatus.LOST, at=at)
    deal.lost_reason = reason.strip()
    model_save(deal)
    event_emit(
        kind=DomainEventKind.DEAL_LOST,
        subject=deal,
        actor=actor,
        payload={"reason": deal.lost_reason},
        automate=automate,
        occurred_at=deal.closed_at,
    )
    return deal


@transaction.atomic
def deal_reopen(*, deal: Deal, actor: User | None) -> Deal:
    """Reopen a closed deal: the close is undone, with its effects.

    A won deal's purchase is reversed (kept as history, counted nowhere), and with it the
    customer spell it opened. The deal goes back into the stage spell the close ended, so
    a later close may be backdated to any moment after the deal entered that stage.
    """
    from .revenue import purchase_reverse

    deal = _lock(deal)
    if deal.status == DealStatus.OPEN:
        return deal
    if deal.status == DealStatus.WON:
        for purchase in Purchase.objects.filter(deal=deal):
            purchase_reverse(purchase=purchase, actor=actor, reason=_("The deal was reopened."))
    last = StageChange.objects.filter(deal=deal).order_by("-entered_at", "-id").first()
    deal.status = DealStatus.OPEN
    deal.closed_at = None
    deal.lost_reason = ""
    if last is not None and last.stage_id == deal.stage_id:
        last.left_at = None
        last.save(update_fields=["left_at"])
        deal.stage_entered_at = last.entered_at
    else:
        deal.stage_entered_at = timezone.now()
        StageChange.objects.create(
            deal=deal, stage=deal.stage, entered_at=deal.stage_entered_at, actor=actor
        )
    model_save(deal)
    return deal


def deal_delete_check(*, deal: Deal) -> None:
    """A won deal's purchase is revenue history the KPIs are computed from: it must stay."""
    if deal.status == DealStatus.WON:
        raise ValidationError(
            _("This deal is won; its purchase is revenue history that must stay.")
        )


@transaction.atomic
def deal_delete(*, deal: Deal, actor: User | None) -> None:
    """Delete a deal with its tasks and stage history (the database cascade).

    Checked again under the row lock so a deal won meanwhile is not deleted; a deal
    already gone (a double submission) is not an error.
    """
    audit_deleted(actor=actor, record=deal)
    locked = Deal.objects.select_for_update().filter(pk=deal.pk).first()
    if locked is None:
        return
    deal_delete_check(deal=locked)
    locked.delete()


def contact_becomes_customer(contact: Contact, *, at: datetime) -> None:
    """A purchase or won deal at `at`: the contact was a customer then (crm.services.spells).

    A first purchase or one after the last churn opens a spell; an earlier one moves the
    first spell's start back; one inside a spell changes nothing. The contact is a customer
    now unless their last spell has ended (a purchase dated before a churn keeps the churn).
    """
    from .spells import customer_spell_open

    customer_spell_open(contact=contact, at=at)
    if contact.churned_at is None:
        contact.lifecycle = Lifecycle.CUSTOMER
    contact.save(update_fields=["customer_since", "churned_at", "lifecycle", "updated_at"])


__all__ = [
    "contact_becomes_customer",
    "deal_create",
    "deal_create_check",
    "deal_delete",
    "deal_delete_check",
    "deal_edit",
    "deal_edit_check",
    "deal_mark_lost",
    "deal_mark_won",
    "deal_move_to_stage",
    "deal_owner_check",
    "deal_reopen",
    "deal_update",
    "default_pipeline",
]
