"""Locale-aware display of KPI values by unit."""

from decimal import Decimal

from django import template
from django.conf import settings
from django.template.defaultfilters import floatformat
from django.utils.translation import pgettext

from crm.templatetags.crm_web import money

register = template.Library()

DECIMALS = {"percent": "1g", "days": "1g", "hours": "1g", "ratio": "2g", "score": "0g"}


@register.filter
def kpi_value(value, unit: str):
    """ "30.0 %", "$1,050.00", "12", "4.5" (grouped and with the active locale's separators)."""
    if value is None or value == "":
        return "—"
    if unit == "money":
        return money(value, settings.GOALPOST_DEFAULT_CURRENCY)
    if unit == "count":
        return floatformat(Decimal(value), "0g")
    formatted = floatformat(Decimal(value), DECIMALS.get(unit, "2g"))
    if unit != "percent":
        return formatted
    # Where the sign goes is the language's: "30,0 %" in German, "%30,0" in Turkish.
    return (pgettext("a percentage", "%(value)s %%") % {"value": formatted}).replace(" ", "\u00a0")


@register.filter
def kpi_change(value, unit: str):
    """A change without its sign (the arrow and the words carry the direction)."""
    if value is None:
        return ""
    value = abs(Decimal(value))
    if unit == "percent":
        return f"{floatformat(value, '1g')}\u00a0pp"
    return kpi_value(value, unit)


@register.filter
def percent_of_one(value):
    """A 0..1 probability as a percentage in the active locale ("40,0 %")."""
    if value is None:
        return "—"
    return kpi_value(Decimal(str(value)) * 100, "percent")
