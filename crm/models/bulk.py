from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.limits import RangedDateTimeField

from .base import TimeStampedModel


class BulkKind(models.TextChoices):
    REASSIGN = "reassign", _("Reassign")
    MOVE_STAGE = "move_stage", _("Move to stage")
    TAG_ADD = "tag_add", _("Add tag")
    TAG_REMOVE = "tag_remove", _("Remove tag")
    MARK_DONE = "mark_done", _("Mark done")
    DELETE = "delete", _("Delete")


UNDOABLE_KINDS = frozenset(
    {BulkKind.REASSIGN, BulkKind.MOVE_STAGE, BulkKind.TAG_ADD, BulkKind.TAG_REMOVE}
)


class BulkStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    UNDONE = "undone", _("Undone")


class BulkAction(TimeStampedModel):
    """One bulk action on a list's rows, with what each changed row held before (for undo).

    `ids` is the selection (ascending primary keys); `processed` counts how many of them
    have been handled, so a large selection run in batches resumes where it stopped.
    `previous` maps a changed row's id (as text) to its value before: an owner or stage
    id (or null), or for tags whether the contact had the tag.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.CASCADE,
        related_name="bulk_actions",
    )
    resource = models.CharField(_("resource"), max_length=20)
    kind = models.CharField(_("action"), max_length=20, choices=BulkKind.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    ids = models.JSONField(_("selected rows"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=BulkStatus.choices, default=BulkStatus.QUEUED
    )
    processed = models.PositiveIntegerField(_("processed"), default=0)
    changed = models.PositiveIntegerField(_("changed"), default=0)
    skipped_forbidden = models.PositiveIntegerField(_("skipped (not allowed)"), default=0)
    skipped_invalid = models.PositiveIntegerField(_("skipped (refused)"), default=0)
    previous = models.JSONField(_("previous values"), default=dict, blank=True)
    error_message = models.TextField(_("error"), blank=True)
    undone_at = RangedDateTimeField(_("undone at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("bulk action")
        verbose_name_plural = _("bulk actions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=BulkKind.values), name="bulkaction_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.resource} · {len(self.ids)}"

    @property
    def total(self) -> int:
        return len(self.ids)

    @property
    def percent(self) -> int:
        return 100 if not self.ids else int(self.processed * 100 / len(self.ids))

    @property
    def is_finished(self) -> bool:
        return self.status in (BulkStatus.DONE, BulkStatus.FAILED, BulkStatus.UNDONE)

    @property
    def can_undo(self) -> bool:
        return self.status == BulkStatus.DONE and self.kind in UNDOABLE_KINDS and self.changed > 0
