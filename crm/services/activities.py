from django.db import transaction
from django.utils import timezone

from crm.models import Activity, ActivityKind
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


# No @transaction.atomic: its one INSERT is atomic by itself, and inside a caller's
# transaction (an automation rule run) a savepoint would cost two more round trips.
def activity_create(
    *, actor, kind: str, subject: str, assignee=None, links_read: bool = False, **fields
) -> Activity:
    """Schedule (or log, with `done_at`) a call, email, meeting or task.

    `links_read`: the caller read the linked rows in this transaction and sets no outcome
    (automation's create_task). full_clean then skips its query per link and the one
    for the outcome-only-for-calls constraint, a third of a rule run's round trips; the
    database's foreign keys and CHECK constraint still refuse a bad row.
    """
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
def activity_update(*, activity: Activity, actor, data: dict) -> Activity:
    if "assignee" in data and data["assignee"] != activity.assignee:
        owner_change_check(actor=actor, owner=data["assignee"], field="assignee")
    apply_fields(activity, data, ACTIVITY_EDITABLE_FIELDS)
    if "outcome" not in data and activity.kind != ActivityKind.CALL:
        # A call turned into a task keeps no call outcome; naming one for it is an error.
        activity.outcome = ""
    return model_save(activity)


@transaction.atomic
def activity_complete(*, activity: Activity, actor, at=None) -> Activity:
    if activity.done_at is None:
        activity.done_at = at or timezone.now()
        activity.save(update_fields=["done_at", "updated_at"])
    return activity


@transaction.atomic
def activity_delete(*, activity: Activity, actor) -> None:
    audit_deleted(actor=actor, record=activity)
    Activity.objects.filter(pk=activity.pk).delete()
