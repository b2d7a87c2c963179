"""Who may read and write what: the one policy the API and the browser both enforce.

Roles grant access to a resource; ownership narrows it. A rep reads and edits only their
own leads, deals and activities (anything else is a 404); managers and admins see all;
marketing reads contacts and leads and owns campaigns and rules; support owns tickets.

Every page and endpoint asks this module and no other: browser views through
`crm.web.access.web_view`, API views through `crm.api.permissions.PolicyPermission`
(crm/tests/test_every_view_guarded.py walks the URLs to keep it so).
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.models import Company, Contact, Deal, Role, Ticket

REP, MANAGER, MARKETING, SUPPORT, ADMIN = (
    Role.REP,
    Role.MANAGER,
    Role.MARKETING,
    Role.SUPPORT,
    Role.ADMIN,
)
EVERYONE = frozenset(Role.values)
SALES = frozenset({REP, MANAGER, ADMIN})

# resource -> (roles that read it, roles that write it)
ACCESS: dict[str, tuple[frozenset, frozenset]] = {
    "users": (frozenset({ADMIN}), frozenset({ADMIN})),
    "teams": (EVERYONE, frozenset({ADMIN})),
    "companies": (EVERYONE, SALES),
    "contacts": (EVERYONE, SALES),
    "interactions": (EVERYONE, SALES | {MARKETING}),
    "leads": (SALES | {MARKETING}, SALES | {MARKETING}),
    "pipelines": (EVERYONE, frozenset({ADMIN})),
    "stages": (EVERYONE, frozenset({ADMIN})),
    "deals": (SALES, SALES),
    "activities": (EVERYONE, EVERYONE),
    # Anyone may write a note on a record they can see (scope below); the author edits it.
    "notes": (EVERYONE, EVERYONE),
    "purchases": (frozenset({REP, MANAGER, MARKETING, ADMIN}), frozenset({MANAGER, ADMIN})),
    "subscriptions": (EVERYONE, frozenset({MANAGER, SUPPORT, ADMIN})),
    "tickets": (frozenset({REP, SUPPORT, MANAGER, ADMIN}), frozenset({SUPPORT, MANAGER, ADMIN})),
    "nps": (frozenset({SUPPORT, MANAGER, MARKETING, ADMIN}), frozenset({SUPPORT, MANAGER, ADMIN})),
    "referrals": (EVERYONE, SALES | {MARKETING}),
    "spend": (frozenset({MANAGER, MARKETING, ADMIN}), frozenset({MANAGER, MARKETING, ADMIN})),
    # Campaign names and dates: everyone (leads and contacts name their campaign).
    "campaigns": (EVERYONE, frozenset({MARKETING, ADMIN})),
    # What marketing works with: steps, variants, plans, segments, the scoring model,
    # every email sent (addresses and unsubscribe links) and discount codes.
    "marketing": (frozenset({MARKETING, MANAGER, ADMIN}), frozenset({MARKETING, ADMIN})),
    "automation": (frozenset({MARKETING, MANAGER, ADMIN}), frozenset({MARKETING, ADMIN})),
    "kpis": (EVERYONE, frozenset()),
    # The pipeline forecast: managers and admins for any scope, a rep for their own deals.
    "forecast": (SALES, frozenset()),
    "exchange_rates": (frozenset({MANAGER, ADMIN}), frozenset({ADMIN})),
    "goals": (EVERYONE, frozenset({REP, MANAGER, ADMIN})),
    "quotas": (EVERYONE, frozenset({MANAGER, ADMIN})),
    "imports": (frozenset({MANAGER, ADMIN}), frozenset({MANAGER, ADMIN})),
    # Finding duplicate contacts and companies and merging them: whoever may change them;
    # a rep sees the merges they made (scope below).
    "merges": (SALES, SALES),
    "suppressions": (frozenset({MARKETING, ADMIN}), frozenset({MARKETING, ADMIN})),
    # The deal "mark lost" form offers them to every seller; admins keep the list.
    "lost_reasons": (EVERYONE, frozenset({ADMIN})),
    "sla_targets": (EVERYONE, frozenset({ADMIN})),
    # The Settings area in the browser: managers look, admins change.
    "settings": (frozenset({MANAGER, ADMIN}), frozenset({ADMIN})),
    # One-to-one email on deals, contacts and tickets: seen with the record it belongs to
    # (scope below), sent by whoever may change that record (`email_record_check`).
    "emails": (EVERYONE, SALES | {SUPPORT}),
    "email_templates": (SALES | {SUPPORT}, frozenset({MANAGER, ADMIN})),
    # Named views of the lists: everyone keeps their own and reads their team's shared ones.
    "saved_views": (EVERYONE, EVERYONE),
    # Bulk actions on a list: everyone follows and undoes their own, admins anyone's.
    "bulk_actions": (EVERYONE, EVERYONE),
    # The security audit log (sign-ins, role changes, exports, merges, deletes, settings):
    # admins read it; nobody writes it by hand, the services append to it.
    "audit": (frozenset({ADMIN}), frozenset()),
    # What every signed-in person has of their own: the home page, their profile and
    # notifications. Pages that serve a resource named in their URL (lookups, exports,
    # data-quality lists) or answer in their own shape (the board's JSON card drop) name
    # this one and ask for that resource inside, with crm.web.access.
    "account": (EVERYONE, EVERYONE),
    # Two-factor sign-in: the roles that see and change others' records may enrol.
    "two_factor": (frozenset({MANAGER, ADMIN}), frozenset({MANAGER, ADMIN})),
    # The reports, each for the roles whose work it measures (and their managers).
    "reports.sales": (SALES, frozenset()),
    "reports.pipeline": (frozenset({MANAGER, ADMIN}), frozenset()),
    "reports.support": (frozenset({SUPPORT, MANAGER, ADMIN}), frozenset()),
    "reports.marketing": (frozenset({MARKETING, MANAGER, ADMIN}), frozenset()),
}


def role_of(user) -> str | None:
    """The role the policy applies to `user`: a superuser is an admin; None when signed out.

    For what a page offers a role (its shortcuts, built-in list views); access itself is
    asked with `can_read`/`can_write`/`scope`."""
    if not user or not user.is_authenticated:
        return None
    return ADMIN if user.is_superuser else user.role


def can_read(user, resource: str) -> bool:
    """True when the user's role may read `resource` (a key of ACCESS; KeyError otherwise)."""
    return role_of(user) in ACCESS[resource][0]


def can_write(user, resource: str) -> bool:
    """True when the user's role may change `resource` (a key of ACCESS; KeyError otherwise)."""
    return role_of(user) in ACCESS[resource][1]


def own_figures_only(user) -> bool:
    """A rep sees KPI figures, forecasts and goals about themselves only."""
    return role_of(user) == REP


def sees_everyones_figures(user) -> bool:
    """Managers and admins may look at the figures of any person, team or pipeline;
    marketing and support at the company's, a pipeline's, a campaign's and their own."""
    return role_of(user) in (MANAGER, ADMIN)


def scope(user, resource: str, queryset: QuerySet) -> QuerySet:
    """The rows of `resource` this user may see at all (others are a 404, not a 403)."""
    if not can_read(user, resource):
        return queryset.none()
    role = role_of(user)
    if resource == "saved_views":
        # Even an admin sees only their own views and their team's shared ones.
        team_id = user.home_team_id
        shared = Q(shared=True, team_id=team_id) if team_id else Q(pk__in=[])
        return queryset.filter(Q(owner=user) | shared)
    if resource == "bulk_actions":
        return queryset if role == ADMIN else queryset.filter(actor=user)
    if role in (MANAGER, ADMIN):
        return queryset
    if resource == "deals":
        return queryset.filter(owner=user)
    if resource == "merges":
        return queryset.filter(merged_by=user)
    if resource == "leads":
        return queryset if role == MARKETING else queryset.filter(owner=user)
    if resource == "activities":
        # Their own tasks, and those they handed to somebody else.
        return queryset.filter(Q(assignee=user) | Q(created_by=user))
    if resource == "tickets" and role == REP:
        # A rep follows the tickets of their own customers (the copy of the contact's
        # owner that triggers keep on each ticket: an index read, not a join).
        return queryset.filter(customer_owner=user)
    if resource == "purchases" and role == REP:
        return queryset.filter(Q(contact__owner=user) | Q(deal__owner=user))
    if resource == "subscriptions" and role == REP:
        # Like purchases: a rep follows the subscriptions of their own customers.
        return queryset.filter(contact__owner=user)
    if resource == "notes":
        return queryset.filter(_notes_on_visible_records(user))
    if resource == "emails":
        return _emails_scope(user, queryset)
    return queryset


def _notes_on_visible_records(user) -> Q:
    """A note is visible with the record it is on: another rep's deal keeps its notes."""
    records = (
        ("deal", "deals", Deal),
        ("contact", "contacts", Contact),
        ("company", "companies", Company),
        ("ticket", "tickets", Ticket),
    )
    visible = Q(pk__in=[])
    for field, resource, model in records:
        if can_read(user, resource):
            rows = scope(user, resource, model.objects.all())
            visible |= Q(**{f"{field}__in": rows.values("pk")})
    return visible


def _emails_scope(user, queryset: QuerySet) -> QuerySet:
    """An email is seen by who sees its deal and its ticket; one on the contact alone by
    everyone who reads contacts (everyone)."""
    deal_seen = Q(deal__isnull=True)
    if can_read(user, "deals"):
        deal_seen |= Q(deal__in=scope(user, "deals", Deal.objects.all()).values("pk"))
    ticket_seen = Q(ticket__isnull=True)
    if can_read(user, "tickets"):
        ticket_seen |= Q(ticket__in=scope(user, "tickets", Ticket.objects.all()).values("pk"))
    return queryset.filter(deal_seen & ticket_seen)


def can_edit_row(user, resource: str, row) -> bool:
    """Write access to one visible row: reps change what they own (or nobody owns yet),
    and the interactions and referrals of such contacts only."""
    if not can_write(user, resource):
        return False
    if resource == "notes":
        # A note speaks for its author; managers and admins may tidy anyone's.
        return role_of(user) in (MANAGER, ADMIN) or row.author_id == user.pk
    if resource == "saved_views":
        return row.owner_id == user.pk
    if resource == "bulk_actions":
        return role_of(user) == ADMIN or row.actor_id == user.pk
    if resource in ("companies", "contacts"):
        return may_touch_contact(user, row)
    if resource == "interactions":
        return may_touch_contact(user, row.contact)
    if resource == "referrals":
        # A referral is the referred contact's history; the referrer may be anyone's.
        return may_touch_contact(user, row.referred)
    return True


def may_touch_contact(user, contact) -> bool:
    """A rep changes a contact or company (and records what it did) only when it is
    theirs or nobody's; every other role as its write rights say."""
    return role_of(user) != REP or contact.owner_id in (None, user.pk)


def others_records_on(user, resource: str, row) -> list[str]:
    """What other people's work hangs on a contact or company, as counted phrases
    (["2 deals", "1 ticket"]); empty for managers and admins, who may remove anything.

    Deleting or merging such a record would cut another rep's deal from its contact,
    cascade away their leads and tasks, or orphan support's tickets.
    """
    if (
        user is None
        or role_of(user) in (MANAGER, ADMIN)
        or resource not in ("contacts", "companies")
    ):
        return []
    others = [
        (row.deals.exclude(owner=user), "deal"),
        (row.tickets.all(), "ticket"),
    ]
    if resource == "contacts":
        others += [
            (row.leads.exclude(owner=user), "lead"),
            (row.activities.exclude(assignee=user), "activity"),
        ]
    else:
        others.append((row.contacts.exclude(owner=None).exclude(owner=user), "contact"))
    phrases = []
    for queryset, noun in others:
        count = queryset.count()
        if count:
            phrases.append(_counted(noun, count))
    return phrases


def _counted(noun: str, count: int) -> str:
    forms = {
        "deal": ngettext("%(count)d deal", "%(count)d deals", count),
        "ticket": ngettext("%(count)d ticket", "%(count)d tickets", count),
        "lead": ngettext("%(count)d lead", "%(count)d leads", count),
        "activity": ngettext("%(count)d activity", "%(count)d activities", count),
        "contact": ngettext("%(count)d contact", "%(count)d contacts", count),
    }
    return forms[noun] % {"count": count}


def require_may_remove(user, resource: str, *rows) -> None:
    """Merging or deleting contacts and companies that carry other people's records is a
    manager's or admin's call: PermissionDenied naming what depends on them otherwise."""
    for row in rows:
        phrases = others_records_on(user, resource, row)
        if phrases:
            raise PermissionDenied(
                _(
                    "“%(name)s” carries other people's records (%(records)s); "
                    "ask a manager to merge or delete it."
                )
                % {"name": row, "records": ", ".join(phrases)}
            )
