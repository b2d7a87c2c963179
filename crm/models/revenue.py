from decimal import Decimal
from typing import Self

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.limits import RangedDateField, RangedDateTimeField

from .contacts import Campaign, Company, Contact
from .sales import Deal


class PurchaseQuerySet(models.QuerySet):
    def reversed(self) -> Self:
        return self.filter(reversed_at__isnull=False)


# The plugin cannot follow a from_queryset() call written inline as a base class.
class ActivePurchaseManager(models.Manager.from_queryset(PurchaseQuerySet)):  # type: ignore[misc]
    """Revenue: purchases that stand. A purchase reversed with its cause (a won deal
    reopened) is kept as history, reachable through `Purchase.history`, and counts nowhere."""

    def get_queryset(self):
        return super().get_queryset().filter(reversed_at__isnull=True)


class Purchase(models.Model):
    contact = models.ForeignKey(
        Contact, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="purchases"
    )
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="purchases",
    )
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    purchased_at = RangedDateTimeField(_("purchased at"), db_index=True)
    product = models.CharField(_("product"), max_length=200, blank=True)
    category = models.CharField(_("product category"), max_length=120, blank=True)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="purchases",
    )
    # One standing purchase per won deal: winning twice (a retry) cannot double revenue;
    # reopening the deal reverses it, and winning it again records a new one.
    deal = models.ForeignKey(
        Deal,
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="purchases",
    )
    reversed_at = RangedDateTimeField(_("reversed at"), null=True, blank=True)
    reversal_reason = models.CharField(_("reversal reason"), max_length=200, blank=True)
    # What the buyer was before this purchase made them a customer (null when they already
    # were one), so reversing it can undo the customer spell it opened.
    contact_before = models.JSONField(_("contact before"), null=True, blank=True)

    objects = ActivePurchaseManager()
    history = models.Manager.from_queryset(PurchaseQuerySet)()

    class Meta:
        ordering = ["-purchased_at", "-id"]
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")
        indexes = [models.Index(fields=["contact", "purchased_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="purchase_amount_not_negative"),
            models.UniqueConstraint(
                fields=["deal"],
                condition=Q(reversed_at__isnull=True),
                name="purchase_one_standing_per_deal",
                violation_error_message=_("This deal already has a purchase."),
            ),
        ]

    def __str__(self):
        return f"{self.contact} · {self.amount} {self.currency}"


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RENEWED = "renewed", _("Renewed")
    CANCELLED = "cancelled", _("Cancelled")


class Subscription(models.Model):
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="subscriptions",
    )
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subscriptions",
    )
    plan = models.CharField(_("plan"), max_length=120)
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    started_at = RangedDateTimeField(_("started at"))
    renewal_due = RangedDateField(_("renewal due"), db_index=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=SubscriptionStatus.choices,
        default=SubscriptionStatus.ACTIVE,
    )
    renewed_at = RangedDateTimeField(_("renewed at"), null=True, blank=True)
    cancelled_at = RangedDateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        ordering = ["renewal_due", "id"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="subscription_amount_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.contact} · {self.plan}"


class SpendCategory(models.TextChoices):
    MARKETING = "marketing", _("Marketing")
    SALES = "sales", _("Sales")


class Spend(models.Model):
    """The cost side of CAC: what marketing and sales spent in a month."""

    month = RangedDateField(_("month"), help_text=_("The first day of the month."))
    category = models.CharField(_("category"), max_length=20, choices=SpendCategory.choices)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="spend",
    )
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-month", "category", "id"]
        verbose_name = _("spend")
        verbose_name_plural = _("spend")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="spend_amount_not_negative"),
            models.CheckConstraint(condition=Q(month__day=1), name="spend_month_first_day"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} · {self.get_category_display()} · {self.amount}"
