from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm.limits import LimitedTextField, RangedDateField, RangedDateTimeField

from .base import TimeStampedModel


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self):
        return self.name


class Company(TimeStampedModel):
    name = models.CharField(_("name"), max_length=200)
    domain = models.CharField(_("domain"), max_length=200, blank=True, db_index=True)
    industry = models.CharField(_("industry"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = LimitedTextField(_("address"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="companies",
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        # Every default ordering has its index: a list's first page reads it, not a sort.
        indexes = [
            models.Index(fields=["name", "id"], name="company_default_order_idx"),
            # The importer finds a file's companies by name, letter case ignored.
            models.Index(Lower("name"), name="company_name_lower_idx"),
        ]

    def __str__(self):
        return self.name


class Lifecycle(models.TextChoices):
    LEAD = "lead", _("Lead")
    PROSPECT = "prospect", _("Prospect")
    CUSTOMER = "customer", _("Customer")
    CHURNED = "churned", _("Churned")


class Source(models.TextChoices):
    WEBSITE = "website", _("Website")
    REFERRAL = "referral", _("Referral")
    EVENT = "event", _("Event")
    ADVERTISING = "advertising", _("Advertising")
    EMAIL = "email", _("Email")
    SOCIAL = "social", _("Social media")
    COLD_OUTREACH = "cold_outreach", _("Cold outreach")
    PARTNER = "partner", _("Partner")
    IMPORT = "import", _("Import")
    OTHER = "other", _("Other")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNDISCLOSED = "undisclosed", _("Prefer not to say")


class MaritalStatus(models.TextChoices):
    SINGLE = "single", _("Single")
    MARRIED = "married", _("Married")
    DIVORCED = "divorced", _("Divorced")
    WIDOWED = "widowed", _("Widowed")


class IncomeBand(models.TextChoices):
    LOW = "low", _("Low")
    MIDDLE = "middle", _("Middle")
    UPPER_MIDDLE = "upper_middle", _("Upper middle")
    HIGH = "high", _("High")


class Education(models.TextChoices):
    SECONDARY = "secondary", _("Secondary school")
    VOCATIONAL = "vocational", _("Vocational")
    BACHELOR = "bachelor", _("Bachelor's degree")
    MASTER = "master", _("Master's degree")
    DOCTORATE = "doctorate", _("Doctorate")


class ContactQuerySet(models.QuerySet):
    def customers_at(self, moment):
        """Contacts who were customers at `moment`: a spell began before it, not ended before."""
        return self.filter(
            models.Exists(
                CustomerSpell.objects.active_at(moment).filter(contact=models.OuterRef("pk"))
            )
        )


class Contact(TimeStampedModel):
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
    )
    lifecycle = models.CharField(
        _("lifecycle"), max_length=20, choices=Lifecycle.choices, default=Lifecycle.LEAD
    )
    customer_since = RangedDateTimeField(_("customer since"), null=True, blank=True)
    churned_at = RangedDateTimeField(_("churned at"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=30, choices=Source.choices, blank=True)
    referred_by = models.ForeignKey(
        "self",
        verbose_name=_("referred by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referred_contacts",
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="contacts")
    opted_out = models.BooleanField(
        _("opted out of email"),
        default=False,
        help_text=_(
            "Every email send honours this flag and the suppression list, which holds "
            "the address itself (for every contact with it)."
        ),
    )
    # Blank: the site's default language (settings.LANGUAGE_CODE).
    language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        # A row written by older code or raw SQL (a deploy in progress) is valid too.
        default="",
        db_default="",
        help_text=_("The language of the email Goalpost sends this contact."),
    )
    # Demographics used by lead scoring; all optional.
    birth_date = RangedDateField(_("birth date"), null=True, blank=True)
    occupation = models.CharField(_("occupation"), max_length=120, blank=True)
    gender = models.CharField(_("gender"), max_length=20, choices=Gender.choices, blank=True)
    marital_status = models.CharField(
        _("marital status"), max_length=20, choices=MaritalStatus.choices, blank=True
    )
    income_band = models.CharField(
        _("income band"), max_length=20, choices=IncomeBand.choices, blank=True
    )
    education = models.CharField(
        _("education"), max_length=20, choices=Education.choices, blank=True
    )

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(fields=["lifecycle"]),
            models.Index(fields=["customer_since"]),
            models.Index(fields=["churned_at"]),
            models.Index(
                fields=["last_name", "first_name", "id"], name="contact_default_order_idx"
            ),
            # A rep's rows joined to their contacts (interactions) are counted by
            # hashing the rep's contact ids: read from this index alone, not from 16,000
            # heap pages at 1,000,000 contacts (crm.counting).
            models.Index(fields=["owner", "id"], name="contact_owner_id_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(churned_at__isnull=True)
                | Q(customer_since__isnull=True)
                | Q(churned_at__gte=F("customer_since")),
                name="contact_churned_after_customer_since",
            ),
            models.CheckConstraint(
                condition=~Q(referred_by=F("id")), name="contact_not_referred_by_self"
            ),
            # One contact per address, compared case-insensitively (a blank one is none).
            models.UniqueConstraint(
                Lower("email"),
                condition=~Q(email=""),
                name="contact_email_unique_ci",
                violation_error_message=_("Another contact already has this email address."),
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class CustomerSpellQuerySet(models.QuerySet):
    def active_at(self, moment):
        """Spells under way at `moment` (begun before it, not ended before it)."""
        return self.filter(
            Q(started_at__lt=moment), Q(ended_at__isnull=True) | Q(ended_at__gte=moment)
        )


class CustomerSpell(models.Model):
    """One row per spell of a contact as a customer: became one, churned (or still one).

    Kept like deal stage history (`StageChange`): a re-activation opens a new spell and the
    earlier churn stays; the earliest purchase moves the first spell's start back. Spells of
    one contact do not overlap; `first` marks the one that made them a customer at all.
    `Contact.customer_since` / `churned_at` are derived from these rows
    (crm.services.spells).
    """

    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="customer_spells"
    )
    started_at = RangedDateTimeField(_("customer from"))
    ended_at = RangedDateTimeField(_("churned at"), null=True, blank=True)
    first = models.BooleanField(_("first spell"), default=False)

    objects = CustomerSpellQuerySet.as_manager()

    class Meta:
        ordering = ["contact", "started_at", "id"]
        verbose_name = _("customer spell")
        verbose_name_plural = _("customer spells")
        indexes = [
            models.Index(fields=["contact", "started_at"]),
            models.Index(fields=["started_at", "ended_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="customer_spell_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["contact"], condition=Q(first=True), name="customer_spell_one_first"
            ),
        ]

    def __str__(self):
        return f"{self.contact_id}: {self.started_at:%Y-%m-%d} – {self.ended_at or ''}"


class InteractionKind(models.TextChoices):
    WEBSITE_VISIT = "website_visit", _("Website visit")
    FORM_SUBMISSION = "form_submission", _("Form submission")
    CONTENT_DOWNLOAD = "content_download", _("Content download")
    EMAIL_OPENED = "email_opened", _("Email opened")
    EMAIL_REPLIED = "email_replied", _("Email replied")
    PURCHASE = "purchase", _("Purchase")


class Interaction(models.Model):
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="interactions"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=InteractionKind.choices)
    url = models.URLField(_("URL"), max_length=500, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    occurred_at = RangedDateTimeField(_("occurred at"), db_index=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")

    def __str__(self):
        return f"{self.get_kind_display()} · {self.contact}"


class Referral(models.Model):
    referrer = models.ForeignKey(
        Contact, verbose_name=_("referrer"), on_delete=models.CASCADE, related_name="referrals_made"
    )
    referred = models.ForeignKey(
        Contact,
        verbose_name=_("referred contact"),
        on_delete=models.CASCADE,
        related_name="referrals_received",
    )
    referred_on = RangedDateField(_("date"), db_index=True)

    class Meta:
        ordering = ["-referred_on", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.UniqueConstraint(fields=["referrer", "referred"], name="referral_unique_pair"),
            models.CheckConstraint(condition=~Q(referrer=F("referred")), name="referral_not_self"),
        ]

    def __str__(self):
        return f"{self.referrer} → {self.referred}"


class Campaign(TimeStampedModel):
    """A marketing campaign: what leads, purchases and spend are attributed to.

    It lives in the core domain because attribution is CRM data; the automation app adds
    the nurture steps and enrollments that run a campaign.
    """

    name = models.CharField(_("name"), max_length=200, unique=True)
    channel = models.CharField(_("channel"), max_length=60, blank=True)
    description = LimitedTextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    starts_on = RangedDateField(_("starts on"), null=True, blank=True)
    ends_on = RangedDateField(_("ends on"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="campaigns",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="campaign_ends_after_start",
            )
        ]

    def __str__(self):
        # The shipped Nurture campaign is named by a msgid; a user's name comes back as is.
        return gettext(self.name)
