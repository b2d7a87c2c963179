"""Guessing which column of a spreadsheet feeds which field."""

import difflib
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .schema import FIELDS_BY_KIND, ImportField, fields_for, required_field_groups

# Turkish dotless i, German sharp s and similar letters NFKD does not decompose.
_FOLD = str.maketrans({"ı": "i", "ß": "ss", "ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ł": "l"})
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise_header(header: str) -> str:
    """ "E-Mail ", "e_mail" and "Émail" all become "email"; Hangul and Persian survive."""
    text = unicodedata.normalize("NFKD", str(header or "").strip().lower().translate(_FOLD))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    # Hangul was decomposed into jamo by NFKD; compose it back.
    text = unicodedata.normalize("NFC", text)
    return _NOT_WORD.sub("", text)


def _candidates(spec: ImportField) -> set[str]:
    return {normalise_header(spec.name), normalise_header(str(spec.label)), *spec.synonyms}


def guess_mapping(kind: str, headers: list[str]) -> dict[str, str]:
    """{header: field} for the headers we recognise; each field is used at most once.

    Exact matches (field name, label, synonym) win over near misses ("Emial"), and an
    earlier column wins over a later one claiming the same field.
    """
    specs = FIELDS_BY_KIND[kind]
    exact: dict[str, str] = {}
    for spec in specs:
        for candidate in _candidates(spec):
            # The first field listing a synonym owns it ("name" is a company's name).
            exact.setdefault(candidate, spec.name)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    pending = []
    for header in headers:
        key = normalise_header(header)
        target = exact.get(key)
        if target and target not in used:
            mapping[header] = target
            used.add(target)
        elif key:
            pending.append((header, key))
    for header, key in pending:
        close = difflib.get_close_matches(key, list(exact), n=3, cutoff=0.8)
        for match in close:
            if exact[match] not in used:
                mapping[header] = exact[match]
                used.add(exact[match])
                break
    return mapping


def mapping_check(kind: str, headers: list[str], mapping: dict[str, str]) -> None:
    """Raise a ValidationError naming every problem with a chosen mapping."""
    known = fields_for(kind)
    errors = []
    for header, target in mapping.items():
        if header not in headers:
            errors.append(_("The file has no column “%(column)s”.") % {"column": header})
        if target not in known:
            errors.append(_("“%(field)s” is not a field of this import.") % {"field": target})
    targets = list(mapping.values())
    for target in sorted({t for t in targets if targets.count(t) > 1}):
        label = known[target].label if target in known else target
        errors.append(_("Two columns are mapped to “%(field)s”.") % {"field": label})
    for group in required_field_groups(kind):
        if not set(group) & set(targets):
            labels = _(" or ").join(f"“{known[name].label}”" for name in group)
            errors.append(_("Map a column to %(fields)s.") % {"fields": labels})
    if errors:
        raise ValidationError(errors)
