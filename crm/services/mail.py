"""HTML helpers for outgoing email: documents that carry their language and direction.

Sending, and the consent check, is `crm.services.outbound_email.outbound_email_send`.
"""

import re

from django.conf import settings
from django.utils import translation
from django.utils.html import escape

_DOCUMENT_RE = re.compile(r"^\s*(<!doctype[^>]*>\s*)?<html[\s>]", re.IGNORECASE)


def language_direction(language: str) -> str:
    """The writing direction of a language: "rtl" (Persian), else "ltr"."""
    try:
        return "rtl" if translation.get_language_info(language)["bidi"] else "ltr"
    except KeyError:
        return "ltr"


def lang_attrs(language: str) -> str:
    """` lang="fa" dir="rtl"`: the attributes that mark an HTML element's language."""
    return f' lang="{escape(language)}" dir="{language_direction(language)}"'


def html_document(fragment: str, *, language: str = "") -> str:
    """An HTML email body as a whole document whose root carries `lang` and `dir`, so
    mail clients lay a Persian email out right to left. A document is left as it is."""
    if _DOCUMENT_RE.match(fragment):
        return fragment
    language = language or settings.LANGUAGE_CODE
    return (
        f"<!DOCTYPE html>\n<html{lang_attrs(language)}>\n"
        '<head><meta charset="utf-8"></head>\n'
        f"<body>\n{fragment}\n</body>\n</html>\n"
    )
