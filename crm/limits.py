"""Input limits shared by the API, the browser forms and the importer.

One place for every bound a client's input must keep, so the three doors refuse the same
values with the same message and the OpenAPI schema shows what the API enforces:

- dates and timestamps between MIN_DATE and MAX_DATE (year 0001 or 9999 is a typo, and
  arithmetic on it, such as a ticket's SLA deadline, would overflow Python's datetime);
- free text no longer than MAX_TEXT_LENGTH characters (notes, replies, descriptions);
- at most MAX_TAGS_PER_RECORD tags of at most MAX_TAG_LENGTH characters on a record;
- JSON nested at most MAX_JSON_DEPTH levels, request bodies of at most
  MAX_REQUEST_BODY_BYTES (uploads: MAX_UPLOAD_REQUEST_BYTES), larger ones answer 413.

The README's "Limits" table lists these values; keep the two in step.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2999, 12, 31)

MAX_TAG_LENGTH = 60
MAX_TAGS_PER_RECORD = 50

# Notes, ticket descriptions and replies, activity notes, comments, goal plans: a long
# email pasted in fits; a megabyte of text is a mistake or an attack.
MAX_TEXT_LENGTH = 20_000

MAX_JSON_DEPTH = 32

# Django's own default for a body read into memory (2.5 MiB), stated here so the 413
# middleware and the setting agree. File uploads (imports) may be larger.
MAX_REQUEST_BODY_BYTES = 2_621_440
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
# The file plus the multipart envelope and the form's other fields.
MAX_UPLOAD_REQUEST_BYTES = MAX_UPLOAD_BYTES + 1024 * 1024

# Hours and days that feed date arithmetic (SLA targets, campaign waits, decay windows).
MAX_HOURS = 24 * 366
MAX_DAYS = 3660


def as_date(value) -> date | None:
    """The calendar day of a date or datetime (aware ones in local time); None otherwise."""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    if isinstance(value, date):
        return value
    return None


@deconstructible
class DateRangeValidator:
    """Refuses a date or datetime outside MIN_DATE..MAX_DATE (inclusive, in local time).

    Raises ValidationError with code "date_out_of_range"; other types pass untouched
    (the field's own parsing refuses them).
    """

    code = "date_out_of_range"

    def __call__(self, value) -> None:
        day = as_date(value)
        if day is not None and not MIN_DATE <= day <= MAX_DATE:
            raise ValidationError(date_range_message(), code=self.code)

    def __eq__(self, other) -> bool:
        return isinstance(other, DateRangeValidator)

    def __hash__(self) -> int:
        return hash(self.code)


def date_range_message() -> str:
    """The one sentence every door shows for a date outside the range."""
    return _("Enter a date between %(min)s and %(max)s.") % {
        "min": MIN_DATE.isoformat(),
        "max": MAX_DATE.isoformat(),
    }


date_in_range = DateRangeValidator()


class RangedDateField(models.DateField):
    """A DateField whose values must lie within MIN_DATE..MAX_DATE.

    Model forms, model serializers and `full_clean` (services, the importer) all run the
    field's validators, so one declaration covers every door.
    """

    default_validators = [date_in_range]


class RangedDateTimeField(models.DateTimeField):
    """A DateTimeField whose values must fall on a day within MIN_DATE..MAX_DATE."""

    default_validators = [date_in_range]


class LimitedTextField(models.TextField):
    """A TextField of at most `max_length` characters (MAX_TEXT_LENGTH by default).

    Django's TextField passes `max_length` to its form field and DRF to its serializer
    field (and so to OpenAPI's maxLength), but the model itself does not check it; the
    validator added here makes `full_clean` refuse it too.
    """

    def __init__(self, *args, max_length: int = MAX_TEXT_LENGTH, **kwargs):
        # *args are verbose_name and name only, never a max_length.
        super().__init__(*args, max_length=max_length, **kwargs)  # type: ignore[misc]

    @cached_property
    def validators(self):
        return [*super().validators, MaxLengthValidator(self.max_length)]


def tags_check(names: list[str]) -> None:
    """Refuse more than MAX_TAGS_PER_RECORD tag names, or a name over MAX_TAG_LENGTH.

    `names` are already stripped and without duplicates. Raises ValidationError (codes
    "too_many_tags", "tag_too_long") naming the limit; the caller keys it to its field.
    """
    if len(names) > MAX_TAGS_PER_RECORD:
        raise ValidationError(
            ngettext(
                "At most %(max)s tag per record (this has %(n)s).",
                "At most %(max)s tags per record (this has %(n)s).",
                MAX_TAGS_PER_RECORD,
            )
            % {"max": MAX_TAGS_PER_RECORD, "n": len(names)},
            code="too_many_tags",
        )
    too_long = next((name for name in names if len(name) > MAX_TAG_LENGTH), None)
    if too_long is not None:
        raise ValidationError(
            _("A tag has at most %(max)s characters (“%(tag)s…” has %(n)s).")
            % {"max": MAX_TAG_LENGTH, "tag": too_long[:20], "n": len(too_long)},
            code="tag_too_long",
        )
