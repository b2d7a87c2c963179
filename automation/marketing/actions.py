"""Rule actions this app adds to the automation registry: discount codes and NPS surveys.

They are registered from `MarketingConfig.ready()` into `automation.actions.ACTIONS`, the
registry the rule validator, the engine and the rule builder read at call time, so the
automation app needs no import of marketing.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext

from crm.services.outbound_email import contact_consent_refusal, contact_looks_mailable

from ..said import said
from .models import DiscountReason


def _reason_choices(subject):
    return DiscountReason.choices


def _send_discount(ctx, params, run):
    from .services.offers import discount_code_issue

    contact = ctx.contact
    if contact is None or contact_consent_refusal(contact) is not None:
        return {"summary": _("no contact to email (missing address or opted out)")}
    # One code per rule and triggering event: a retried run finds the same code.
    key = f"rule:{run.rule_id}:event:{run.event_id}"
    try:
        code = discount_code_issue(
            contact=contact,
            reason=params["reason"],
            key=key,
            percent_off=params["percent_off"],
            valid_days=params["valid_days"],
        )
    except ValidationError as exc:
        return {"summary": "; ".join(exc.messages)}
    return {
        "discount_code": code.pk,
        "summary": said(gettext_noop("sent discount code to %(email)s"), email=contact.email),
    }


def _preview_discount(ctx, params):
    if not contact_looks_mailable(ctx.contact):
        return None
    return (
        "send_discount_code",
        lambda n: ngettext("sent %(n)s discount code", "sent %(n)s discount codes", n) % {"n": n},
    )


def _send_nps(ctx, params, run):
    from .services.offers import nps_survey_send

    contact = ctx.contact
    if contact is None or contact_consent_refusal(contact) is not None:
        return {"summary": _("no contact to survey (missing address or opted out)")}
    try:
        survey = nps_survey_send(contact=contact, valid_days=params["valid_days"])
    except ValidationError as exc:
        # Already sent (an open survey), or the address is suppressed: not sent again.
        return {"summary": "; ".join(exc.messages)}
    return {
        "nps_survey": survey.pk,
        "summary": said(gettext_noop("sent NPS survey to %(email)s"), email=contact.email),
    }


def _preview_nps(ctx, params):
    if not contact_looks_mailable(ctx.contact):
        return None
    return (
        "send_nps_survey",
        lambda n: ngettext("sent %(n)s NPS survey", "sent %(n)s NPS surveys", n) % {"n": n},
    )


def actions_register() -> None:
    from automation.actions import ACTIONS, ActionType
    from automation.params import CHOICE, INT, Param

    ACTIONS.setdefault(
        "send_discount_code",
        ActionType(
            "send_discount_code",
            _("Send a unique discount code"),
            (
                Param("percent_off", _("Percent off"), INT, default=10, minimum=1, maximum=100),
                Param("valid_days", _("Valid for (days)"), INT, default=30, minimum=1, maximum=365),
                Param("reason", _("Occasion"), CHOICE, _reason_choices, default="repeat_purchase"),
            ),
            _send_discount,
            _preview_discount,
        ),
    )
    ACTIONS.setdefault(
        "send_nps_survey",
        ActionType(
            "send_nps_survey",
            _("Send an NPS survey"),
            (
                Param(
                    "valid_days",
                    _("Link valid for (days)"),
                    INT,
                    default=14,
                    minimum=1,
                    maximum=365,
                ),
            ),
            _send_nps,
            _preview_nps,
        ),
    )
