"""Who may read and write what: the one policy the API and the browser both enforce.

Roles grant access to a resource; ownership narrows it. A rep reads and edits only their
own leads, deals and activities (anything else is a 404); managers and admins see all;
marketing reads contacts and leads and owns campaigns and rules; support owns tickets.
"""

from django.db.models import Q, QuerySet

from crm.models import Role

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
    "purchases": (frozenset({REP, MANAGER, MARKETING, ADMIN}), frozenset({MANAGER, ADMIN})),
    "subscriptions": (EVERYONE, frozenset({MANAGER, SUPPORT, ADMIN})),
    "tickets": (frozenset({REP, SUPPORT, MANAGER, ADMIN}), frozenset({SUPPORT, MANAGER, ADMIN})),
    "nps": (frozenset({SUPPORT, MANAGER, MARKETING, ADMIN}), frozenset({SUPPORT, MANAGER, ADMIN})),
    "referrals": (EVERYONE, SALES | {MARKETING}),
    "spend": (frozenset({MANAGER, MARKETING, ADMIN}), frozenset({MANAGER, MARKETING, ADMIN})),
    "campaigns": (EVERYONE, frozenset({MARKETING, ADMIN})),
    "automation": (frozenset({MARKETING, MANAGER, ADMIN}), frozenset({MARKETING, ADMIN})),
    "kpis": (EVERYONE, frozenset()),
    # The pipeline forecast: managers and admins for any scope, a rep for their own deals.
    "forecast": (SALES, frozenset()),
    "exchange_rates": (frozenset({MANAGER, ADMIN}), frozenset({ADMIN})),
    "goals": (EVERYONE, frozenset({REP, MANAGER, ADMIN})),
    "quotas": (EVERYONE, frozenset({MANAGER, ADMIN})),
    "imports": (frozenset({MANAGER, ADMIN}), frozenset({MANAGER, ADMIN})),
    "suppressions": (frozenset({MARKETING, ADMIN}), frozenset({MARKETING, ADMIN})),
    # The deal "mark lost" form offers them to every seller; admins keep the list.
    "lost_reasons": (EVERYONE, frozenset({ADMIN})),
    "sla_targets": (EVERYONE, frozenset({ADMIN})),
    # The Settings area in the browser: managers look, admins change.
    "settings": (frozenset({MANAGER, ADMIN}), frozenset({ADMIN})),
    # Named views of the lists: everyone keeps their own and reads their team's shared ones.
    "saved_views": (EVERYONE, EVERYONE),
}


def _role(user) -> str | None:
    if not user or not user.is_authenticated:
        return None
    return ADMIN if user.is_superuser else user.role


def can_read(user, resource: str) -> bool:
    return _role(user) in ACCESS[resource][0]


def can_write(user, resource: str) -> bool:
    return _role(user) in ACCESS[resource][1]


def scope(user, resource: str, queryset: QuerySet) -> QuerySet:
    """The rows of `resource` this user may see at all (others are a 404, not a 403)."""
    if not can_read(user, resource):
        return queryset.none()
    role = _role(user)
    if resource == "saved_views":
        # Even an admin sees only their own views and their team's shared ones.
        shared = Q(shared=True, team_id=user.team_id) if user.team_id else Q(pk__in=[])
        return queryset.filter(Q(owner=user) | shared)
    if role in (MANAGER, ADMIN):
        return queryset
    if resource == "deals":
        return queryset.filter(owner=user)
    if resource == "leads":
        return queryset if role == MARKETING else queryset.filter(owner=user)
    if resource == "activities":
        return queryset.filter(assignee=user)
    if resource == "tickets" and role == REP:
        # A rep follows the tickets of their own customers.
        return queryset.filter(contact__owner=user)
    if resource == "purchases" and role == REP:
        return queryset.filter(Q(contact__owner=user) | Q(deal__owner=user))
    return queryset


def can_edit_row(user, resource: str, row) -> bool:
    """Write access to one visible row: reps change what they own (or nobody owns yet)."""
    if not can_write(user, resource):
        return False
    if resource == "saved_views":
        return row.owner_id == user.pk
    if _role(user) != REP or resource not in ("companies", "contacts"):
        return True
    return row.owner_id in (None, user.pk)
