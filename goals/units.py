"""A goal's numbers in its KPI's unit, through the active locale.

Money with the currency, rates with the language's percent sign, durations with "days" or
"h"; counts, ratios and scores as locale-formatted numbers. The metrics app's `kpi_value`
formats the number; this adds the duration words a goal's reader needs, since a goal shows
one value on its own where the dashboard has a column heading saying "days".
"""

from decimal import Decimal, InvalidOperation

from django.template.defaultfilters import floatformat
from django.utils.translation import ngettext, pgettext

from metrics.templatetags.metrics_tags import kpi_change, kpi_value


def _with_duration(formatted: str, value, unit: str) -> str:
    if unit == "days":
        try:
            whole = abs(Decimal(value))
        except (InvalidOperation, TypeError, ValueError):
            return formatted
        count = 1 if whole == 1 else 2  # 1.5 days, 0.5 days: plural
        return ngettext("%(value)s day", "%(value)s days", count) % {"value": formatted}
    if unit == "hours":
        return pgettext("a duration in hours", "%(value)s h") % {"value": formatted}
    return formatted


def goal_value(value, unit: str) -> str:
    """ "$68,798.00", "1.5 %", "53.5 days", "12" — or "—" when there is no value."""
    if value is None or value == "":
        return kpi_value(value, unit)
    if unit in ("days", "hours"):  # "2 days", "53.5 days": no ".0" on a whole duration
        return _with_duration(floatformat(Decimal(value), "-1g"), value, unit)
    return kpi_value(value, unit)


def goal_change(value, unit: str) -> str:
    """A change or rate without its sign: "0.4 pp", "$120.00", "3 days"."""
    if value is None:
        return ""
    return _with_duration(kpi_change(value, unit), abs(Decimal(value)), unit)


def change_value(field: str, stored: str, *, unit: str) -> str:
    """A value kept in a goal's history ("68798", "2027-03-01", "rep:3", "churn_rate") as a
    reader would write it ("$68,798.00", "03/01/2027", "Ji-woo Park", "Churn rate")."""
    from datetime import date

    from django.utils.formats import date_format

    from goals import kpi_source, selectors

    if stored in (None, ""):
        return "—"
    if field in ("target", "baseline"):
        try:
            return goal_value(Decimal(stored), unit)
        except InvalidOperation:
            return stored
    if field in ("deadline", "start_date"):
        try:
            return date_format(date.fromisoformat(stored), "SHORT_DATE_FORMAT")
        except ValueError:
            return stored
    if field == "kpi":
        info = kpi_source.kpi_info(stored)
        return info.name if info else stored
    if field == "scope":
        scope_type, _sep, scope_id = stored.partition(":")
        return selectors.scope_name(scope_type, int(scope_id) if scope_id.isdigit() else None)
    return stored


def change_field_label(field: str) -> str:
    """ "Target" for "target": the history names the field as the form does."""
    from django.core.exceptions import FieldDoesNotExist

    from goals.models import Goal

    if field == "scope":
        return str(Goal._meta.get_field("scope_type").verbose_name).capitalize()
    try:
        # A reverse relation has no verbose_name of its own: its name stands in.
        model_field = Goal._meta.get_field(field)
        return str(getattr(model_field, "verbose_name", field)).capitalize()
    except FieldDoesNotExist:
        return field
