"""Recording, sending and tracking marketing email.

An email is rendered and recorded (EmailSend) in the caller's transaction, then sent by a
worker after commit; the tick sweeps up any whose hand-over was lost. Sending is
at-least-once only across a crash between the SMTP call and the commit.
"""

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from automation.marketing.models import CampaignStep, EmailKind, EmailSend, StepVariant
from automation.marketing.rendering import link_tracked_html, links_in, render_html, render_text
from automation.marketing.tokens import email_token, public_url, unsubscribe_token
from automation.models import Enrollment, EnrollmentStatus, ExitReason
from automation.services.enrollments import enrollment_exit
from crm.languages import in_language_of, recipient_language
from crm.models import Campaign, Contact, InteractionKind
from crm.services.after_commit import enqueue_now, enqueue_on_commit
from crm.services.consent import address_suppress
from crm.services.contacts import interaction_record
from crm.services.mail import html_document, lang_attrs
from crm.services.outbound_email import EmailRefused, MailKind, outbound_email_send

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger(__name__)

PURCHASES_IN_CONTEXT = 10
ALREADY_SENT = "already sent on %(date)s; not sent again"


def unsubscribe_url(contact: Contact) -> str:
    return public_url(reverse("marketing_public:unsubscribe", args=[unsubscribe_token(contact.pk)]))


def email_context(
    contact: Contact, *, campaign: Campaign | None = None, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The whitelisted values a template may use: plain data, never model instances."""
    purchases = list(
        contact.purchases.order_by("-purchased_at", "-id").values(
            "product", "category", "amount", "currency", "purchased_at"
        )[:PURCHASES_IN_CONTEXT]
    )
    company = contact.company.name if contact.company else ""
    return {
        "contact": {
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "full_name": contact.full_name,
            "email": contact.email,
            "company": company,
            "lifecycle": contact.get_lifecycle_display(),
        },
        "purchases": purchases,
        "last_purchase": purchases[0] if purchases else None,
        "purchase_count": (
            len(purchases) if len(purchases) < PURCHASES_IN_CONTEXT else contact.purchases.count()
        ),
        "campaign": campaign.name if campaign is not None else "",
        "unsubscribe_url": unsubscribe_url(contact),
        **(extra or {}),
    }


def email_send_record(
    *,
    contact: Contact,
    subject: "StrOrPromise",
    body: "StrOrPromise",
    kind: str = EmailKind.CAMPAIGN,
    enrollment: Enrollment | None = None,
    campaign: Campaign | None = None,
    step: CampaignStep | None = None,
    variant: StepVariant | None = None,
    extra: dict[str, Any] | None = None,
    deliver_inline: bool = False,
    language: str = "",
) -> EmailSend:
    """Render the templates for `contact` and record the email; it goes out after commit.

    Raises IntegrityError when this enrollment already has this step's email: callers wrap
    the call in a savepoint and treat that as "already sent". Code already running in a
    worker (the tick) passes `deliver_inline` to send right after commit without another
    hop through the broker.

    `language` is the language version of a campaign email that `subject` and `body`
    come from (recorded on the row); blank for the variant's default content. The HTML
    document's root carries the language the email is written in: the version's, the
    site's for a campaign's default content, the contact's for our own templates.
    """
    # What Goalpost writes (the footer, our own NPS and discount templates, dates and
    # choice labels) is in the contact's language; the marketer's own words stay as written.
    with in_language_of(contact):
        context = email_context(contact, campaign=campaign, extra=extra)
        text = render_text(str(body), context)
        rendered_subject = render_text(str(subject), context)
        html_body = render_html(str(body), context)
        unsubscribe = _("Unsubscribe")
    reader_language = recipient_language(contact)
    if language:
        content_language = language
    elif kind == EmailKind.CAMPAIGN:
        content_language = settings.LANGUAGE_CODE
    else:
        content_language = reader_language
    send = EmailSend.objects.create(
        kind=kind,
        contact=contact,
        enrollment=enrollment,
        campaign=campaign,
        step=step,
        variant=variant,
        variant_label=getattr(variant, "label", ""),
        language=language,
        to=contact.email,
        subject=rendered_subject.replace("\n", " ").strip()[:300],
        body_text=text,
        links=links_in(text),
    )
    token = email_token(send.pk)
    html = link_tracked_html(
        html_body,
        send.links,
        lambda index: public_url(reverse("marketing_public:click", args=[token, index])),
    )
    pixel = public_url(reverse("marketing_public:open", args=[token]))
    unsubscribe_link = context["unsubscribe_url"]
    # The footer is in the reader's language, marked as such when the email is not.
    footer_lang = lang_attrs(reader_language) if reader_language != content_language else ""
    send.body_html = html_document(
        f'{html}\n<p style="font-size:small"{footer_lang}><a href="{unsubscribe_link}">'
        f"{escape(unsubscribe)}</a></p>"
        f'\n<img src="{pixel}" width="1" height="1" alt="">',
        language=content_language,
    )
    send.body_text = f"{text}\n\n-- \n{unsubscribe}: {unsubscribe_link}\n"
    send.save(update_fields=["body_html", "body_text"])
    if deliver_inline:
        transaction.on_commit(lambda: _deliver_now(send.pk))
    else:
        from automation.marketing.tasks import email_send_deliver_task

        # email_sends_sweep hands over what the broker refused.
        enqueue_on_commit(email_send_deliver_task, send.pk)
    return send


def _deliver_now(send_id: int) -> None:
    try:
        email_send_deliver(send_id=send_id)
    except Exception:
        logger.exception("Sending email %s failed; the sweep will try again", send_id)


def email_send_deliver(*, send_id: int) -> bool:
    """Send one recorded email unless already sent or refused; True when this call sent it.

    Consent is checked now, not when the email was recorded (`outbound_email_send`): a
    contact who unsubscribed or was suppressed since is not mailed, and the refusal is
    stored in `error` (a row with an error is never sent).
    """
    with transaction.atomic():
        send = (
            EmailSend.objects.select_for_update(of=("self",))
            .select_related("contact")
            .filter(pk=send_id)
            .first()
        )
        if send is None or send.sent_at is not None or send.error:
            return False
        try:
            outbound_email_send(
                kind=MailKind.MARKETING,
                to=send.to,
                subject=send.subject,
                body=send.body_text,
                html=send.body_html,
                contact_id=send.contact_id,
                unsubscribe_url=unsubscribe_url(send.contact),
                footer_language=recipient_language(send.contact),
            )
        except EmailRefused as refused:
            send.error = refused.refusal.log_text
            send.save(update_fields=["error"])
            return False
        send.sent_at = timezone.now()
        send.save(update_fields=["sent_at"])
        return True


def email_send_skip_repeat(
    *, enrollment: Enrollment, step: CampaignStep, earlier: EmailSend
) -> EmailSend | None:
    """Record, without sending, that `step` was not emailed again to this enrollment's
    contact because `earlier` already was; the row carries "already sent on <date>".

    A row with an error is never delivered (email_send_deliver, the sweep). Returns None
    when this enrollment already has a row for the step (a replayed tick).
    """
    try:
        with transaction.atomic():
            return EmailSend.objects.create(
                kind=EmailKind.CAMPAIGN,
                contact=earlier.contact,
                enrollment=enrollment,
                campaign=enrollment.campaign,
                step=step,
                to=earlier.to,
                subject=earlier.subject,
                body_text="",
                # `earlier` is an email that went out, so it has a sent_at.
                error=ALREADY_SENT % {"date": earlier.sent_at.date().isoformat()},  # type: ignore[union-attr]
            )
    except IntegrityError:
        return None


def _stamp(send: EmailSend, field: str, at: datetime) -> bool:
    """Set a first-time timestamp; True when this call set it."""
    updated = EmailSend.objects.filter(pk=send.pk, **{f"{field}__isnull": True}).update(
        **{field: at}
    )
    return bool(updated)


@transaction.atomic
def email_open_record(*, send_id: int) -> bool:
    """The pixel was loaded: stamp the first open and record it on the contact's timeline."""
    send = EmailSend.objects.select_related("contact").filter(pk=send_id).first()
    if send is None:
        return False
    now = timezone.now()
    if not _stamp(send, "opened_at", now):
        return False
    interaction_record(
        actor=None,
        contact=send.contact,
        kind=InteractionKind.EMAIL_OPENED,
        occurred_at=now,
        details={"email": send.pk, "campaign": send.campaign_id, "subject": send.subject},
    )
    return True


@transaction.atomic
def email_click_record(*, send_id: int, index: int) -> str | None:
    """The URL the email linked to at `index` (None if there is none); stamps the click.

    A click proves the email was opened, even when the client blocked the pixel.
    """
    send = EmailSend.objects.filter(pk=send_id).first()
    if send is None or not 0 <= index < len(send.links):
        return None
    _stamp(send, "clicked_at", timezone.now())
    email_open_record(send_id=send.pk)
    link: str = send.links[index]
    return link


@transaction.atomic
def contact_unsubscribe(*, contact: Contact) -> Contact:
    """Suppress the contact's address (for every contact with it) and end the active
    enrollments of every such contact."""
    if contact.email:
        address_suppress(email=contact.email, reason="unsubscribe", contact=contact)
    else:
        Contact.objects.filter(pk=contact.pk).update(opted_out=True)
    contact.refresh_from_db()
    enrollments = Enrollment.objects.filter(
        contact__in=contacts_sharing_address(contact), status=EnrollmentStatus.ACTIVE
    )
    for enrollment in enrollments:
        enrollment_exit(enrollment=enrollment, reason=ExitReason.OPTED_OUT)
    return contact


def contacts_sharing_address(contact: Contact) -> QuerySet[Contact]:
    from crm.services.consent import contacts_with_address

    if not contact.email:
        return Contact.objects.filter(pk=contact.pk)
    sharing: QuerySet[Contact] = contacts_with_address(contact.email)
    return sharing


SWEEP_HORIZON = timedelta(days=1)


def email_sends_sweep(*, older_than: timedelta, limit: int = 500) -> int:
    """Hand over recorded emails never sent (a lost on_commit hand-over); a day later
    they are stale news and stay unsent, visible in the admin."""
    ids = list(
        EmailSend.objects.filter(
            sent_at__isnull=True,
            error="",
            created_at__lt=older_than,
            created_at__gte=older_than - SWEEP_HORIZON,
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    from automation.marketing.tasks import email_send_deliver_task

    for send_id in ids:
        enqueue_now(email_send_deliver_task, send_id)
    return len(ids)
