from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Activity, ActivityKind, User
from crm.services.audit import audit_deleted

from .common import apply_fields, model_save, owner_change_check, owner_for_new_record

ACTIVITY_EDITABLE_FIELDS = {
    "kind",
    "subject",
    "notes",
    "outcome",
    "due_at",
    "done_at",
    "assignee",
    "deal",
    "lead",
    "contact",
}


# The links of an activity (its foreign keys).
_LINKS = ("assignee", "deal", "lead", "contact", "created_by")


def activity_assignee_check(*, assignee: User | None) -> None:
    """A person picking an assignee picks an active user: a deactivated one never sees
    the task. Raises ValidationError on `assignee`; `None` passes (the creator is used).

    Automation (no actor) is not held to it: a rule assigning the deal's owner who has
    since left still records the task rather than losing it.
    """
    if assignee is not None and not assignee.is_active:
        raise ValidationError({"assignee": _("Choose an active user.")})


# No @transaction.atomic: its one INSERT is atomic by itself, and inside a caller's
# transaction (an automation rule run) a savepoint would cost two more round trips.
def activity_create(
    *,
    actor: User | None,
    kind: str,
    subject: str,
    assignee: User | None = None,
    links_read: bool = False,
    **fields: Any,
) -> Activity:
    """Schedule (or log, with `done_at`) a call, email, meeting or task.

    `links_read`: the caller read the linked rows in this transaction and sets no outcome
    (automation's create_task). full_clean then skips its query per link and the one
    for the outcome-only-for-calls constraint, a third of a rule run's round trips; the
    database's foreign keys and CHECK constraint still refuse a bad row.
    """
    if actor is not None:
        activity_assignee_check(assignee=assignee)
    activity = Activity(
        kind=kind,
        subject=subject,
        assignee=owner_for_new_record(actor=actor, owner=assignee, field="assignee"),
        created_by=actor,
        **fields,
    )
    if activity.contact_id is None:
        linked = activity.deal or activity.lead
        activity.contact_id = getattr(linked, "contact_id", None)
    return model_save(activity, exclude=[*_LINKS, "outcome"] if links_read else None)


@transaction.atomic
def activity_update(*, activity: Activity, actor: User | None, data: dict[str, Any]) -> Activity:
    """Edit an activity in one write: any of ACTIVITY_EDITABLE_FIELDS, `done_at` included
    (an aware datetime completes it at that moment, `None` reopens it).

    Raises ValidationError keyed by field (a field not editable, an assignee the actor may
    not choose, the model's own rules); nothing is written then.
    """
    if "assignee" in data and data["assignee"] != activity.assignee:
        owner_change_check(actor=actor, owner=data["assignee"], field="assignee")
        if actor is not None:
            activity_assignee_check(assignee=data["assignee"])
    apply_fields(activity, data, ACTIVITY_EDITABLE_FIELDS)
    if "outcome" not in data and activity.kind != ActivityKind.CALL:
        # A call turned into a task keeps no call outcome; naming one for it is an error.
        activity.outcome = ""
    return model_save(activity)


@transaction.atomic
def activity_complete(
    *, activity: Activity, actor: User | None, at: datetime | None = None
) -> Activity:
    if activity.done_at is None:
        activity.done_at = at or timezone.now()
        activity.save(update_fields=["done_at", "updated_at"])
    return activity


@transaction.atomic
def activity_delete(*, activity: Activity, actor: User | None) -> None:
    audit_deleted(actor=actor, record=activity)
    Activity.objects.filter(pk=activity.pk).delete()
