"""The formula guard: text a spreadsheet would run is written with a leading `'`.

Exports quote a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
(CSV injection), and imports take that one quote off again, so "@Home Interiors" survives
an export and a re-import unchanged. A value that already starts with a quote followed by
such a character gets one more quote on export, so the import's undo is exact for every
value.
"""

import re
from typing import TypeVar

_V = TypeVar("_V")

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[\d\s().,/-]+")
# The first characters of every text neutralise_cell changes: a cheap check before it.
GUARDED_FIRST_CHARACTERS = frozenset((*_FORMULA_START, "'"))


def _needs_guard(value: str) -> bool:
    if value[:1] == "'":
        return _needs_guard(value[1:])
    if value[:1] not in _FORMULA_START:
        return False
    # Phone numbers and signed numbers ("+49 30 1234", "-5") are not formulas.
    return not _PLAIN_NUMBER.fullmatch(value)


def neutralise_cell(value: _V) -> _V | str:
    """Quote text a spreadsheet would run as a formula (CSV injection)."""
    if isinstance(value, str) and _needs_guard(value):
        return f"'{value}"
    return value


def restore_cell(value: str) -> str:
    """Undo `neutralise_cell`: "'@Home" → "@Home"; "'hello" stays as the person typed it."""
    if value[:1] == "'" and _needs_guard(value[1:]):
        return value[1:]
    return value
