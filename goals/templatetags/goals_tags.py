"""Template filters for goal pages: values in the KPI's unit (see goals.units)."""

from django import template

from goals import units

register = template.Library()


@register.filter
def goal_value(value, unit: str) -> str:
    return units.goal_value(value, unit)
