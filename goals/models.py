"""SMART goals measured by KPI snapshots, their history, and sales quotas."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.limits import LimitedTextField, RangedDateField, RangedDateTimeField
from crm.models import TimeStampedModel


class ScopeType(models.TextChoices):
    COMPANY = "company", _("Company")
    TEAM = "team", _("Team")
    REP = "rep", _("Sales rep")
    PIPELINE = "pipeline", _("Pipeline")
    CAMPAIGN = "campaign", _("Campaign")


class Objective(models.TextChoices):
    """The four headline goals of the product, or a custom one (Relevant)."""

    RETENTION = "retention", _("Increase retention")
    SALES_CYCLE = "sales_cycle", _("Shorten the sales cycle")
    SELL_MORE = "sell_more", _("Sell more")
    LOWER_CAC = "lower_cac", _("Lower customer acquisition cost")
    CUSTOM = "custom", _("Custom objective")


class GoalStatus(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")
    ACHIEVED = "achieved", _("Achieved")
    MISSED = "missed", _("Missed")
    # Fewer than 4 snapshots over 2 weeks: no status or projection yet (goals.progress).
    TOO_EARLY = "too_early", _("Too early to tell")


class GoalQuerySet(models.QuerySet):
    def open(self):
        """Goals whose outcome is not settled yet (the nightly recompute looks at these)."""
        return self.exclude(status__in=[GoalStatus.ACHIEVED, GoalStatus.MISSED])


class Goal(TimeStampedModel):
    # Specific
    title = models.CharField(_("title"), max_length=200)
    plan = LimitedTextField(_("action plan"), blank=True)
    # Measurable
    kpi = models.CharField(_("KPI"), max_length=60)
    scope_type = models.CharField(
        _("scope"), max_length=20, choices=ScopeType.choices, default=ScopeType.COMPANY
    )
    # The team, user, pipeline or campaign id; empty for the company scope.
    scope_id = models.PositiveBigIntegerField(_("scope id"), null=True, blank=True)
    baseline = models.DecimalField(_("baseline"), max_digits=18, decimal_places=4)
    target = models.DecimalField(_("target"), max_digits=18, decimal_places=4)
    # Achievable
    resources = LimitedTextField(_("resources"), blank=True)
    # Relevant
    objective = models.CharField(_("objective"), max_length=20, choices=Objective.choices)
    custom_objective = models.CharField(_("custom objective"), max_length=200, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent goal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    # Time-bound
    start_date = RangedDateField(_("start date"))
    deadline = RangedDateField(_("deadline"))

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="goals",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    # Last reading stored by the recompute; pages and the API compute a fresh one on read.
    current_value = models.DecimalField(
        _("current value"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    progress = models.FloatField(_("progress (%)"), null=True, blank=True)
    expected_progress = models.FloatField(_("expected progress (%)"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=GoalStatus.choices, blank=True, db_index=True
    )
    projection = models.DecimalField(
        _("projection at deadline"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    computed_at = RangedDateTimeField(_("computed at"), null=True, blank=True)

    objects = GoalQuerySet.as_manager()

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        indexes = [
            models.Index(fields=["scope_type", "scope_id"]),
            models.Index(fields=["owner", "deadline"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gt=F("start_date")), name="goal_deadline_after_start"
            ),
            models.CheckConstraint(
                condition=Q(scope_type="company", scope_id__isnull=True)
                | (~Q(scope_type="company") & Q(scope_id__isnull=False)),
                name="goal_scope_id_iff_not_company",
            ),
            models.CheckConstraint(
                condition=~Q(target=F("baseline")), name="goal_target_differs_from_baseline"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def direction(self) -> str:
        """'up' when the goal raises the KPI, 'down' when it lowers it."""
        return "up" if self.target > self.baseline else "down"

    @property
    def objective_label(self) -> str:
        if self.objective == Objective.CUSTOM and self.custom_objective:
            return self.custom_objective
        return self.get_objective_display()


class GoalChange(models.Model):
    """One edit of a tracked field: the history that shows plans changed, not goals."""

    goal = models.ForeignKey(
        Goal, verbose_name=_("goal"), on_delete=models.CASCADE, related_name="changes"
    )
    field = models.CharField(_("field"), max_length=40)
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = RangedDateTimeField(_("changed at"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("goal change")
        verbose_name_plural = _("goal changes")

    def __str__(self):
        return f"{self.field}: {self.old_value} → {self.new_value}"


class QuotaPeriod(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")


class QuotaQuerySet(models.QuerySet["Quota"]):
    def covering(self, day: date) -> "QuotaQuerySet":
        return self.filter(start__lte=day, end__gt=day)


class Quota(TimeStampedModel):
    """Won deal value expected from one rep or one team in one month or quarter.

    `metrics` reads this model for the quota_attainment KPI (GoalsConfig.ready registers
    it with metrics.kpis.quotas), so the field names are a contract: owner, team, period,
    start, end (exclusive) and amount.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rep"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="quotas",
    )
    team = models.ForeignKey(
        "crm.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="quotas",
    )
    period = models.CharField(_("period"), max_length=10, choices=QuotaPeriod.choices)
    start = RangedDateField(_("start"))
    end = RangedDateField(_("end (exclusive)"))
    amount = models.DecimalField(
        _("amount"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )

    objects = QuotaQuerySet.as_manager()

    class Meta:
        ordering = ["-start", "id"]
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__isnull=False, team__isnull=True)
                | Q(owner__isnull=True, team__isnull=False),
                name="quota_exactly_one_of_owner_team",
            ),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="quota_end_after_start"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="quota_amount_not_negative"),
            models.UniqueConstraint(
                fields=["owner", "period", "start"],
                condition=Q(owner__isnull=False),
                name="quota_unique_per_rep_period",
                violation_error_message=_("This rep already has a quota for that period."),
            ),
            models.UniqueConstraint(
                fields=["team", "period", "start"],
                condition=Q(team__isnull=False),
                name="quota_unique_per_team_period",
                violation_error_message=_("This team already has a quota for that period."),
            ),
        ]

    def __str__(self):
        who = self.owner or self.team
        return f"{who} {self.start:%Y-%m} ({self.get_period_display()})"
