"""`{name}` placeholders in task titles, emails and notifications (the syntax lives in
crm/placeholders.py, shared with the email templates on records)."""

from crm.placeholders import PLACEHOLDER, placeholders_fill

__all__ = ["PLACEHOLDER", "fill"]


def fill(text: str, ctx) -> str:
    return placeholders_fill(text, ctx.placeholders())
