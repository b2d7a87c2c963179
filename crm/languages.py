"""The languages Goalpost speaks, and which one to use for a given reader.

Email is written in the recipient's language, not the sender's: a user's own `language`
(else the site default), a contact's preferred `language` (else the site default).
"""

import unicodedata
from contextlib import AbstractContextManager
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import language_code_re


def language_supported(code: str | None) -> bool:
    return bool(code) and code in dict(settings.LANGUAGES)


def recipient_language(person: Any) -> str:
    """The language to write to a user or contact in: theirs, else settings.LANGUAGE_CODE."""
    code = getattr(person, "language", "") if person is not None else ""
    return code if language_supported(code) else settings.LANGUAGE_CODE


def in_language_of(person: Any) -> AbstractContextManager[None]:
    """`with in_language_of(contact): …` renders what our code writes in their language."""
    return translation.override(recipient_language(person))


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.strip().lower().replace("ı", "i"))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def language_from_text(text: str) -> str | None:
    """A supported language code for "de", "tr-TR", "de_AT", "Deutsch", "Türkçe", "German"
    or the name in the active language; None when it names none of ours."""
    text = (text or "").strip()
    if not text:
        return None
    if language_code_re.fullmatch(text.replace("_", "-")):
        base = text.replace("_", "-").split("-")[0].lower()
        if language_supported(base):
            return base
    folded = _fold(text)
    for code, label in settings.LANGUAGES:
        info = translation.get_language_info(code)
        names = {info["name"], info["name_local"], info["name_translated"], str(label)}
        if folded in {_fold(name) for name in names}:
            return code
    return None
