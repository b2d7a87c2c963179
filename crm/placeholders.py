"""`{name}` placeholders in task titles, rule emails, notifications and email templates.

A plain substitution from a fixed list, not a template language: the text people write
can neither reach attributes nor run code. An unknown name stays as it was typed, so a
typo shows in the preview instead of vanishing.
"""

import re

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def placeholders_fill(text: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
