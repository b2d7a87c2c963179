"""The one way email leaves Goalpost, and the one consent check.

Every sender ends here: campaign steps, welcome series, discount codes and NPS surveys
(`EmailSend`), rule emails and staff notifications (`OutboundEmail`), email from records
and ticket replies, goal alerts, password resets and invitations. Each names its kind:

- `marketing`: consent is checked at send time and the email carries an unsubscribe link
  in its text and HTML parts and the RFC 8058 `List-Unsubscribe` headers;
- `contact`: one-to-one email to a contact (from a record, a ticket reply): consent is
  checked, no unsubscribe footer;
- `transactional`: account and system mail to staff users (password reset, invitation,
  notifications): no marketing consent applies.

Consent belongs to the address (PRODUCT.md §2): `email_consent_refusal` is the single
predicate. Callers may ask it early (to refuse a form, to skip an enrollment) but the send
asks it again, so an address suppressed after the email was queued is not mailed.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower
from django.template import loader
from django.template.defaultfilters import linebreaks_filter, urlize
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from crm.models import Contact, SuppressedAddress, email_normalize

from .mail import html_document, lang_attrs
from .workspace import sender_from_email

ONE_CLICK = "List-Unsubscribe=One-Click"


class MailKind:
    MARKETING = "marketing"
    CONTACT = "contact"
    TRANSACTIONAL = "transactional"

    ALL = frozenset({MARKETING, CONTACT, TRANSACTIONAL})
    # The kinds that honour the address's consent.
    CONSENTED = frozenset({MARKETING, CONTACT})


@dataclass(frozen=True)
class ConsentRefusal:
    """Why an address may not be emailed.

    `code` is "no_address", "suppressed" or "opted_out"; `reason` is the suppression
    list's reason ("unsubscribe", "bounce", "complaint", "manual") when suppressed.
    """

    code: str
    reason: str = ""

    @property
    def log_text(self) -> str:
        """The untranslated line stored on the email's log row (EmailSend.error, …)."""
        if self.code == "suppressed":
            return f"not sent: address on the suppression list ({self.reason})"
        if self.code == "opted_out":
            return "not sent: contact opted out of email"
        return "not sent: no email address"


class EmailRefused(Exception):
    """Consent forbids this email; nothing was sent. `refusal` says why."""

    def __init__(self, refusal: ConsentRefusal):
        super().__init__(refusal.log_text)
        self.refusal = refusal


def email_consent_refusal(
    *, address: str | None, contact_id: int | None = None
) -> ConsentRefusal | None:
    """The reason `address` may not receive marketing or contact email, or None.

    Reads the database now (never a loaded row, which may predate an unsubscribe):
    the address, trimmed and case-folded, on the suppression list (unsubscribe, bounce,
    complaint, by hand); then any contact with that address, or the contact `contact_id`
    the email was written for (whose address may have changed since), opted out.
    At most two queries. Returns a `ConsentRefusal` or None.
    """
    normalized = email_normalize(address)
    if not normalized:
        return ConsentRefusal("no_address")
    reason = (
        SuppressedAddress.objects.filter(email=normalized).values_list("reason", flat=True).first()
    )
    if reason is not None:
        return ConsentRefusal("suppressed", reason)
    opted_out = Q(_email=normalized)
    if contact_id is not None:
        opted_out |= Q(pk=contact_id)
    if Contact.objects.annotate(_email=Lower("email")).filter(opted_out, opted_out=True).exists():
        return ConsentRefusal("opted_out")
    return None


def contact_consent_refusal(contact: Contact) -> ConsentRefusal | None:
    """`email_consent_refusal` for a contact's current address (early checks)."""
    return email_consent_refusal(address=contact.email, contact_id=contact.pk)


def contact_looks_mailable(contact: Contact | None) -> bool:
    """An estimate from a loaded row, for previews and dry runs that must not query per
    event: an address and not opted out (the flag mirrors the suppression list). A real
    send is decided by `email_consent_refusal`."""
    return contact is not None and bool(contact.email) and not contact.opted_out


def contacts_mailable(contacts: QuerySet[Contact]) -> QuerySet[Contact]:
    """`contacts` narrowed, in SQL, to those `email_consent_refusal` would let through
    (bulk enrollment reads thousands; each email is still checked when it is sent)."""
    suppressed = SuppressedAddress.objects.filter(email=OuterRef("_email_normalized"))
    return (
        contacts.exclude(email="")
        .filter(opted_out=False)
        .annotate(_email_normalized=Lower("email"))
        .exclude(Exists(suppressed))
    )


def _list_unsubscribe(url: str) -> str:
    """The `List-Unsubscribe` value: the https URL, and a mailto when one is configured."""
    parts = [f"<{url}>"]
    mailbox = settings.GOALPOST_UNSUBSCRIBE_MAILTO
    if mailbox:
        parts.append(f"<mailto:{mailbox}?subject=unsubscribe>")
    return ", ".join(parts)


def _with_footer(
    *, body: str, html: str, url: str, language: str, footer_language: str
) -> tuple[str, str]:
    """The text and HTML parts, each ending with the unsubscribe link unless the caller
    already placed it (the campaign renderer lays its own footer out)."""
    footer_language = footer_language or settings.LANGUAGE_CODE
    with translation.override(footer_language):
        label = _("Unsubscribe")
    if not html:
        # A text-only email gets an HTML part too, so every part offers the link (and
        # its URLs, the footer's too when the caller wrote it, are links there).
        html = linebreaks_filter(urlize(body, autoescape=True), autoescape=False)
    if url not in body:
        body = f"{body}\n\n-- \n{label}: {url}\n"
    href = f'href="{escape(url)}"'
    if href not in html and f'href="{url}"' not in html:
        marked = (
            lang_attrs(footer_language)
            if footer_language != (language or settings.LANGUAGE_CODE)
            else ""
        )
        footer = f'<p style="font-size:small"{marked}><a {href}>{escape(label)}</a></p>'
        closing = html.lower().rfind("</body>")
        html = f"{html[:closing]}{footer}\n{html[closing:]}" if closing >= 0 else html + footer
    return body, html


def outbound_email_send(
    *,
    kind: str,
    to: str,
    subject: str,
    body: str,
    html: str = "",
    contact_id: int | None = None,
    unsubscribe_url: str = "",
    headers: dict[str, Any] | None = None,
    language: str = "",
    footer_language: str = "",
) -> None:
    """Send one email now, from the sender identity of Settings.

    `kind` is a `MailKind`. For marketing and contact mail `email_consent_refusal` is
    asked first and `EmailRefused` raised (nothing sent) when it refuses; `contact_id`
    names the contact the email was written for. Marketing mail needs `unsubscribe_url`
    (ValueError without it): the link is added to the text and HTML parts in
    `footer_language` (the reader's; default the site's) unless already there, and
    announced in `List-Unsubscribe` and `List-Unsubscribe-Post` (RFC 8058 one-click).
    `html` is a fragment or a whole document; a fragment is wrapped in a document whose
    root carries `language` (the content's; default the site's) and its direction.
    Errors of the mail backend (SMTP down) propagate to the caller.
    """
    if kind not in MailKind.ALL:
        raise ValueError(f"unknown mail kind {kind!r}")
    if kind in MailKind.CONSENTED:
        refusal = email_consent_refusal(address=to, contact_id=contact_id)
        if refusal is not None:
            raise EmailRefused(refusal)
    headers = dict(headers or {})
    if kind == MailKind.MARKETING:
        if not unsubscribe_url:
            raise ValueError("marketing email needs an unsubscribe URL")
        body, html = _with_footer(
            body=body,
            html=html,
            url=unsubscribe_url,
            language=language,
            footer_language=footer_language,
        )
        headers["List-Unsubscribe"] = _list_unsubscribe(unsubscribe_url)
        headers["List-Unsubscribe-Post"] = ONE_CLICK
    message = EmailMultiAlternatives(
        subject=subject, body=body, from_email=sender_from_email(), to=[to], headers=headers
    )
    if html:
        message.attach_alternative(html_document(html, language=language), "text/html")
    message.send()


def templated_email_send(
    *,
    kind: str,
    to: str,
    subject_template: str,
    body_template: str,
    context: dict[str, Any],
    html_template: str | None = None,
    language: str = "",
) -> None:
    """`outbound_email_send` of Django templates, rendered as Django's password-reset
    mail renders them (the subject on one line). Same errors as `outbound_email_send`."""
    subject = "".join(loader.render_to_string(subject_template, context).splitlines())
    body = loader.render_to_string(body_template, context)
    html = loader.render_to_string(html_template, context) if html_template else ""
    outbound_email_send(kind=kind, to=to, subject=subject, body=body, html=html, language=language)
