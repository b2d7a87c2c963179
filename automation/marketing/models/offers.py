from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.limits import RangedDateField, RangedDateTimeField


class DiscountReason(models.TextChoices):
    REPEAT_PURCHASE = "repeat_purchase", _("Repeat purchase")
    ANNIVERSARY = "anniversary", _("Customer anniversary")
    CAMPAIGN = "campaign", _("Campaign")
    MANUAL = "manual", _("Given by hand")


class DiscountCode(models.Model):
    """A single-use code for one contact; `key` makes issuing idempotent (one per occasion)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    contact = models.ForeignKey(
        "crm.Contact",
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        related_name="discount_codes",
    )
    reason = models.CharField(_("reason"), max_length=20, choices=DiscountReason.choices)
    # e.g. "anniversary:2025" or "rule:3:event:99"; one code per contact and key.
    key = models.CharField(_("occasion"), max_length=100)
    percent_off = models.PositiveSmallIntegerField(
        _("percent off"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    expires_on = RangedDateField(_("expires on"), null=True, blank=True)
    email = models.ForeignKey(
        "marketing.EmailSend",
        verbose_name=_("email"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = RangedDateTimeField(_("created at"), default=timezone.now)
    redeemed_at = RangedDateTimeField(_("redeemed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("discount code")
        verbose_name_plural = _("discount codes")
        constraints = [
            models.UniqueConstraint(fields=["contact", "key"], name="discount_once_per_occasion"),
            models.CheckConstraint(
                condition=Q(percent_off__gte=1, percent_off__lte=100),
                name="discount_percent_in_range",
            ),
        ]

    def __str__(self):
        return self.code


class NpsSurvey(models.Model):
    """An NPS invitation: a secret token whose public page records one response until expiry."""

    contact = models.ForeignKey(
        "crm.Contact",
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        related_name="nps_surveys",
    )
    token = models.CharField(_("token"), max_length=64, unique=True)
    scale = models.PositiveSmallIntegerField(
        _("scale"), choices=[(10, _("0–10")), (5, _("1–5"))], default=10
    )
    created_at = RangedDateTimeField(_("sent at"), default=timezone.now)
    expires_at = RangedDateTimeField(_("expires at"))
    responded_at = RangedDateTimeField(_("answered at"), null=True, blank=True)
    response = models.OneToOneField(
        "crm.NpsResponse",
        verbose_name=_("response"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey",
    )
    email = models.ForeignKey(
        "marketing.EmailSend",
        verbose_name=_("email"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sent_by = models.ForeignKey(
        "crm.User",
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("NPS survey")
        verbose_name_plural = _("NPS surveys")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="nps_survey_expires_after_sent"
            )
        ]

    def __str__(self):
        return f"{self.contact} · {self.created_at:%Y-%m-%d}"
