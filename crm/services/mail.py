"""The one way email to a person leaves Goalpost.

Campaign steps, rule emails, NPS surveys, discount codes and ticket replies all end in
`email_deliver`, so the suppression list is checked in one place, at the last moment
(an address suppressed after the email was queued is not mailed), and all of it is
sent from the sender identity admins set in Settings.
"""

import re

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import translation
from django.utils.html import escape

from .consent import address_is_suppressed
from .workspace import sender_from_email

ONE_CLICK = "List-Unsubscribe=One-Click"
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


class EmailSuppressed(Exception):
    """The address is on the suppression list; nothing was sent."""


def email_deliver(
    *,
    to: str,
    subject: str,
    body: str,
    html: str = "",
    unsubscribe_url: str = "",
    headers: dict | None = None,
    language: str = "",
) -> None:
    """Send one email, unless its address is suppressed (EmailSuppressed).

    Bulk mail passes `unsubscribe_url`: it is announced in `List-Unsubscribe` with the
    RFC 8058 `List-Unsubscribe-Post` header, so mailbox providers offer one-click
    unsubscribe by POSTing to that URL. An HTML body that is not a whole document is
    wrapped in one whose root carries `language` (else the site's) and its direction.
    """
    if address_is_suppressed(to):
        raise EmailSuppressed(to)
    headers = dict(headers or {})
    if unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = ONE_CLICK
    message = EmailMultiAlternatives(
        subject=subject, body=body, from_email=sender_from_email(), to=[to], headers=headers
    )
    if html:
        message.attach_alternative(html_document(html, language=language), "text/html")
    message.send()
