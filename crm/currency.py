"""Money of many currencies in the reporting currency, for crm's own totals.

The board's column totals, the deal list's total and My day's pipeline sum deals of many
currencies in the reporting currency. The exchange rates they need are metrics' (its
ExchangeRate model, page and API; the KPIs read them too), and crm must not import
metrics: metrics sits above crm (the import contracts in pyproject.toml). So crm names
what it needs here and metrics hands it over at start-up, from MetricsConfig.ready()
(`currency_converter_register`). Moving ExchangeRate into crm instead would have moved a
table between apps (migrations in both, for every installation) to change no behaviour.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q, Sum


@dataclass(frozen=True)
class CurrencyConverter:
    # (amount field, currency field, date field, **Sum kwargs such as filter=) → a Sum of
    # each amount at the rate of its own date; amounts without a rate count as NULL.
    converted_sum: Callable[..., Sum]
    # (currency field, date field) → a Q matching the rows that have no rate by that date.
    unconverted: Callable[[str, str], Q]
    # The rates table, for raw SQL that converts per group (crm.web.selectors): columns
    # currency, rate (units of the currency per reporting unit), valid_from (date).
    rates_table: Callable[[], str]


_converter: CurrencyConverter | None = None


def currency_converter_register(converter: CurrencyConverter) -> None:
    """Make `converter` the one crm's totals use. Called from MetricsConfig.ready()."""
    global _converter
    _converter = converter


def currency_converter() -> CurrencyConverter:
    """The registered converter; ImproperlyConfigured when no app registered one (the
    `metrics` app is missing from INSTALLED_APPS): totals must not add currencies raw."""
    if _converter is None:
        raise ImproperlyConfigured(
            "No currency converter registered: crm's money totals need the metrics app "
            "(MetricsConfig.ready registers its exchange rates)."
        )
    return _converter


def converted_sum(amount: str, currency: str, on: str, **extra: Any) -> Sum:
    """Shorthand for the registered converter's `converted_sum`."""
    return currency_converter().converted_sum(amount, currency, on, **extra)


def unconverted(currency: str, on: str) -> Q:
    """Shorthand for the registered converter's `unconverted`."""
    return currency_converter().unconverted(currency, on)
