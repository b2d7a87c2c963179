"""Reads of the core domain, already narrowed to what a user may see (crm/policies.py).

The API and the browser fetch through these so that a row outside the user's scope is
never loaded, and each list joins or prefetches what it renders: query counts stay flat
however many rows there are.
"""

from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext

from crm import policies
from crm.models import (
    Activity,
    Company,
    Contact,
    Deal,
    EmailMessage,
    Interaction,
    Lead,
    LostReason,
    Note,
    NpsResponse,
    Pipeline,
    Purchase,
    Referral,
    Spend,
    Stage,
    StageChange,
    Subscription,
    Team,
    Ticket,
    User,
)

if TYPE_CHECKING:
    from crm.models import SuppressedAddress


def user_list(*, user: User) -> QuerySet[User]:
    return policies.scope(user, "users", User.objects.all())


def team_list(*, user: User) -> QuerySet[Team]:
    return policies.scope(user, "teams", Team.objects.all())


def company_list(*, user: User) -> QuerySet[Company]:
    return policies.scope(user, "companies", Company.objects.all())


def contact_list(*, user: User) -> QuerySet[Contact]:
    return policies.scope(user, "contacts", Contact.objects.prefetch_related("tags"))


def interaction_list(*, user: User) -> QuerySet[Interaction]:
    return policies.scope(user, "interactions", Interaction.objects.all())


def lead_list(*, user: User) -> QuerySet[Lead]:
    return policies.scope(user, "leads", Lead.objects.all())


def pipeline_list(*, user: User) -> QuerySet[Pipeline]:
    stages = Prefetch("stages", queryset=Stage.objects.order_by("position", "id"))
    return policies.scope(user, "pipelines", Pipeline.objects.prefetch_related(stages))


def stage_list(*, user: User) -> QuerySet[Stage]:
    return policies.scope(user, "stages", Stage.objects.all())


def deal_list(*, user: User) -> QuerySet[Deal]:
    return policies.scope(user, "deals", Deal.objects.all())


def deal_stage_history(*, deal: Deal) -> QuerySet[StageChange]:
    """Every stay of the deal in a stage, oldest first; the open stay has no `left_at`."""
    return StageChange.objects.filter(deal=deal).order_by("entered_at", "id")


def activity_list(*, user: User) -> QuerySet[Activity]:
    return policies.scope(user, "activities", Activity.objects.all())


def note_list(*, user: User) -> QuerySet[Note]:
    """Notes on the deals, contacts, companies and tickets the user may see."""
    return policies.scope(user, "notes", Note.objects.all())


def purchase_list(*, user: User) -> QuerySet[Purchase]:
    return policies.scope(user, "purchases", Purchase.objects.all())


def suppression_list(*, user: User) -> "QuerySet[SuppressedAddress]":
    from crm.models import SuppressedAddress

    return policies.scope(
        user, "suppressions", SuppressedAddress.objects.select_related("contact", "created_by")
    )


def subscription_list(*, user: User) -> QuerySet[Subscription]:
    return policies.scope(user, "subscriptions", Subscription.objects.all())


def ticket_list(*, user: User) -> QuerySet[Ticket]:
    return policies.scope(user, "tickets", Ticket.objects.all())


def nps_response_list(*, user: User) -> QuerySet[NpsResponse]:
    return policies.scope(user, "nps", NpsResponse.objects.all())


def referral_list(*, user: User) -> QuerySet[Referral]:
    return policies.scope(user, "referrals", Referral.objects.all())


def spend_list(*, user: User) -> QuerySet[Spend]:
    return policies.scope(user, "spend", Spend.objects.all())


def email_list(*, user: User) -> QuerySet[EmailMessage]:
    """Emails with the records they belong to, joined for the lists that show them."""
    emails = EmailMessage.objects.select_related("author", "contact", "deal", "ticket")
    return policies.scope(user, "emails", emails)


# Emails a record's page shows (newest first); older ones stay in the API.
EMAILS_ON_A_PAGE = 50


def record_emails(*, user: User, **record: Any) -> list[EmailMessage]:
    """The emails of one deal, contact or ticket the user may see, newest first."""
    return list(email_list(user=user).filter(**record)[:EMAILS_ON_A_PAGE])


def lost_reason_suggestions() -> list[str]:
    """The lost reasons to offer, in order and in the reader's language (a seeded English
    reason reads translated until an admin renames it)."""
    return [gettext(name) for name in LostReason.objects.values_list("name", flat=True)]
