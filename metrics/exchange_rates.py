"""Exchange rates: the services that write them, for the API, the browser page and CSV.

A rate is `rate` units of `currency` per 1 unit of GOALPOST_REPORTING_CURRENCY, valid from
`valid_from` until the next row of that currency (metrics.currency reads them).
Errors: django.core.exceptions.ValidationError with field errors ({field: [message]}).
"""

import csv
import io
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from metrics.currency import reporting_currency
from metrics.models import ExchangeRate

CSV_COLUMNS = ("currency", "rate", "valid_from")
MAX_CSV_ROWS = 10_000


def clean_currency(value) -> str:
    code = str(value or "").strip().upper()
    if not (len(code) == 3 and code.isascii() and code.isalpha()):
        raise ValidationError({"currency": [_("Use a three-letter ISO 4217 code such as USD.")]})
    if code == reporting_currency():
        raise ValidationError(
            {"currency": [_("Amounts in the reporting currency need no exchange rate.")]}
        )
    return code


def clean_rate(value) -> Decimal:
    try:
        rate = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        rate = None
    if rate is None or not rate.is_finite() or rate <= 0 or rate >= Decimal("1e12"):
        raise ValidationError({"rate": [_("Enter a positive number such as 0.9.")]})
    return rate


def clean_valid_from(value) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(
            {"valid_from": [_("Enter a date as YYYY-MM-DD, e.g. 2018-01-01.")]}
        ) from None


def _duplicate() -> ValidationError:
    return ValidationError({"valid_from": [_("This currency already has a rate from this day.")]})


@transaction.atomic
def exchange_rate_save(
    *, rate: ExchangeRate | None = None, currency, value, valid_from
) -> ExchangeRate:
    """Create (`rate=None`) or change an exchange rate; field errors as ValidationError."""
    errors = {}
    cleaned = {}
    for name, cleaner, raw in (
        ("currency", clean_currency, currency),
        ("rate", clean_rate, value),
        ("valid_from", clean_valid_from, valid_from),
    ):
        try:
            cleaned[name] = cleaner(raw)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    row = rate or ExchangeRate()
    for name, val in cleaned.items():
        setattr(row, name, val)
    clash = ExchangeRate.objects.filter(currency=row.currency, valid_from=row.valid_from).exclude(
        pk=row.pk
    )
    if clash.exists():
        raise _duplicate()
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise _duplicate() from None
    return row


def exchange_rate_delete(*, rate: ExchangeRate) -> None:
    rate.delete()


@transaction.atomic
def exchange_rates_import(*, text: str) -> int:
    """Create or update rates from CSV `currency,rate,valid_from` (header row required).

    All rows or none: any bad row raises ValidationError({"file": ["Row N: …", …]}).
    A row for an existing (currency, valid_from) replaces its rate. Returns rows written.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    if not set(CSV_COLUMNS) <= set(header):
        raise ValidationError(
            {"file": [_("The first row must name the columns currency, rate, valid_from.")]}
        )
    reader.fieldnames = header
    errors, seen, cleaned = [], set(), []
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_CSV_ROWS:
            errors.append(_("More than %(n)s rows: split the file.") % {"n": MAX_CSV_ROWS})
            break
        try:
            row = (
                clean_currency(raw.get("currency")),
                clean_rate(raw.get("rate")),
                clean_valid_from(raw.get("valid_from")),
            )
        except ValidationError as error:
            messages = [m for ms in error.message_dict.values() for m in ms]
            errors.append(
                _("Row %(row)s: %(errors)s") % {"row": number, "errors": " ".join(messages)}
            )
            continue
        key = (row[0], row[2])
        if key in seen:
            errors.append(
                _("Row %(row)s: %(errors)s")
                % {"row": number, "errors": _("This currency already has a rate from this day.")}
            )
            continue
        seen.add(key)
        cleaned.append(row)
    if errors:
        raise ValidationError({"file": errors})
    if not cleaned:
        raise ValidationError({"file": [_("The file has no rows.")]})
    for currency, value, valid_from in cleaned:
        ExchangeRate.objects.update_or_create(
            currency=currency, valid_from=valid_from, defaults={"rate": value}
        )
    return len(cleaned)
