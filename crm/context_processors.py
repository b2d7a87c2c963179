"""Template context every page needs: the navigation for the user's role and their badges."""

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from crm import policies
from crm.models import Notification, Role

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: "StrOrPromise"
    icon: str
    # Shown when the user may read this policy resource, or (if None) has one of `roles`.
    resource: str | None = None
    roles: frozenset = frozenset(Role.values)


NAVIGATION = (
    NavItem("web:home", _("My day"), "home"),
    NavItem("web:board", _("Pipeline"), "board", resource="deals"),
    NavItem("web:deal_list", _("Deals"), "deal", resource="deals"),
    NavItem("web:lead_list", _("Leads"), "lead", resource="leads"),
    NavItem("web:contact_list", _("Contacts"), "contact", resource="contacts"),
    NavItem("web:company_list", _("Companies"), "company", resource="companies"),
    NavItem("web:activity_list", _("Activities"), "activity", resource="activities"),
    NavItem("web:ticket_list", _("Tickets"), "ticket", resource="tickets"),
    NavItem("metrics:dashboard", _("Dashboard"), "chart", resource="kpis"),
    NavItem(
        "metrics:reports",
        _("Reports"),
        "report",
        # Reps open their own row of the sales report; the report pages scope it.
        roles=frozenset({Role.REP, Role.MANAGER, Role.MARKETING, Role.SUPPORT, Role.ADMIN}),
    ),
    NavItem("metrics:forecast", _("Forecast"), "chart", resource="forecast"),
    NavItem("goals:list", _("Goals"), "goal", resource="goals"),
    NavItem(
        "automation:rules",
        _("Automation"),
        "bolt",
        roles=frozenset({Role.MARKETING, Role.MANAGER, Role.ADMIN}),
    ),
    NavItem(
        "marketing:campaigns",
        _("Campaigns"),
        "mail",
        roles=frozenset({Role.MARKETING, Role.MANAGER, Role.ADMIN}),
    ),
    NavItem(
        "marketing:segments",
        _("Segments"),
        "contact",
        roles=frozenset({Role.MARKETING, Role.MANAGER, Role.ADMIN}),
    ),
    NavItem("web:suppression_list", _("Suppression list"), "mail", resource="suppressions"),
    NavItem("importing:start", _("Import"), "upload", resource="imports"),
    NavItem("importing:quality", _("Data quality"), "check", resource="imports"),
    NavItem("metrics:exchange_rates", _("Exchange rates"), "chart", resource="exchange_rates"),
    NavItem("web:settings", _("Settings"), "edit", resource="settings"),
)


def _allowed(user, item: NavItem) -> bool:
    if item.resource is not None:
        return policies.can_read(user, item.resource)
    return user.has_role(*item.roles)


def nav_items(user, path: str) -> list[dict]:
    """The links this user may follow, in menu order, marking the one for `path` current."""
    items: list[dict[str, Any]] = []
    for item in NAVIGATION:
        if not _allowed(user, item):
            continue
        url = reverse(item.url_name)
        items.append({"url": url, "label": item.label, "icon": item.icon, "name": item.url_name})
    # The longest matching prefix wins, so /pipeline/3/ marks "Pipeline", not "My day".
    matches = [
        i for i in items if path == i["url"] or (i["url"] != "/" and path.startswith(i["url"]))
    ]
    current = max(matches, key=lambda i: len(i["url"]), default=None)
    for entry in items:
        entry["current"] = entry is current
    return items


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_items": SimpleLazyObject(lambda: nav_items(user, request.path)),
        # Lazy: costs a query only on pages that render the badge. A cached callable, not a
        # SimpleLazyObject: templates call it and get a real int, which plural formulas
        # such as Romanian's (`n % 100`) need.
        "unread_notifications": cache(
            lambda: Notification.objects.filter(user=user, read_at__isnull=True).count()
        ),
        "show_admin_link": user.is_staff or user.is_admin_role,
    }
