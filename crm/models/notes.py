from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.limits import RangedDateTimeField

from .base import TimeStampedModel
from .contacts import Company, Contact
from .sales import Deal
from .support import Ticket

# Long enough for minutes of a meeting, short enough that nobody pastes a file into one.
NOTE_MAX_LENGTH = 10_000
# The records a note can belong to, each an explicit nullable foreign key: the database
# keeps them honest (cascades, joins, indexes), which a generic relation would not.
NOTE_RECORD_FIELDS = ("deal", "contact", "company", "ticket")


def _exactly_one_record() -> Q:
    condition = Q()
    for field in NOTE_RECORD_FIELDS:
        only_this = Q(**{f"{field}__isnull": False})
        for other in NOTE_RECORD_FIELDS:
            if other != field:
                only_this &= Q(**{f"{other}__isnull": True})
        condition |= only_this
    return condition


class Note(TimeStampedModel):
    """Free text a person wrote about a deal, contact, company or ticket."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notes",
    )
    body = models.TextField(
        _("note"), max_length=NOTE_MAX_LENGTH, validators=[MaxLengthValidator(NOTE_MAX_LENGTH)]
    )
    pinned = models.BooleanField(_("pinned"), default=False)
    # Set when the text changes after it was written (pinning is not an edit).
    edited_at = RangedDateTimeField(_("edited at"), null=True, blank=True)
    deal = models.ForeignKey(
        Deal,
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notes",
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notes",
    )
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notes",
    )
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notes",
    )

    class Meta:
        ordering = ["-pinned", "-created_at", "-id"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        constraints = [
            models.CheckConstraint(
                condition=_exactly_one_record(),
                name="note_on_exactly_one_record",
                violation_error_message=_(
                    "A note belongs to exactly one deal, contact, company or ticket."
                ),
            ),
        ]

    def __str__(self):
        text = " ".join(self.body.split())
        return text if len(text) <= 60 else f"{text[:59]}…"

    @property
    def record(self):
        """The deal, contact, company or ticket this note is about."""
        for field in NOTE_RECORD_FIELDS:
            if getattr(self, f"{field}_id") is not None:
                return getattr(self, field)
        return None

    @property
    def record_field(self) -> str:
        for field in NOTE_RECORD_FIELDS:
            if getattr(self, f"{field}_id") is not None:
                return field
        return ""
