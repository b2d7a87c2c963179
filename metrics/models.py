from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.limits import RangedDateField, RangedDateTimeField
from metrics.scopes import Scope, ScopeType


class KpiSnapshotQuerySet(models.QuerySet["KpiSnapshot"]):
    def for_scope(self, scope: Scope) -> "KpiSnapshotQuerySet":
        return self.filter(scope_type=scope.type, scope_id=scope.snapshot_id)

    def latest_for(self, kpi: str, scope):
        return self.for_scope(scope).filter(kpi=kpi).order_by("-date").first()


class KpiSnapshot(models.Model):
    """One KPI's value for one scope, measured over the window ending with `date`.

    The window is the KPI_SNAPSHOT_WINDOW_DAYS (30) days up to and including `date`:
    `[date - 29 days, date + 1 day)`. Company-wide rows have scope_id 0 so that the
    unique key (kpi, scope_type, scope_id, date) holds without NULLs.
    """

    kpi = models.CharField(_("KPI"), max_length=64)
    scope_type = models.CharField(_("scope type"), max_length=20, choices=ScopeType.CHOICES)
    scope_id = models.PositiveBigIntegerField(_("scope id"), default=0)
    date = RangedDateField(_("date"))
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4, null=True)
    numerator = models.DecimalField(_("numerator"), max_digits=20, decimal_places=4, null=True)
    denominator = models.DecimalField(_("denominator"), max_digits=20, decimal_places=4, null=True)
    window_days = models.PositiveSmallIntegerField(_("window (days)"), default=30)
    definition_version = models.PositiveSmallIntegerField(_("definition version"), default=1)
    computed_at = RangedDateTimeField(_("computed at"), default=timezone.now)

    objects = KpiSnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["kpi", "scope_type", "scope_id", "date"]
        verbose_name = _("KPI snapshot")
        verbose_name_plural = _("KPI snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "scope_type", "scope_id", "date"], name="kpi_snapshot_unique_day"
            ),
        ]
        indexes = [models.Index(fields=["scope_type", "scope_id", "date"])]

    def __str__(self):
        return f"{self.kpi} · {self.scope_type}:{self.scope_id} · {self.date}"


class KpiWindow(models.Model):
    """Scratch rows of a history backfill: the windows whose KPIs one statement computes.

    metrics.history writes one row per snapshot day of a run, joins every KPI aggregate
    to them in SQL (one statement per aggregate for all the days) and deletes them in the
    same transaction; nothing reads them afterwards.
    """

    run = models.UUIDField(_("run"), db_index=True)
    day = RangedDateField(_("day"))
    start = RangedDateField(_("start"))
    end = RangedDateField(_("end"))
    start_at = RangedDateTimeField(_("start at"))
    end_at = RangedDateTimeField(_("end at"))
    # The 12 months ending with `end` (Period.trailing_year), for CLV.
    year_start = RangedDateField(_("year start"))
    year_start_at = RangedDateTimeField(_("year start at"))

    class Meta:
        ordering = ["run", "day"]
        verbose_name = _("KPI window")
        verbose_name_plural = _("KPI windows")
        constraints = [models.UniqueConstraint(fields=["run", "day"], name="kpi_window_unique_day")]

    def __str__(self):
        return f"{self.run} · {self.day}"


class ExchangeRate(models.Model):
    """`rate` units of `currency` buy 1 unit of GOALPOST_REPORTING_CURRENCY from `valid_from`.

    A rate holds until the next row of the same currency; an amount dated D converts at the
    row with the latest `valid_from` <= D (metrics.currency). EUR 0.9 means 900 EUR = 1000 USD
    when USD is the reporting currency.
    """

    currency = models.CharField(_("currency"), max_length=3)
    rate = models.DecimalField(
        _("rate"),
        max_digits=20,
        decimal_places=8,
        validators=[MinValueValidator(Decimal("0.00000001"))],
        help_text=_("Units of this currency per 1 unit of the reporting currency."),
    )
    valid_from = RangedDateField(_("valid from"))

    class Meta:
        ordering = ["currency", "-valid_from"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "valid_from"], name="exchange_rate_unique_day"
            ),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="exchange_rate_positive"),
        ]

    def __str__(self):
        return f"{self.currency} {self.rate} · {self.valid_from}"


class ForecastSnapshot(models.Model):
    """What the pipeline forecast said on `taken_on` for one period of one scope.

    Stored nightly (metrics.forecast.accuracy) for the current and coming periods, so that
    once a period has ended its forecasts can be held against what was won. Company-wide
    rows have scope_id 0, like KPI snapshots.
    """

    taken_on = RangedDateField(_("taken on"))
    period_kind = models.CharField(_("period"), max_length=10)
    period_start = RangedDateField(_("period start"))
    scope_type = models.CharField(_("scope type"), max_length=20, choices=ScopeType.CHOICES)
    scope_id = models.PositiveBigIntegerField(_("scope id"), default=0)
    forecast = models.DecimalField(_("forecast"), max_digits=20, decimal_places=2)
    low = models.DecimalField(_("low"), max_digits=20, decimal_places=2)
    high = models.DecimalField(_("high"), max_digits=20, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)

    class Meta:
        ordering = ["period_start", "taken_on"]
        verbose_name = _("forecast snapshot")
        verbose_name_plural = _("forecast snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["taken_on", "period_kind", "period_start", "scope_type", "scope_id"],
                name="forecast_snapshot_unique_day",
            ),
        ]
        indexes = [models.Index(fields=["scope_type", "scope_id", "period_kind", "period_start"])]

    def __str__(self):
        return f"{self.scope_type}:{self.scope_id} · {self.period_start} · {self.taken_on}"
