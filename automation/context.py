"""What a rule sees when it runs: the event, its record and the records around it."""

from functools import cached_property

from crm.models import Contact, Deal, DomainEvent, Interaction, Lead, Purchase, Subscription, Ticket
from crm.prepared import Prepared
from crm.templatetags.crm_web import money

# subject_type (DomainEvent.subject_type) -> how to load the record with what rules read
# (conditions compare a deal's stage and pipeline by id: those rows stay unread).
SUBJECT_QUERYSETS = {
    "deal": lambda: Deal.objects.select_related("contact", "owner"),
    "lead": lambda: Lead.objects.select_related("contact", "owner", "deal", "campaign"),
    "contact": lambda: Contact.objects.select_related("owner", "company"),
    "purchase": lambda: Purchase.objects.select_related("contact", "deal", "campaign"),
    "ticket": lambda: Ticket.objects.select_related("contact", "assignee"),
    "subscription": lambda: Subscription.objects.select_related("contact"),
    "interaction": lambda: Interaction.objects.select_related("contact"),
}

# One record by id, compiled once per process: every event of a kind reads the same shape.
SUBJECT_READS = {
    subject_type: Prepared(lambda pk, queryset=queryset: queryset().filter(pk=pk), int)
    for subject_type, queryset in SUBJECT_QUERYSETS.items()
}


class RuleContext:
    """The triggering event and its record; related records are loaded when first asked."""

    def __init__(self, event: DomainEvent, subject):
        self.event = event
        self.subject = subject
        self.payload = event.payload or {}

    @classmethod
    def for_event(cls, event: DomainEvent) -> "RuleContext":
        read = SUBJECT_READS.get(event.subject_type)
        return cls(event, read.first(event.subject_id) if read is not None else None)

    @property
    def subject_type(self) -> str:
        return self.event.subject_type

    @cached_property
    def deal(self) -> Deal | None:
        if isinstance(self.subject, Deal):
            return self.subject
        return getattr(self.subject, "deal", None) if self.subject is not None else None

    @cached_property
    def lead(self) -> Lead | None:
        if isinstance(self.subject, Lead):
            return self.subject
        if isinstance(self.subject, Deal):
            return self.subject.leads.order_by("-created_at", "-id").first()
        if self.contact is not None:
            # The contact's latest lead still being worked, if any.
            return (
                self.contact.leads.exclude(status__in=["converted", "disqualified"])
                .order_by("-created_at", "-id")
                .first()
            )
        return None

    @cached_property
    def contact(self) -> Contact | None:
        if isinstance(self.subject, Contact):
            return self.subject
        return getattr(self.subject, "contact", None) if self.subject is not None else None

    @cached_property
    def owner(self):
        """The user responsible for the record: its owner, a ticket's assignee, else the
        contact's owner."""
        subject = self.subject
        if subject is None:
            return None
        for attribute in ("owner", "assignee"):
            if getattr(subject, f"{attribute}_id", None):
                return getattr(subject, attribute)
        if self.deal is not None and self.deal.owner_id:
            return self.deal.owner
        if self.contact is not None and self.contact.owner_id:
            return self.contact.owner
        return None

    @cached_property
    def contact_tags(self) -> list[str]:
        if self.contact is None:
            return []
        return list(self.contact.tags.values_list("name", flat=True))

    def placeholders(self) -> dict[str, str]:
        """Values for `{name}` placeholders in task titles, emails and notifications."""
        contact = self.contact
        deal = self.deal
        return {
            "record": str(self.subject) if self.subject is not None else "",
            "contact": contact.full_name if contact else "",
            "first_name": contact.first_name if contact else "",
            "deal": deal.title if deal else "",
            # In the active language's format: the task reads in its assignee's language.
            "value": money(deal.value, deal.currency) if deal else "",
            "owner": str(self.owner) if self.owner else "",
        }
