from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from automation.models import OutboundEmail, Run
from crm.services import outbound_email
from crm.services.after_commit import enqueue_on_commit
from crm.services.outbound_email import EmailRefused, MailKind


def outbound_email_queue(
    *, run: Run, to: str, subject: str, body: str, unsubscribe_url: str = "", language: str = ""
) -> OutboundEmail:
    """Record an email in the caller's transaction; it is handed to a worker after commit.

    Email to a contact is marketing and must pass `unsubscribe_url`: it ends the stored
    body in `language` (the recipient's), and at send time the consent check is asked
    again and the link is put in the HTML part and the List-Unsubscribe headers
    (`outbound_email_send`). Notifications to staff users pass none: no footer, and
    the consent check still applies. Returns the recorded row.
    """
    if unsubscribe_url:
        with translation.override(language or settings.LANGUAGE_CODE):
            unsubscribe = _("Unsubscribe")
        body = f"{body}\n\n-- \n{unsubscribe}: {unsubscribe_url}\n"
    email = OutboundEmail.objects.create(
        run=run, to=to, subject=subject, body=body, unsubscribe_url=unsubscribe_url
    )
    from automation.tasks import outbound_email_send_task

    # outbound_emails_sweep_task hands over what the broker refused.
    enqueue_on_commit(outbound_email_send_task, email.pk)
    return email


def outbound_email_send(*, email_id: int) -> bool:
    """Send one recorded email unless it was already sent or refused; True when this call
    sent it.

    The row stays locked while the mail goes out, so two workers cannot both send it.
    A crash between sending and committing may still send twice: mail is at-least-once.
    A row with an unsubscribe URL is marketing to a contact; one without (a staff
    notification) still goes out as "contact" mail, so consent is checked for every row
    (a row whose kind cannot be told is never mailed past a suppression). A refusal is
    stored in `error`.
    """
    with transaction.atomic():
        email = OutboundEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.sent_at is not None or email.error.startswith("not sent:"):
            return False
        kind = MailKind.MARKETING if email.unsubscribe_url else MailKind.CONTACT
        try:
            outbound_email.outbound_email_send(
                kind=kind,
                to=email.to,
                subject=email.subject,
                body=email.body,
                unsubscribe_url=email.unsubscribe_url,
            )
        except EmailRefused as refused:
            email.error = refused.refusal.log_text
            email.save(update_fields=["error"])
            return False
        email.sent_at = timezone.now()
        email.error = ""
        email.save(update_fields=["sent_at", "error"])
        return True
