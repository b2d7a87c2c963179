"""The main menu, filled by each app from its AppConfig.ready().

crm draws the menu (crm.context_processors) but must not name other apps' pages: they sit
above it (the import contracts in pyproject.toml), and the menu would break, or list a
page that is not there, whenever an app is removed or renamed. So each app registers its
own entries with `nav_register`, and crm only orders and filters what it was given.

`order` places an entry in the menu; the bands keep related pages together:
  100-899   records (crm: My day, pipeline, deals … tickets)
  900-1299  figures (metrics: dashboard, reports, forecast; goals)
  1300-1599 outreach (automation rules, marketing campaigns and segments)
  1600-2099 administration (suppression list, import, exchange rates, settings)
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from crm.models import Role

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: "StrOrPromise"
    icon: str
    order: int
    # Shown when the user may read this policy resource, or (if None) has one of `roles`.
    resource: str | None = None
    roles: frozenset[str] = frozenset(Role.values)


_registered: dict[str, NavItem] = {}


def nav_register(*items: NavItem) -> None:
    """Add `items` to the menu. Call from an AppConfig.ready().

    Keyed by `url_name`: registering the same page again replaces its entry (ready() may
    run twice, e.g. in a test that reloads apps). Two pages with the same `order` would
    make the menu's order depend on start-up order, so that raises ValueError.
    """
    for item in items:
        clash = next(
            (
                other
                for other in _registered.values()
                if other.order == item.order and other.url_name != item.url_name
            ),
            None,
        )
        if clash is not None:
            raise ValueError(
                f"menu entries {clash.url_name!r} and {item.url_name!r} share order {item.order}"
            )
        _registered[item.url_name] = item


def nav_registered() -> list[NavItem]:
    """Every registered entry, in menu order (before any role or permission filter)."""
    return sorted(_registered.values(), key=lambda item: item.order)


# crm's own pages; the other apps register theirs from their AppConfig.ready().
CRM_ITEMS = (
    NavItem("web:home", _("My day"), "home", order=100),
    NavItem("web:board", _("Pipeline"), "board", order=200, resource="deals"),
    NavItem("web:deal_list", _("Deals"), "deal", order=300, resource="deals"),
    NavItem("web:lead_list", _("Leads"), "lead", order=400, resource="leads"),
    NavItem("web:contact_list", _("Contacts"), "contact", order=500, resource="contacts"),
    NavItem("web:company_list", _("Companies"), "company", order=600, resource="companies"),
    NavItem("web:activity_list", _("Activities"), "activity", order=700, resource="activities"),
    NavItem("web:ticket_list", _("Tickets"), "ticket", order=800, resource="tickets"),
    NavItem(
        "web:suppression_list",
        _("Suppression list"),
        "mail",
        order=1600,
        resource="suppressions",
    ),
    NavItem("importing:start", _("Import"), "upload", order=1700, resource="imports"),
    NavItem("importing:quality", _("Data quality"), "check", order=1800, resource="imports"),
    NavItem("web:settings", _("Settings"), "edit", order=2000, resource="settings"),
)
