"""Links to the apps' pages — the menu, My day's shortcuts, the settings index, the buttons
on a record's page — filled by each app from its AppConfig.ready().

crm draws these pages but must not name other apps' pages: they sit above it (the import
contracts in pyproject.toml), and the links would break, or point at a page that is not
there, whenever an app is removed or renamed. So each app registers its own links
(`<app>/navigation.py`), and crm only orders and filters what it was given.

`order` places a link among the others; in the menu the bands keep related pages together:
  100-899   records (crm: My day, pipeline, deals … tickets)
  900-1299  figures (metrics: dashboard, reports, forecast; goals)
  1300-1599 outreach (automation rules, marketing campaigns and segments)
  1600-2099 administration (suppression list, import, exchange rates, settings)
"""

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from django.utils.translation import gettext_lazy as _

from crm.models import Role

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class NavItem:
    """An entry of the main menu."""

    url_name: str
    label: "StrOrPromise"
    icon: str
    order: int
    # Shown when the user may read this policy resource, or (if None) has one of `roles`.
    resource: str | None = None
    roles: frozenset[str] = frozenset(Role.values)

    @property
    def key(self) -> Hashable:
        return self.url_name

    @property
    def place(self) -> tuple[str, int]:
        return ("", self.order)


@dataclass(frozen=True)
class Shortcut:
    """A card on My day for users of one role (the menu's first steps for that role)."""

    url_name: str
    label: "StrOrPromise"
    description: "StrOrPromise"
    icon: str
    role: str
    order: int

    @property
    def key(self) -> Hashable:
        return (self.role, self.url_name)

    @property
    def place(self) -> tuple[str, int]:
        return (self.role, self.order)


@dataclass(frozen=True)
class SettingsSection:
    """A section of the settings index, shown to whoever may read `resource`."""

    url_name: str
    title: "StrOrPromise"
    summary: "StrOrPromise"
    resource: str
    order: int

    @property
    def key(self) -> Hashable:
        return self.url_name

    @property
    def place(self) -> tuple[str, int]:
        return ("", self.order)


@dataclass(frozen=True)
class RecordAction:
    """A button another app adds to the head of a record's page (`record`: "contact",
    "lead"), drawn by crm's `{% record_actions %}` tag.

    `url_name` takes one argument, the record's `arg` attribute; `method` "post" makes the
    button a form (CSRF token, and `next` back to the page). Shown to users who may write
    `resource` (or read it, with `write=False`), for records `shown` accepts.
    """

    record: str
    url_name: str
    label: "StrOrPromise"
    icon: str
    order: int
    resource: str
    write: bool = True
    method: str = "get"
    arg: str = "pk"
    shown: Callable[[Any], bool] = bool

    @property
    def key(self) -> Hashable:
        return (self.record, self.url_name)

    @property
    def place(self) -> tuple[str, int]:
        return (self.record, self.order)


class _Link(Protocol):
    @property
    def key(self) -> Hashable: ...
    @property
    def place(self) -> tuple[str, int]: ...


LinkT = TypeVar("LinkT", bound=_Link)


class LinkRegistry(Generic[LinkT]):
    """Links by key (their page, and for shortcuts the role), listed by place."""

    def __init__(self) -> None:
        self.entries: dict[Hashable, LinkT] = {}

    def register(self, *links: LinkT) -> None:
        """Add `links`. Call from an AppConfig.ready().

        Registering the same key again replaces its link (ready() may run twice, e.g. in a
        test that reloads apps). Two links in the same place would make the order depend
        on start-up order, so that raises ValueError.
        """
        for link in links:
            clash = next(
                (
                    other
                    for other in self.entries.values()
                    if other.place == link.place and other.key != link.key
                ),
                None,
            )
            if clash is not None:
                raise ValueError(f"{clash.key!r} and {link.key!r} share place {link.place}")
            self.entries[link.key] = link

    def registered(self) -> list[LinkT]:
        """Every link, by place (before any role or permission filter)."""
        return sorted(self.entries.values(), key=lambda link: link.place)


MENU: LinkRegistry[NavItem] = LinkRegistry()
SHORTCUTS: LinkRegistry[Shortcut] = LinkRegistry()
SETTINGS_SECTIONS: LinkRegistry[SettingsSection] = LinkRegistry()
RECORD_ACTIONS: LinkRegistry[RecordAction] = LinkRegistry()

nav_register = MENU.register
nav_registered = MENU.registered


def shortcuts_for(role: str) -> list[Shortcut]:
    """My day's shortcut cards for `role`, in order."""
    return [link for link in SHORTCUTS.registered() if link.role == role]


# crm's own links; the other apps register theirs from their AppConfig.ready().
CRM_MENU = (
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

CRM_SHORTCUTS = (
    Shortcut(
        "web:ticket_list",
        _("Ticket queue"),
        _("Open tickets by priority and SLA."),
        "ticket",
        role=Role.SUPPORT,
        order=100,
    ),
    Shortcut(
        "web:contact_list",
        _("Customers"),
        _("Find a customer and their history."),
        "contact",
        role=Role.SUPPORT,
        order=300,
    ),
    Shortcut(
        "web:lead_list",
        _("Leads"),
        _("Score, qualify and hand leads to sales."),
        "lead",
        role=Role.MARKETING,
        order=100,
    ),
    Shortcut(
        "web:board",
        _("Pipeline"),
        _("Every rep's deals, stage by stage."),
        "board",
        role=Role.MANAGER,
        order=100,
    ),
    Shortcut(
        "admin:index",
        _("Administration"),
        _("Users, roles, pipelines and stages."),
        "company",
        role=Role.ADMIN,
        order=100,
    ),
    Shortcut(
        "web:board",
        _("Pipeline"),
        _("Every deal, stage by stage."),
        "board",
        role=Role.ADMIN,
        order=200,
    ),
)

CRM_SETTINGS_SECTIONS = (
    SettingsSection(
        "web:settings_users",
        _("Users and roles"),
        _("Invite, change roles, deactivate."),
        "users",
        order=100,
    ),
    SettingsSection(
        "web:settings_teams",
        _("Teams"),
        _("Who works together, and who leads."),
        "teams",
        order=200,
    ),
    SettingsSection(
        "web:settings_pipelines",
        _("Pipelines and stages"),
        _("Stage order, win probability, rotting days."),
        "pipelines",
        order=300,
    ),
    SettingsSection(
        "web:settings_lost_reasons",
        _("Lost reasons"),
        _("What sellers pick when a deal is lost."),
        "lost_reasons",
        order=400,
    ),
    SettingsSection(
        "web:settings_sla",
        _("SLA targets"),
        _("Hours to answer and resolve a ticket, per priority."),
        "sla_targets",
        order=500,
    ),
    # 600: metrics' exchange rates.
    SettingsSection(
        "web:settings_email",
        _("Email sender"),
        _("The From of every email sent."),
        "settings",
        order=700,
    ),
    SettingsSection(
        "web:settings_email_templates",
        _("Email templates"),
        _("Ready-made emails sellers and agents send from records."),
        "email_templates",
        order=800,
    ),
    SettingsSection(
        "web:settings_audit",
        _("Audit log"),
        _("Sign-ins, role changes, exports, merges, deletes and settings changes."),
        "audit",
        order=900,
    ),
)


def register_crm_links() -> None:
    """crm's own menu entries, shortcuts and settings sections (CrmConfig.ready)."""
    MENU.register(*CRM_MENU)
    SHORTCUTS.register(*CRM_SHORTCUTS)
    SETTINGS_SECTIONS.register(*CRM_SETTINGS_SECTIONS)
