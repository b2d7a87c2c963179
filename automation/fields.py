"""The record fields a condition can test, per kind of record.

One registry serves validation, the rule builder's dropdowns and the API's metadata, so a
field offered in the browser is exactly a field the engine can read.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from crm.models import (
    DealKind,
    DealStatus,
    Gender,
    IncomeBand,
    LeadStatus,
    Lifecycle,
    Source,
    SubscriptionStatus,
    TicketPriority,
    TicketStatus,
)

NUMBER, TEXT, CHOICE, BOOLEAN, LIST = "number", "text", "choice", "boolean", "list"


@dataclass(frozen=True)
class Field:
    key: str
    label: Any
    type: str
    get: Callable  # RuleContext -> value (None when the record or value is missing)
    choices: Callable | None = None  # () -> [(value, label)], values are strings

    def choice_list(self) -> list[tuple[str, str]]:
        return [(str(value), str(label)) for value, label in self.choices()] if self.choices else []


def _attr(record: str, name: str):
    def get(ctx):
        row = getattr(ctx, record)
        return getattr(row, name) if row is not None else None

    return get


def _fk(record: str, name: str):
    def get(ctx):
        row = getattr(ctx, record)
        value = getattr(row, f"{name}_id") if row is not None else None
        return str(value) if value is not None else None

    return get


def _at_event(name: str, record: str):
    """The value the event recorded (as it was then), else the record's current one.

    Workers may run after further edits; judging a deal by the value it had when it was
    created keeps "every deal takes exactly one path" true however late the run is.
    """
    current = _attr(record, name)

    def get(ctx):
        return ctx.payload[name] if name in ctx.payload else current(ctx)

    return get


def _stage_at_event():
    """The stage the event moved the deal to (or, before it, from), else the current one."""
    current = _fk("deal", "stage")

    def get(ctx):
        for key in ("stage", "to_stage"):
            if ctx.payload.get(key) is not None:
                return str(ctx.payload[key])
        return current(ctx)

    return get


def _payload(name: str):
    return lambda ctx: ctx.payload.get(name)


def _static(choices):
    return lambda: list(choices)


def _users():
    from crm.models import User

    return [(u.pk, str(u)) for u in User.objects.filter(is_active=True).order_by("username")]


def _stages():
    from crm.models import Stage

    return [(s.pk, str(s)) for s in Stage.objects.select_related("pipeline")]


def _pipelines():
    from crm.models import Pipeline

    return list(Pipeline.objects.values_list("pk", "name"))


def _campaigns():
    from crm.models import Campaign

    return list(Campaign.objects.values_list("pk", "name"))


CONTACT_FIELDS = (
    Field("contact.lifecycle", _("Contact lifecycle"), CHOICE, _attr("contact", "lifecycle"),
          _static(Lifecycle.choices)),
    Field("contact.source", _("Contact source"), CHOICE, _attr("contact", "source"),
          _static(Source.choices)),
    Field("contact.owner", _("Contact owner"), CHOICE, _fk("contact", "owner"), _users),
    Field("contact.tags", _("Contact tags"), LIST, lambda ctx: ctx.contact_tags),
    Field("contact.email", _("Contact email"), TEXT, _attr("contact", "email")),
    Field("contact.opted_out", _("Contact opted out of email"), BOOLEAN,
          _attr("contact", "opted_out")),
    Field("contact.occupation", _("Contact occupation"), TEXT, _attr("contact", "occupation")),
    Field("contact.gender", _("Contact gender"), CHOICE, _attr("contact", "gender"),
          _static(Gender.choices)),
    Field("contact.income_band", _("Contact income band"), CHOICE,
          _attr("contact", "income_band"), _static(IncomeBand.choices)),
)  # fmt: skip

SUBJECT_FIELDS: dict[str, tuple[Field, ...]] = {
    "deal": (
        Field("value", _("Deal value"), NUMBER, _at_event("value", "deal")),
        Field("currency", _("Currency"), TEXT, _attr("deal", "currency")),
        Field("kind", _("Deal kind"), CHOICE, _attr("deal", "kind"), _static(DealKind.choices)),
        Field("stage", _("Stage"), CHOICE, _stage_at_event(), _stages),
        Field("pipeline", _("Pipeline"), CHOICE, _fk("deal", "pipeline"), _pipelines),
        Field("owner", _("Deal owner"), CHOICE, _fk("deal", "owner"), _users),
        Field("status", _("Deal status"), CHOICE, _attr("deal", "status"),
              _static(DealStatus.choices)),
        Field("title", _("Deal title"), TEXT, _attr("deal", "title")),
    ),
    "lead": (
        Field("score", _("Lead score"), NUMBER, _at_event("score", "lead")),
        Field("status", _("Lead status"), CHOICE, _attr("lead", "status"),
              _static(LeadStatus.choices)),
        Field("source", _("Lead source"), CHOICE, _attr("lead", "source"),
              _static(Source.choices)),
        Field("campaign", _("Lead campaign"), CHOICE, _fk("lead", "campaign"), _campaigns),
        Field("owner", _("Lead owner"), CHOICE, _fk("lead", "owner"), _users),
    ),
    "contact": (),
    "purchase": (
        Field("amount", _("Purchase amount"), NUMBER, _attr("subject", "amount")),
        Field("category", _("Product category"), TEXT, _attr("subject", "category")),
        Field("product", _("Product"), TEXT, _attr("subject", "product")),
        Field("campaign", _("Purchase campaign"), CHOICE, _fk("subject", "campaign"), _campaigns),
    ),
    "ticket": (
        Field("priority", _("Ticket priority"), CHOICE, _attr("subject", "priority"),
              _static(TicketPriority.choices)),
        Field("status", _("Ticket status"), CHOICE, _attr("subject", "status"),
              _static(TicketStatus.choices)),
        Field("assignee", _("Ticket assignee"), CHOICE, _fk("subject", "assignee"), _users),
        Field("subject", _("Ticket subject"), TEXT, _attr("subject", "subject")),
    ),
    "subscription": (
        Field("plan", _("Plan"), TEXT, _attr("subject", "plan")),
        Field("amount", _("Subscription amount"), NUMBER, _attr("subject", "amount")),
        Field("status", _("Subscription status"), CHOICE, _attr("subject", "status"),
              _static(SubscriptionStatus.choices)),
    ),
    "interaction": (
        Field("interaction_kind", _("Interaction"), TEXT, _payload("interaction_kind")),
    ),
}  # fmt: skip

# Values carried by the event itself (what changed), per event kind.
EVENT_FIELDS: dict[str, tuple[Field, ...]] = {
    "deal.value_changed": (
        Field("old_value", _("Previous deal value"), NUMBER, _payload("old_value")),
    ),
    "deal.stage_changed": (
        Field("from_stage", _("Previous stage"), CHOICE, _payload("from_stage"), _stages),
    ),
    "deal.lost": (Field("lost_reason", _("Lost reason"), TEXT, _payload("reason")),),
    "lead.score_changed": (
        Field("old_score", _("Previous lead score"), NUMBER, _payload("old_score")),
    ),
    "contact.tagged": (Field("tag", _("Tag added"), TEXT, _payload("tag")),),
    "contact.anniversary": (Field("years", _("Years as a customer"), NUMBER, _payload("years")),),
}
