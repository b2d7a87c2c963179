"""Money of many currencies summed in the reporting currency, in SQL.

Each amount converts at the exchange rate valid on its own date (the `ExchangeRate` row of
its currency with the latest `valid_from` on or before that date): amount ÷ rate, since a
rate is units of the currency per 1 unit of GOALPOST_REPORTING_CURRENCY. Amounts already
in the reporting currency need no rate. An amount whose currency has no rate by its date
converts to NULL: it is left out of the sum and listed as missing, never added raw.
"""

from django.conf import settings
from django.db.models import (
    Case,
    DateTimeField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import TruncDate

from crm.currency import CurrencyConverter
from metrics.models import ExchangeRate

MONEY_FIELD = DecimalField(max_digits=30, decimal_places=10)


def reporting_currency() -> str:
    return settings.GOALPOST_REPORTING_CURRENCY


def _rates(currency: str, on: str) -> QuerySet:
    day = TruncDate(ExpressionWrapper(OuterRef(on), output_field=DateTimeField()))
    return ExchangeRate.objects.filter(currency=OuterRef(currency), valid_from__lte=day)


def converted(amount: str, currency: str, on: str):
    """SQL: `amount` in the reporting currency at the rate of the day `on`; NULL without one."""
    rate = Subquery(_rates(currency, on).order_by("-valid_from").values("rate")[:1])
    return Case(
        When(**{currency: reporting_currency()}, then=F(amount)),
        default=F(amount) / rate,
        output_field=MONEY_FIELD,
    )


def unconverted(currency: str, on: str) -> Q:
    """Rows whose amount has no rate: a foreign currency with no rate valid by `on`."""
    return ~Q(**{currency: reporting_currency()}) & Q(~Exists(_rates(currency, on)))


def converted_sum(amount: str, currency: str, on: str, **extra) -> Sum:
    return Sum(converted(amount, currency, on), output_field=MONEY_FIELD, **extra)


def missing_rates(queryset: QuerySet, *, currency: str, on: str) -> list[dict]:
    """[{"currency": "JPY", "date": date}] for the rows `converted` leaves out, by date."""
    rows = (
        queryset.filter(unconverted(currency, on))
        .annotate(_day=TruncDate(on))
        .values_list(currency, "_day")
        .distinct()
        .order_by("_day", currency)
    )
    return [{"currency": code, "date": day} for code, day in rows]


# What crm's own totals (board, deal list, My day) convert with: crm may not import this
# module, so MetricsConfig.ready() registers it (crm.currency).
CONVERTER = CurrencyConverter(
    converted_sum=converted_sum,
    unconverted=unconverted,
    rates_table=lambda: ExchangeRate._meta.db_table,
)
