"""Merging duplicate contacts or companies, and undoing a merge.

Every row that points at the merged-away record (the loser) is moved to the kept record
(the winner) before the loser is deleted, so nothing is lost to a cascade. The relations
are found from the model's metadata rather than listed by hand: deals, activities,
purchases, leads, interactions, tickets, NPS, subscriptions, referrals and tags today, and
whatever other apps add tomorrow (campaign enrollments, …).

The merge log keeps the loser's values, the ids of every moved row and any row that had
to be removed (a tag both had, a referral of one by the other); undo puts all of it back.
"""

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.core import serializers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models.deletion import Collector
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm import policies
from crm.models import AuditKind, Company, Contact, CustomerSpell, Lifecycle, MergeKind, MergeLog
from crm.services.audit import audit_record
from crm.services.contacts import CONTACT_EDITABLE_FIELDS, company_update, contact_update
from crm.services.spells import customer_spells_absorb

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Every field a user may edit, in the model's order (the order the preview shows).
CONTACT_MERGE_FIELDS = tuple(
    field.name for field in Contact._meta.fields if field.name in CONTACT_EDITABLE_FIELDS
)
COMPANY_MERGE_FIELDS = ("name", "domain", "industry", "phone", "address", "owner")
LIFECYCLE_RANK = {
    Lifecycle.LEAD: 0,
    Lifecycle.PROSPECT: 1,
    Lifecycle.CHURNED: 2,
    Lifecycle.CUSTOMER: 3,
}
# Fields that follow the lifecycle's side so the pair stays consistent.
LIFECYCLE_DATES = ("customer_since", "churned_at")


@dataclass(frozen=True)
class MergeSpec:
    kind: str
    model: type[Contact] | type[Company]
    resource: str
    fields: tuple[str, ...]
    label: "StrOrPromise"


# Keyed by MergeKind, looked up by the kind in a URL or a form (a str).
SPECS: dict[str, MergeSpec] = {
    MergeKind.CONTACT: MergeSpec(
        MergeKind.CONTACT, Contact, "contacts", CONTACT_MERGE_FIELDS, gettext_lazy("contact")
    ),
    MergeKind.COMPANY: MergeSpec(
        MergeKind.COMPANY, Company, "companies", COMPANY_MERGE_FIELDS, gettext_lazy("company")
    ),
}


def merge_access_check(user, spec: MergeSpec, *rows) -> None:
    if not policies.can_write(user, spec.resource) or not all(
        policies.can_edit_row(user, spec.resource, row) for row in rows
    ):
        raise PermissionDenied(_("You may not merge these records."))
    policies.require_may_remove(user, spec.resource, *rows)


def _empty(value) -> bool:
    return value is None or value == ""


def default_choices(spec: MergeSpec, winner, loser) -> dict[str, str]:
    """Which side each field is taken from unless the user says otherwise.

    The kept record's value wins unless it is empty; an opt-out on either side is kept
    (consent is never lost by a merge); the further lifecycle wins, with its dates.
    """
    choices = {}
    for name in spec.fields:
        mine, theirs = getattr(winner, name), getattr(loser, name)
        choices[name] = "loser" if _empty(mine) and not _empty(theirs) else "winner"
    if spec.kind == MergeKind.CONTACT:
        if loser.opted_out and not winner.opted_out:
            choices["opted_out"] = "loser"
        side = "winner"
        if LIFECYCLE_RANK.get(loser.lifecycle, 0) > LIFECYCLE_RANK.get(winner.lifecycle, 0):
            side = "loser"
        for name in ("lifecycle", *LIFECYCLE_DATES):
            choices[name] = side
        if winner.referred_by_id == loser.pk:
            choices["referred_by"] = "loser"
    return choices


def relations(model) -> list[tuple[type[models.Model], str]]:
    """(model, foreign key name) for every column that can point at a row of `model`."""
    found = []
    for rel in model._meta.related_objects:
        if rel.many_to_many:
            through = rel.through
            if through._meta.auto_created:
                found.append((through, rel.field.m2m_reverse_field_name()))
        else:
            # Custom many-to-many "through" models arrive here too, as plain foreign keys.
            found.append((rel.related_model, rel.field.name))
    for field in model._meta.many_to_many:
        through = field.remote_field.through
        if through._meta.auto_created:
            found.append((through, field.m2m_field_name()))
    return found


def related_counts(model, obj) -> list[tuple[str, int]]:
    """(verbose name, rows) of what points at `obj`: what a merge would move."""
    counts = []
    for related, field in relations(model):
        n = related._base_manager.filter(**{field: obj.pk}).count()
        if n:
            counts.append((str(related._meta.verbose_name_plural), n))
    return counts


def _serialize(objs, fields=None) -> list:
    return json.loads(serializers.serialize("json", objs, fields=fields))


def _concrete_names(model) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if not f.primary_key]


def _remove_row(related, pk) -> list:
    """Delete a row that cannot be moved, returning it and its cascade, serialized."""
    row = related._base_manager.get(pk=pk)
    collector = Collector(using="default")
    collector.collect([row])
    collector.sort()
    # Deletion order deletes dependants first; undo restores in the reverse order.
    objs = [obj for model_objs in collector.data.values() for obj in model_objs]
    for qs in collector.fast_deletes:
        objs.extend(qs)
    serialized = _serialize(objs)
    row.delete()
    return list(reversed(serialized))


def _move_rows(spec: MergeSpec, winner, loser) -> tuple[list, list]:
    moved, removed = [], []
    for related, field in relations(spec.model):
        if related is CustomerSpell:
            continue  # joined, not moved: _absorb_customer_history
        qs = related._base_manager.filter(**{field: loser.pk})
        ids = list(qs.values_list("pk", flat=True))
        if not ids:
            continue
        try:
            with transaction.atomic():
                related._base_manager.filter(pk__in=ids).update(**{field: winner.pk})
            done = ids
        except IntegrityError:
            # A unique pair both already had (a tag, an enrollment) or a row that would
            # point at itself: move what can move, keep the rest in the log.
            done = []
            for pk in ids:
                try:
                    with transaction.atomic():
                        related._base_manager.filter(pk=pk).update(**{field: winner.pk})
                    done.append(pk)
                except IntegrityError:
                    removed.extend(_remove_row(related, pk))
        if done:
            moved.append({"model": related._meta.label_lower, "field": field, "ids": done})
    return moved, removed


def _update(spec: MergeSpec, obj, *, actor, data: dict):
    if not data:
        return obj
    if spec.kind == MergeKind.CONTACT:
        return contact_update(contact=obj, actor=actor, data=data)
    return company_update(company=obj, actor=actor, data=data)


def _settle_referrer(winner: Contact, loser: Contact, data: dict) -> None:
    """The winner may not end up referred by itself or by the record it absorbs.

    Moving "referred by loser" to the winner would break the not-self constraint, so the
    other side's referrer is taken instead, or none.
    """
    if "referred_by" in data:
        chosen = data["referred_by"].pk if data["referred_by"] else None
    else:
        chosen = winner.referred_by_id
    if chosen not in (winner.pk, loser.pk):
        return
    others = [winner.referred_by_id, loser.referred_by_id]
    referrer_id = next((c for c in others if c not in (None, winner.pk, loser.pk)), None)
    if referrer_id == winner.referred_by_id:
        data.pop("referred_by", None)
    else:
        # None matches no contact: the merged contact then has no referrer.
        data["referred_by"] = Contact.objects.filter(pk=referrer_id).first()  # type: ignore[misc]


def _absorb_customer_history(winner: Contact, loser: Contact) -> None:
    """Join both records' customer spells on the winner (moved as they are, two spells
    could overlap and count one person twice in churn)."""
    winner.refresh_from_db()
    customer_spells_absorb(contact=winner, other=loser)
    Contact.objects.filter(pk=winner.pk).update(
        customer_since=winner.customer_since,
        churned_at=winner.churned_at,
        lifecycle=winner.lifecycle,
    )


def _restore_customer_history(log: MergeLog) -> None:
    """Undo `_absorb_customer_history`: both records get their own spells back, and the
    winner its customer dates and lifecycle as they were before the merge."""
    CustomerSpell.objects.filter(contact_id=log.winner_id).delete()
    for obj in serializers.deserialize("json", json.dumps(log.winner_before["spells"])):
        obj.save()
    before = log.winner_before["row"][0]["fields"]
    Contact.objects.filter(pk=log.winner_id).update(
        customer_since=before["customer_since"],
        churned_at=before["churned_at"],
        lifecycle=before["lifecycle"],
    )


@transaction.atomic
def record_merge(*, kind: str, actor, winner, loser, choices: dict | None = None) -> MergeLog:
    """Merge `loser` into `winner`; `choices` maps field → "winner" | "loser"."""
    spec = SPECS[kind]
    if winner.pk == loser.pk:
        raise ValidationError(_("Choose two different records."))
    merge_access_check(actor, spec, winner, loser)
    # Lock both rows, lowest id first, so two merges of the same pair queue up.
    locked = {
        obj.pk: obj
        for obj in spec.model.objects.select_for_update()
        .filter(pk__in=[winner.pk, loser.pk])
        .order_by("pk")
    }
    if len(locked) != 2:
        raise ValidationError(_("One of the records no longer exists."))
    winner, loser = locked[winner.pk], locked[loser.pk]
    picked = {**default_choices(spec, winner, loser), **(choices or {})}
    unknown = {k for k, v in picked.items() if k not in spec.fields or v not in ("winner", "loser")}
    if unknown:
        raise ValidationError(_("Unknown merge choices: %(f)s") % {"f": ", ".join(sorted(unknown))})

    data = {}
    for name in spec.fields:
        # The merge fields are concrete fields of the model (no reverse relations).
        attname = cast("models.Field[Any, Any]", spec.model._meta.get_field(name)).attname
        if picked[name] == "loser" and getattr(loser, attname) != getattr(winner, attname):
            data[name] = getattr(loser, name)
    spells_before = None
    if spec.kind == MergeKind.CONTACT:
        _settle_referrer(winner, loser, data)
        spells_before = _serialize(CustomerSpell.objects.filter(contact__in=[winner, loser]))
        if spells_before:
            # The union of both histories decides these (_absorb_customer_history).
            for name in ("lifecycle", *LIFECYCLE_DATES):
                data.pop(name, None)
    winner_before = {
        "changed": sorted(data),
        "row": _serialize([winner], fields=_concrete_names(spec.model)),
    }
    loser_data = _serialize([loser], fields=_concrete_names(spec.model))
    log = MergeLog(
        kind=kind,
        winner_id=winner.pk,
        loser_id=loser.pk,
        winner_label=str(winner)[:255],
        loser_label=str(loser)[:255],
        loser_data=loser_data,
        winner_before=winner_before,
        merged_by=actor,
    )
    if spec.kind == MergeKind.CONTACT and "email" in data:
        # An address belongs to one contact: the record merged away gives it up first.
        Contact.objects.filter(pk=loser.pk).update(email="")
    _update(spec, winner, actor=actor, data=data)
    log.repointed, log.removed = _move_rows(spec, winner, loser)
    if spells_before:
        _absorb_customer_history(winner, loser)
        log.winner_before["spells"] = spells_before
    spec.model.objects.filter(pk=loser.pk).delete()
    log.save()
    audit_record(
        kind=AuditKind.MERGED,
        actor=actor,
        target=winner,
        summary=f"{log.loser_label} → {log.winner_label}"[:500],
        details={"kind": kind, "winner": winner.pk, "loser": loser.pk, "merge_log": log.pk},
    )
    return log


@transaction.atomic
def undo_merge(*, log: MergeLog, actor) -> MergeLog:
    """Re-create the merged-away record and move every moved row back to it."""
    log = MergeLog.objects.select_for_update().get(pk=log.pk)
    spec = SPECS[log.kind]
    if log.undone_at is not None:
        raise ValidationError(_("This merge has already been undone."))
    winner = spec.model.objects.filter(pk=log.winner_id).first()
    if winner is None:
        raise ValidationError(
            _("The kept record has been deleted since; the merge cannot be undone.")
        )
    merge_access_check(actor, spec, winner)
    if spec.model.objects.filter(pk=log.loser_id).exists():
        raise ValidationError(_("The merged record exists again; nothing to undo."))
    for obj in serializers.deserialize("json", json.dumps(log.loser_data)):
        obj.save()
    for obj in serializers.deserialize("json", json.dumps(log.removed)):
        obj.save()
    from django.apps import apps

    for entry in log.repointed:
        related = apps.get_model(entry["model"])
        related._base_manager.filter(pk__in=entry["ids"], **{entry["field"]: log.winner_id}).update(
            **{entry["field"]: log.loser_id}
        )
    if "spells" in log.winner_before:
        _restore_customer_history(log)
    changed = log.winner_before.get("changed", [])
    if changed:
        before = next(serializers.deserialize("json", json.dumps(log.winner_before["row"]))).object
        _update(spec, winner, actor=actor, data={name: getattr(before, name) for name in changed})
    log.undone_at = timezone.now()
    log.undone_by = actor
    log.save(update_fields=["undone_at", "undone_by"])
    return log
