"""Unique discount codes and NPS surveys, each delivered as a tracked email."""

import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from automation.marketing.models import DiscountCode, EmailKind, NpsSurvey
from automation.marketing.tokens import public_url
from crm.languages import in_language_of
from crm.models import Contact, User, email_normalize
from crm.services.consent import suppression_describe, suppression_for
from crm.services.contacts import nps_record
from crm.services.outbound_email import contact_consent_refusal

from .emails import email_send_record

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread

# Templates (rendered by automation.marketing.rendering) written by Goalpost itself, so
# they are translated and rendered in the contact's language (email_send_record).
# Translators: keep the {{ … }} and {% … %} placeholders exactly as they are.
DISCOUNT_SUBJECT = gettext_lazy("{{ contact.first_name }}, {{ discount }} off your next order")
# Translators: keep the {{ … }} and {% … %} placeholders exactly as they are.
DISCOUNT_BODY = gettext_lazy(
    "Hello {{ contact.first_name }},\n\n"
    "Thank you for being our customer. Your personal code {{ discount_code }} gives you "
    "{{ discount }} off{% if expires_on %} until {{ expires_on|date:'DATE_FORMAT' }}{% endif %}."
)
# Translators: keep the {{ … }} placeholders exactly as they are.
NPS_SUBJECT = gettext_lazy("{{ contact.first_name }}, how likely are you to recommend us?")
# Translators: keep the {{ … }} placeholders exactly as they are.
NPS_BODY = gettext_lazy(
    "Hello {{ contact.first_name }},\n\n"
    "One question, one click: how likely are you to recommend us to a friend?\n"
    "{{ survey_url }}\n\nThe link works until {{ expires_at|date:'DATE_FORMAT' }}."
)


def _percent(percent_off: int) -> str:
    # Translators: a discount, e.g. "15%"; Turkish writes "%15".
    return _("%(percent)s%%") % {"percent": percent_off}


class SurveyClosed(Exception):
    """The survey cannot take a response; `reason` is "answered", "expired" or "unknown"."""

    def __init__(self, reason: str, survey: NpsSurvey | None = None):
        super().__init__(reason)
        self.reason = reason
        # Known for "answered" and "expired": the page is then in the contact's language.
        self.contact = survey.contact if survey is not None else None


def _new_code(length: int = 10) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(length))


def _check_contact(contact: Contact) -> None:
    """The consent check, asked early so the caller hears why (ValidationError); the
    email asks it again when it is sent."""
    refusal = contact_consent_refusal(contact)
    if refusal is None:
        return
    if refusal.code == "no_address":
        raise ValidationError({"contact": _("This contact has no email address.")})
    if refusal.code == "suppressed":
        suppression = suppression_for(contact.email)
        why = suppression_describe(suppression) if suppression else refusal.reason
        raise ValidationError(
            {
                "contact": _("%(email)s is on the suppression list (%(why)s).")
                % {"email": email_normalize(contact.email), "why": why}
            }
        )
    raise ValidationError({"contact": _("This contact opted out of email.")})


@transaction.atomic
def discount_code_issue(
    *,
    contact: Contact,
    reason: str,
    key: str,
    percent_off: int,
    valid_days: int | None = 30,
    actor: User | None = None,
    send: bool = True,
) -> DiscountCode:
    """One unique code per contact and occasion (`key`); asking again returns the same code."""
    existing = DiscountCode.objects.filter(contact=contact, key=key).first()
    if existing is not None:
        return existing
    if send:
        _check_contact(contact)
    expires_on = timezone.localdate() + timedelta(days=valid_days) if valid_days else None
    for _attempt in range(5):
        try:
            with transaction.atomic():
                code = DiscountCode(
                    code=_new_code(),
                    contact=contact,
                    reason=reason,
                    key=key,
                    percent_off=percent_off,
                    expires_on=expires_on,
                )
                code.full_clean(validate_unique=False)
                code.save()
                break
        except IntegrityError:
            # A collision of random codes (or a concurrent issue for the same key).
            existing = DiscountCode.objects.filter(contact=contact, key=key).first()
            if existing is not None:
                return existing
    else:
        raise ValidationError({"code": _("Could not find a free code; try again.")})
    if send:
        with in_language_of(contact):
            discount = _percent(code.percent_off)
        code.email = email_send_record(
            contact=contact,
            kind=EmailKind.DISCOUNT,
            subject=DISCOUNT_SUBJECT,
            body=DISCOUNT_BODY,
            extra={
                "discount": discount,
                "discount_code": code.code,
                "percent_off": code.percent_off,
                "expires_on": code.expires_on,
            },
        )
        code.save(update_fields=["email"])
    return code


@transaction.atomic
def nps_survey_send(
    *, contact: Contact, actor: User | None = None, scale: int = 10, valid_days: int = 14
) -> NpsSurvey:
    # The contact row lock queues a second click behind the first, which then finds the
    # survey the first one sent.
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    _check_contact(contact)
    nps_survey_already_sent_check(contact=contact)
    if scale not in (5, 10):
        raise ValidationError({"scale": _("The scale is 10 (0–10) or 5 (1–5).")})
    if not 1 <= valid_days <= 365:
        raise ValidationError({"valid_days": _("Between 1 and 365 days.")})
    now = timezone.now()
    survey = NpsSurvey.objects.create(
        contact=contact,
        token=secrets.token_urlsafe(32),
        scale=scale,
        created_at=now,
        expires_at=now + timedelta(days=valid_days),
        sent_by=actor if actor is not None and actor.pk else None,
    )
    survey.email = email_send_record(
        contact=contact,
        kind=EmailKind.NPS,
        subject=NPS_SUBJECT,
        body=NPS_BODY,
        extra={"survey_url": nps_survey_url(survey), "expires_at": survey.expires_at},
    )
    survey.save(update_fields=["email"])
    return survey


class SurveyAlreadySent(ValidationError):
    """The contact has an open survey: it is not sent again (the message says when)."""

    def __init__(self, survey: NpsSurvey):
        self.survey = survey
        super().__init__(
            {
                "contact": _(
                    "Already sent on %(sent)s to %(email)s; its link works until %(until)s."
                )
                % {
                    "sent": date_format(localtime(survey.created_at), "DATETIME_FORMAT"),
                    "email": survey.contact.email,
                    "until": date_format(localtime(survey.expires_at), "DATE_FORMAT"),
                }
            }
        )


def nps_survey_open_for(contact: Contact) -> NpsSurvey | None:
    """The survey the contact can still answer, if any: the one cause a new send repeats."""
    return (
        NpsSurvey.objects.select_related("contact")
        .filter(contact=contact, responded_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-created_at")
        .first()
    )


def nps_survey_already_sent_check(*, contact: Contact) -> None:
    survey = nps_survey_open_for(contact)
    if survey is not None:
        raise SurveyAlreadySent(survey)


def nps_survey_url(survey: NpsSurvey) -> str:
    return public_url(reverse("marketing_public:nps", args=[survey.token]))


def nps_survey_open(*, token: str) -> NpsSurvey:
    """The survey behind a token, if it can still be answered (else SurveyClosed)."""
    survey = NpsSurvey.objects.select_related("contact").filter(token=_token(token)).first()
    _check_open(survey)
    assert survey is not None  # _check_open raised SurveyClosed
    return survey


def _token(token: str) -> str:
    """A token as sent in a link; a NUL (which PostgreSQL refuses in a query) finds nothing."""
    return "" if "\x00" in token else token


def _check_open(survey: NpsSurvey | None) -> None:
    if survey is None:
        raise SurveyClosed("unknown")
    if survey.responded_at is not None:
        raise SurveyClosed("answered", survey)
    if survey.expires_at <= timezone.now():
        raise SurveyClosed("expired", survey)


@transaction.atomic
def nps_survey_answer(*, token: str, score: int, comment: str = "") -> NpsSurvey:
    """Record the one response this survey takes; the row lock makes a double submit lose."""
    survey = NpsSurvey.objects.select_for_update().filter(token=_token(token)).first()
    _check_open(survey)
    assert survey is not None  # _check_open raised SurveyClosed
    low = 0 if survey.scale == 10 else 1
    if not low <= score <= survey.scale:
        raise ValidationError(
            {
                "score": _("Pick a score from %(low)s to %(high)s.")
                % {"low": low, "high": survey.scale}
            }
        )
    response = nps_record(
        actor=None,
        contact=survey.contact,
        score=score,
        scale=survey.scale,
        # An invisible NUL would fail the INSERT (PostgreSQL text); the rest is kept.
        comment=comment.replace("\x00", "")[:2000],
        channel="email",
    )
    survey.response = response
    survey.responded_at = response.responded_at
    survey.save(update_fields=["response", "responded_at"])
    return survey
