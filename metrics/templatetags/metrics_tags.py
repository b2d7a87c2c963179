"""Locale-aware display of KPI values by unit."""

from decimal import Decimal

from django import template
from django.conf import settings
from django.template.defaultfilters import floatformat
from django.utils.translation import pgettext

from crm.templatetags.crm_web import money, percent

register = template.Library()

DECIMALS = {"days": "1g", "hours": "1g", "ratio": "2g", "score": "0g"}


@register.filter
def kpi_value(value, unit: str):
    """ "30.0 %", "$1,050.00", "12", "4.5" (grouped and with the active locale's separators)."""
    if value is None or value == "":
        return "—"
    if unit == "money":
        return money(value, settings.GOALPOST_DEFAULT_CURRENCY)
    if unit == "count":
        return floatformat(Decimal(value), "0g")
    if unit == "percent":
        # Where the sign goes is the language's: "30,0 %" in German, "%30,0" in Turkish.
        return percent(value, 1)
    return floatformat(Decimal(value), DECIMALS.get(unit, "2g"))


@register.filter
def kpi_change(value, unit: str):
    """A change without its sign (the arrow and the words carry the direction)."""
    if value is None:
        return ""
    value = abs(Decimal(value))
    if unit == "percent":
        # Percentage points: "1.5 pp", "1,5 Pp.", "1.5%p" (Korean).
        change = pgettext("a change in percentage points", "%(value)s pp")
        return (change % {"value": floatformat(value, "1g")}).replace(" ", "\u00a0")
    return kpi_value(value, unit)


@register.filter
def percent_of_one(value):
    """A 0..1 probability as a percentage in the active locale ("40,0 %")."""
    if value is None:
        return "—"
    return kpi_value(Decimal(str(value)) * 100, "percent")
