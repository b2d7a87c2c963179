"""What a nurture campaign does (its steps and variants) and what it did (progress, sends).

The campaign row itself is `crm.Campaign` (attribution data) and the enrollment is
`automation.Enrollment`; this app adds the plan and the per-enrollment progress.
"""

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.limits import MAX_DAYS, LimitedTextField, RangedDateTimeField
from crm.models import TimeStampedModel


class CampaignPlan(TimeStampedModel):
    """Marketing settings of a campaign: its audience and whether it welcomes new contacts."""

    campaign = models.OneToOneField(
        "crm.Campaign", verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="plan"
    )
    welcome_series = models.BooleanField(
        _("welcome series"),
        default=False,
        help_text=_("Every new contact with an email address is enrolled automatically."),
    )
    audience = models.ForeignKey(
        "marketing.Segment",
        verbose_name=_("audience"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="campaign_plans",
    )

    class Meta:
        ordering = ["campaign_id"]
        verbose_name = _("campaign plan")
        verbose_name_plural = _("campaign plans")

    def __str__(self):
        return str(self.campaign)


class StepKind(models.TextChoices):
    EMAIL = "email", _("Send an email")
    WAIT = "wait", _("Wait")


class WaitUnit(models.TextChoices):
    HOURS = "hours", _("hours")
    DAYS = "days", _("days")


class CampaignStep(TimeStampedModel):
    """One step of a campaign, in `position` order (1, 2, 3, …)."""

    campaign = models.ForeignKey(
        "crm.Campaign", verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="steps"
    )
    position = models.PositiveIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=StepKind.choices)
    wait_amount = models.PositiveIntegerField(
        _("wait"), null=True, blank=True, validators=[MaxValueValidator(MAX_DAYS)]
    )
    wait_unit = models.CharField(_("unit"), max_length=10, choices=WaitUnit.choices, blank=True)

    class Meta:
        ordering = ["campaign_id", "position", "id"]
        verbose_name = _("campaign step")
        verbose_name_plural = _("campaign steps")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "position"], name="campaign_step_unique_position"
            ),
            models.CheckConstraint(
                condition=Q(kind="email") | Q(wait_amount__gte=1, wait_unit__in=WaitUnit.values),
                name="campaign_step_wait_has_duration",
            ),
        ]

    def __str__(self):
        if self.kind == StepKind.WAIT:
            return _("Wait %(n)s %(unit)s") % {
                "n": self.wait_amount,
                "unit": self.get_wait_unit_display(),
            }
        return _("Email")

    @property
    def delay(self) -> timedelta:
        if self.kind != StepKind.WAIT:
            return timedelta(0)
        if self.wait_unit == WaitUnit.HOURS:
            return timedelta(hours=self.wait_amount or 0)
        return timedelta(days=self.wait_amount or 0)


class StepVariant(TimeStampedModel):
    """The email of an email step; two or more variants make it an A/B test."""

    step = models.ForeignKey(
        CampaignStep, verbose_name=_("step"), on_delete=models.CASCADE, related_name="variants"
    )
    label = models.CharField(_("variant"), max_length=10, default="A")
    subject = models.CharField(_("subject"), max_length=300)
    body = LimitedTextField(
        _("body"),
        help_text=_(
            "Plain text with Django template tags, e.g. {{ contact.first_name }}, "
            "{% for p in purchases %}{{ p.product }}{% endfor %}, {{ discount_code }}."
        ),
    )

    class Meta:
        ordering = ["step_id", "label", "id"]
        verbose_name = _("email variant")
        verbose_name_plural = _("email variants")
        constraints = [
            models.UniqueConstraint(fields=["step", "label"], name="step_variant_unique_label")
        ]

    def __str__(self):
        return f"{self.label}: {self.subject}"


class VariantLanguage(TimeStampedModel):
    """A variant's email in one language: a contact who prefers that language gets it.

    Contacts without a version in their language get the variant's own subject and body
    (the default content).
    """

    variant = models.ForeignKey(
        StepVariant,
        verbose_name=_("variant"),
        on_delete=models.CASCADE,
        related_name="languages",
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=300)
    body = LimitedTextField(_("body"), max_length=20000)

    class Meta:
        ordering = ["variant_id", "language", "id"]
        verbose_name = _("language version")
        verbose_name_plural = _("language versions")
        constraints = [
            models.UniqueConstraint(fields=["variant", "language"], name="variant_language_unique")
        ]

    def __str__(self):
        return f"{self.variant.label} [{self.language}]: {self.subject}"


class EnrollmentProgress(models.Model):
    """Where an enrollment stands and when its next step is due.

    Due work lives here, in the database, and a beat tick every minute runs what is due:
    nothing waits in the broker for days, so a restart or a lost message loses nothing.
    The next step is the first one after `last_step` in the campaign's current order, so
    steps can be edited, inserted and reordered while enrollments run.
    """

    enrollment = models.OneToOneField(
        "automation.Enrollment",
        verbose_name=_("enrollment"),
        on_delete=models.CASCADE,
        related_name="progress",
    )
    last_step = models.ForeignKey(
        CampaignStep,
        verbose_name=_("last step done"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The last step's position when it was done: where to continue if that step is gone.
    cursor = models.PositiveIntegerField(_("last position done"), default=0)
    next_due_at = RangedDateTimeField(_("next step due"), null=True, blank=True)
    updated_at = RangedDateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["next_due_at", "id"]
        verbose_name = _("enrollment progress")
        verbose_name_plural = _("enrollment progress")
        indexes = [
            models.Index(
                fields=["next_due_at"],
                condition=Q(next_due_at__isnull=False),
                name="progress_due_idx",
            )
        ]

    def __str__(self):
        return f"{self.enrollment} @ {self.cursor}"


class EmailKind(models.TextChoices):
    CAMPAIGN = "campaign", _("Campaign email")
    DISCOUNT = "discount", _("Discount code")
    NPS = "nps", _("NPS survey")


class EmailSend(models.Model):
    """One email to one contact, rendered and recorded before it goes out.

    The unique (enrollment, step) key means a step is sent at most once per enrollment,
    however often the tick or a retry gets to it. Opens, clicks, replies and conversions
    are stamped here (first time only), which is what the A/B report counts.
    """

    kind = models.CharField(
        _("kind"), max_length=10, choices=EmailKind.choices, default=EmailKind.CAMPAIGN
    )
    contact = models.ForeignKey(
        "crm.Contact",
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        related_name="marketing_emails",
    )
    enrollment = models.ForeignKey(
        "automation.Enrollment",
        verbose_name=_("enrollment"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="email_sends",
    )
    campaign = models.ForeignKey(
        "crm.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="email_sends",
    )
    step = models.ForeignKey(
        CampaignStep,
        verbose_name=_("step"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sends",
    )
    variant = models.ForeignKey(
        StepVariant,
        verbose_name=_("variant"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sends",
    )
    variant_label = models.CharField(_("variant"), max_length=10, blank=True)
    # The language version that went out; blank: the variant's default content.
    language = models.CharField(
        _("language version"), max_length=10, blank=True, default="", db_default=""
    )
    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    # The URLs in the email, in order; click tracking redirects only to these.
    links = models.JSONField(_("links"), default=list, blank=True)
    created_at = RangedDateTimeField(_("created at"), default=timezone.now, db_index=True)
    sent_at = RangedDateTimeField(_("sent at"), null=True, blank=True)
    opened_at = RangedDateTimeField(_("opened at"), null=True, blank=True)
    clicked_at = RangedDateTimeField(_("clicked at"), null=True, blank=True)
    replied_at = RangedDateTimeField(_("replied at"), null=True, blank=True)
    converted_at = RangedDateTimeField(_("converted at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("email sent")
        verbose_name_plural = _("emails sent")
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "step"],
                condition=Q(enrollment__isnull=False, step__isnull=False),
                name="email_send_once_per_enrollment_step",
            )
        ]
        indexes = [
            models.Index(fields=["contact", "-created_at"]),
            models.Index(fields=["campaign", "variant"]),
            models.Index(
                fields=["created_at"], condition=Q(sent_at__isnull=True), name="email_unsent_idx"
            ),
        ]

    def __str__(self):
        return f"{self.to}: {self.subject}"
