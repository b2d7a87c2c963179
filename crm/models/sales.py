from datetime import timedelta
from decimal import Decimal
from typing import Self

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import BooleanField, DurationField, ExpressionWrapper, F, Q, Value
from django.db.models.functions import Coalesce, Now
from django.utils.translation import gettext_lazy as _

from crm.limits import MAX_DAYS, LimitedTextField, RangedDateField, RangedDateTimeField

from .base import TimeStampedModel
from .contacts import Campaign, Company, Contact, Source


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    WORKING = "working", _("Working")
    QUALIFIED = "qualified", _("Qualified")
    DISQUALIFIED = "disqualified", _("Disqualified")
    CONVERTED = "converted", _("Converted")


CLOSED_LEAD_STATUSES = (LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED)
# Whether a lead is closed: the lead list sorts open leads first by it, and an index holds
# it (PostgreSQL uses an expression index only for the very same expression).
LEAD_CLOSED = ExpressionWrapper(Q(status__in=CLOSED_LEAD_STATUSES), output_field=BooleanField())


class Lead(TimeStampedModel):
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="leads"
    )
    source = models.CharField(_("source"), max_length=30, choices=Source.choices, blank=True)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=LeadStatus.choices, default=LeadStatus.NEW
    )
    score = models.IntegerField(_("score"), default=0, validators=[MinValueValidator(0)])
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    handed_off_at = RangedDateTimeField(_("handed to sales at"), null=True, blank=True)
    converted_at = RangedDateTimeField(_("converted at"), null=True, blank=True)
    deal = models.ForeignKey(
        "crm.Deal",
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            models.Index(fields=["status"]),
            models.Index(fields=["-score"]),
            models.Index(fields=["-created_at", "-id"], name="lead_default_order_idx"),
            # The lead list's default: open leads first, then by score (crm.web.views.leads).
            models.Index(
                LEAD_CLOSED,
                F("score").desc(),
                F("id").desc(),
                name="lead_list_order_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="converted", converted_at__isnull=False)
                | (~Q(status="converted") & Q(converted_at__isnull=True)),
                name="lead_converted_at_iff_converted",
            ),
            models.CheckConstraint(condition=Q(score__gte=0), name="lead_score_not_negative"),
        ]

    def __str__(self):
        return str(self.contact)


class Pipeline(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        ordering = ["-is_default", "name"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_pipeline"
            )
        ]

    def __str__(self):
        return self.name


class Stage(models.Model):
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.CASCADE, related_name="stages"
    )
    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveIntegerField(_("position"), default=0)
    win_probability = models.PositiveSmallIntegerField(
        _("win probability (%)"),
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    rotting_days = models.PositiveIntegerField(
        _("rotting after (days)"),
        null=True,
        blank=True,
        help_text=_("Deals idle in this stage for longer are highlighted as stale."),
        validators=[MaxValueValidator(MAX_DAYS)],
    )

    class Meta:
        ordering = ["pipeline", "position", "id"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "name"], name="stage_unique_name"),
            models.CheckConstraint(
                condition=Q(win_probability__lte=100), name="stage_win_probability_max_100"
            ),
        ]

    def __str__(self):
        return f"{self.pipeline} · {self.name}"


class DealStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class DealKind(models.TextChoices):
    NEW = "new", _("New business")
    UPSELL = "upsell", _("Upsell")
    CROSS_SELL = "cross_sell", _("Cross-sell")
    RENEWAL = "renewal", _("Renewal")


class ForecastCategory(models.TextChoices):
    """How sure the rep is of a deal, as they mark it (metrics.forecast sums each apart)."""

    COMMIT = "commit", _("Commit")
    BEST_CASE = "best_case", _("Best case")
    PIPELINE = "pipeline", _("Pipeline")


class DealQuerySet(models.QuerySet):
    def open(self) -> Self:
        return self.filter(status=DealStatus.OPEN)

    def won(self) -> Self:
        return self.filter(status=DealStatus.WON)

    def rotting(self) -> Self:
        """Open deals idle in their stage longer than its rotting days (annotated with
        `in_stage_since`: when they entered it, or were created when never moved)."""
        idle_limit = ExpressionWrapper(
            F("stage__rotting_days") * Value(timedelta(days=1)), output_field=DurationField()
        )
        return (
            self.filter(status=DealStatus.OPEN, stage__rotting_days__isnull=False)
            .annotate(in_stage_since=Coalesce("stage_entered_at", "created_at"))
            .filter(in_stage_since__lt=Now() - idle_limit)
        )


class Deal(TimeStampedModel):
    title = models.CharField(_("title"), max_length=200)
    value = models.DecimalField(
        _("value"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="deals"
    )
    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="deals"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=DealStatus.choices, default=DealStatus.OPEN
    )
    lost_reason = models.CharField(_("lost reason"), max_length=255, blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=DealKind.choices, default=DealKind.NEW
    )
    expected_close_date = RangedDateField(_("expected close date"), null=True, blank=True)
    forecast_category = models.CharField(
        _("forecast category"),
        max_length=20,
        choices=ForecastCategory.choices,
        default=ForecastCategory.PIPELINE,
    )
    closed_at = RangedDateTimeField(_("closed at"), null=True, blank=True, db_index=True)
    # Denormalised from the open StageChange so the board shows "days in stage" and finds
    # stale deals without a join per card.
    stage_entered_at = RangedDateTimeField(_("in stage since"), null=True, blank=True)
    # Order of the card within its board column.
    position = models.IntegerField(_("position"), default=0)

    objects = DealQuerySet.as_manager()

    class Meta:
        ordering = ["position", "-created_at", "-id"]
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        indexes = [
            # The board pages each column in card order; this index serves that directly.
            models.Index(
                fields=["stage", "status", "position", "-created_at", "-id"],
                name="deal_board_column_idx",
            ),
            # A rep's board (and a manager's filtered by owner): without the owner in the
            # index, a column's first cards are found by reading past every other owner's.
            models.Index(
                fields=["stage", "owner", "status", "position", "-created_at", "-id"],
                name="deal_board_owner_column_idx",
            ),
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["status", "closed_at"]),
            # The deal list's and /api/deals/' default order across every stage.
            models.Index(fields=["position", "-created_at", "-id"], name="deal_default_order_idx"),
            # The deal list page's default: newest first (crm.web.views.deals).
            models.Index(fields=["-created_at", "-id"], name="deal_list_order_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="deal_value_not_negative"),
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True)
                | (~Q(status="open") & Q(closed_at__isnull=False)),
                name="deal_closed_at_iff_closed",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=F("created_at")),
                name="deal_closed_after_created",
            ),
        ]

    def __str__(self):
        return self.title


class StageChange(models.Model):
    """One row per stay of a deal in a stage: stage durations are exact, never parsed."""

    deal = models.ForeignKey(
        Deal, verbose_name=_("deal"), on_delete=models.CASCADE, related_name="stage_changes"
    )
    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.CASCADE, related_name="stage_changes"
    )
    entered_at = RangedDateTimeField(_("entered at"))
    left_at = RangedDateTimeField(_("left at"), null=True, blank=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["entered_at", "id"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        constraints = [
            models.CheckConstraint(
                condition=Q(left_at__isnull=True) | Q(left_at__gte=F("entered_at")),
                name="stage_change_left_after_entered",
            ),
            models.UniqueConstraint(
                fields=["deal"], condition=Q(left_at__isnull=True), name="one_open_stage_per_deal"
            ),
        ]

    def __str__(self):
        return f"{self.deal} in {self.stage.name}"


class ActivityKind(models.TextChoices):
    CALL = "call", _("Call")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting")
    TASK = "task", _("Task")


class CallOutcome(models.TextChoices):
    """How a call went, as the rep logs it (a call without one was logged before this)."""

    CONNECTED = "connected", _("Connected")
    LEFT_VOICEMAIL = "left_voicemail", _("Left voicemail")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


class ActivityQuerySet(models.QuerySet):
    def pending(self) -> Self:
        return self.filter(done_at__isnull=True)


class Activity(TimeStampedModel):
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    notes = LimitedTextField(_("notes"), blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=CallOutcome.choices, blank=True, default=""
    )
    due_at = RangedDateTimeField(_("due"), null=True, blank=True, db_index=True)
    done_at = RangedDateTimeField(_("done at"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    deal = models.ForeignKey(
        Deal,
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    lead = models.ForeignKey(
        Lead,
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    # Who scheduled or logged it: marketing and support hand tasks to reps and still see
    # them (crm.policies.scope).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["assignee", "done_at", "due_at"]),
            # The sales report and the calls-per-lead KPI read one period's done activities;
            # without it they read every activity ever (issue 20, bench/reports.py).
            models.Index(fields=["done_at"], name="activity_done_at_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="") | Q(kind="call"),
                name="activity_outcome_only_for_calls",
                violation_error_message=_("Only a call has an outcome."),
            ),
        ]

    def __str__(self):
        return self.subject
