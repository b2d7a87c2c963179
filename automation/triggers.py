"""The events a rule can start on, and the fields each one makes available."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from crm.models import DomainEventKind

from .fields import CONTACT_FIELDS, EVENT_FIELDS, SUBJECT_FIELDS, Field


@dataclass(frozen=True)
class Trigger:
    kind: str  # a DomainEventKind value
    label: object
    subject: str  # the DomainEvent.subject_type it concerns

    @property
    def fields(self) -> tuple[Field, ...]:
        # Every record a rule starts from leads to a contact, so its fields are offered too.
        return SUBJECT_FIELDS[self.subject] + EVENT_FIELDS.get(self.kind, ()) + CONTACT_FIELDS


K = DomainEventKind
TRIGGERS: dict[str, Trigger] = {
    t.kind: t
    for t in (
        Trigger(K.DEAL_CREATED, _("Deal created"), "deal"),
        Trigger(K.DEAL_VALUE_CHANGED, _("Deal value changed"), "deal"),
        Trigger(K.DEAL_STAGE_CHANGED, _("Deal stage changed"), "deal"),
        Trigger(K.DEAL_WON, _("Deal won"), "deal"),
        Trigger(K.DEAL_LOST, _("Deal lost"), "deal"),
        Trigger(K.LEAD_CREATED, _("Lead created"), "lead"),
        Trigger(K.LEAD_SCORE_CHANGED, _("Lead score changed"), "lead"),
        Trigger(K.CONTACT_CREATED, _("Contact created"), "contact"),
        Trigger(K.CONTACT_TAGGED, _("Contact tagged"), "contact"),
        Trigger(K.CUSTOMER_ANNIVERSARY, _("Customer anniversary"), "contact"),
        Trigger(K.PURCHASE_RECORDED, _("Purchase recorded"), "purchase"),
        Trigger(K.TICKET_RESOLVED, _("Ticket resolved"), "ticket"),
        Trigger(K.RENEWAL_DUE, _("Subscription renewal due"), "subscription"),
        Trigger(K.INTERACTION_RECORDED, _("Interaction recorded"), "interaction"),
    )
}

TRIGGER_CHOICES = [(kind, trigger.label) for kind, trigger in TRIGGERS.items()]


def subject_of(triggers: list[str]) -> str | None:
    """The one kind of record a set of triggers concerns (None if unknown or mixed)."""
    subjects = {TRIGGERS[t].subject for t in triggers if t in TRIGGERS}
    return subjects.pop() if len(subjects) == 1 else None


def fields_for(triggers: list[str]) -> dict[str, Field]:
    """Fields every one of the triggers provides, in registry order."""
    known = [TRIGGERS[t] for t in triggers if t in TRIGGERS]
    if not known:
        return {}
    common = [f for f in known[0].fields if all(f.key in _keys(t) for t in known[1:])]
    return {f.key: f for f in common}


def _keys(trigger: Trigger) -> set[str]:
    return {f.key for f in trigger.fields}
