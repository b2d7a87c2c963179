"""`{name}` placeholders in task titles, emails and notifications.

A plain substitution from a fixed list, not a template language: marketing's text can
neither reach attributes nor run code.
"""

import re

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill(text: str, ctx) -> str:
    values = ctx.placeholders()
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
