from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from crm.limits import RangedDateTimeField

from .base import TimeStampedModel


class ImportKind(models.TextChoices):
    CONTACTS = "contacts", _("Contacts")
    COMPANIES = "companies", _("Companies")
    DEALS = "deals", _("Deals")
    PURCHASES = "purchases", _("Purchases")
    LEADS = "leads", _("Leads")
    ACTIVITIES = "activities", _("Activities")
    TICKETS = "tickets", _("Tickets")


class ImportStatus(models.TextChoices):
    DRAFT = "draft", _("Waiting for mapping")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")


class DuplicatePolicy(models.TextChoices):
    UPDATE = "update", _("Update the existing record")
    SKIP = "skip", _("Skip the row")


class ImportJob(TimeStampedModel):
    """One uploaded spreadsheet and the progress of importing it.

    `processed_rows` is the resume offset: it advances in the same transaction as the batch
    of rows it covers, so a crashed or retried worker continues where the last committed
    batch ended and never writes a row twice.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    headers = models.JSONField(_("columns"), default=list, blank=True)
    # {column header: target field name}; unmapped columns are absent.
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    # The character set a CSV file is read in; the detector's guess until a user changes it.
    encoding = models.CharField(_("character set"), max_length=40, blank=True)
    detected_encoding = models.CharField(_("detected character set"), max_length=40, blank=True)
    # {column header: "point"/"comma" (numbers) or "dmy"/"mdy" (dates)}: while a draft,
    # the user's answers; from the start, how the job reads every number and date column.
    column_formats = models.JSONField(_("column formats"), default=dict, blank=True)
    duplicate_policy = models.CharField(
        _("when a record already exists"),
        max_length=10,
        choices=DuplicatePolicy.choices,
        default=DuplicatePolicy.SKIP,
    )
    automate = models.BooleanField(
        _("run automation"),
        default=False,
        help_text=_("Let automation rules react to the imported records."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.DRAFT
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("processed"), default=0)
    succeeded_rows = models.PositiveIntegerField(_("imported"), default=0)
    created_rows = models.PositiveIntegerField(_("created"), default=0)
    updated_rows = models.PositiveIntegerField(_("updated"), default=0)
    skipped_rows = models.PositiveIntegerField(_("skipped"), default=0)
    failed_rows = models.PositiveIntegerField(_("failed"), default=0)
    error_message = models.TextField(_("error"), blank=True)
    started_at = RangedDateTimeField(_("started at"), null=True, blank=True)
    finished_at = RangedDateTimeField(_("finished at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="import_jobs",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        constraints = [
            models.CheckConstraint(
                condition=Q(processed_rows__lte=F("total_rows")),
                name="import_processed_within_total",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.original_name}"

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.COMPLETED:
            return 100
        if not self.total_rows:
            return 0
        return int(self.processed_rows * 100 / self.total_rows)

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.COMPLETED, ImportStatus.FAILED)


class ImportRowError(models.Model):
    """One reason a row was not imported; the downloadable error report is built from these."""

    job = models.ForeignKey(
        ImportJob, verbose_name=_("import"), on_delete=models.CASCADE, related_name="row_errors"
    )
    # The spreadsheet's own row number (the header is row 1), as the user sees it.
    row_number = models.PositiveIntegerField(_("row"))
    column = models.CharField(_("column"), max_length=255, blank=True)
    reason = models.TextField(_("reason"))
    value = models.TextField(_("value"), blank=True)

    class Meta:
        ordering = ["job", "row_number", "id"]
        verbose_name = _("import row error")
        verbose_name_plural = _("import row errors")
        indexes = [models.Index(fields=["job", "row_number"])]

    def __str__(self):
        return f"{self.row_number}: {self.reason}"
