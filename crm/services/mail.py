"""The one way email to a person leaves Goalpost.

Campaign steps, rule emails, NPS surveys, discount codes and ticket replies all end in
`email_deliver`, so the suppression list is checked in one place, at the last moment
(an address suppressed after the email was queued is not mailed), and all of it is
sent from the sender identity admins set in Settings.
"""

from django.core.mail import EmailMultiAlternatives

from .consent import address_is_suppressed
from .workspace import sender_from_email

ONE_CLICK = "List-Unsubscribe=One-Click"


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
) -> None:
    """Send one email, unless its address is suppressed (EmailSuppressed).

    Bulk mail passes `unsubscribe_url`: it is announced in `List-Unsubscribe` with the
    RFC 8058 `List-Unsubscribe-Post` header, so mailbox providers offer one-click
    unsubscribe by POSTing to that URL.
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
        message.attach_alternative(html, "text/html")
    message.send()
