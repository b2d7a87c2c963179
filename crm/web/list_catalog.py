"""What each list page offers a saved view: its filters, sorts, optional columns and
built-in views.

The filters are the list's django-filter FilterSet (crm/filters, the one its API and
its export use too) and the sorts
its ListSpec, so a saved view can hold exactly what the page's own query string holds:
`q`, `sort` and the filter fields. The services validate views against this catalog,
the list pages render their optional columns from it.
"""

from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_filters import FilterSet

from crm import filters, policies
from crm.models import Activity, Company, Contact, Deal, Lead, ListKey, Ticket

if TYPE_CHECKING:
    pass

SEARCH, SORT = "q", "sort"
# The longest value one query parameter of a view may hold.
MAX_VALUE_LENGTH = 200
# In a built-in view's query, the user who applies it.
ME = "{me}"


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise
    default: bool = True


@dataclass(frozen=True)
class BuiltinView:
    key: str
    name: Promise
    query: dict
    # Who is offered it: "mine" views only for the roles that can own such rows.
    roles: frozenset = policies.EVERYONE


@dataclass(frozen=True)
class ListEntry:
    key: str
    url_name: str
    model: type[Activity | Company | Contact | Deal | Lead | Ticket]
    filterset: type[FilterSet]
    views_module: str
    # Columns a user may hide or show; the record's name and the row actions always show.
    columns: tuple[Column, ...]
    builtins: tuple[BuiltinView, ...] = ()

    @property
    def label(self):
        return ListKey(self.key).label

    @property
    def filter_keys(self) -> frozenset[str]:
        return frozenset(self.filterset.base_filters)

    @property
    def sort_keys(self) -> frozenset[str]:
        # The ListSpec lives with the list's view; imported late (the views import us).
        return frozenset(import_module(self.views_module).SPEC.sorts)

    @property
    def query_keys(self) -> frozenset[str]:
        return self.filter_keys | {SEARCH, SORT}

    @property
    def column_keys(self) -> tuple[str, ...]:
        return tuple(column.key for column in self.columns)

    @property
    def default_columns(self) -> list[str]:
        return [column.key for column in self.columns if column.default]


LISTS: dict[str, ListEntry] = {
    ListKey.DEALS: ListEntry(
        key=ListKey.DEALS,
        url_name="web:deal_list",
        model=Deal,
        filterset=filters.DealFilter,
        views_module="crm.web.views.deals",
        columns=(
            Column("stage", _("Stage")),
            Column("status", _("Status")),
            Column("contact", _("Contact")),
            Column("company", _("Company"), default=False),
            Column("owner", _("Owner")),
            Column("close", _("Expected close")),
            Column("created", _("Created"), default=False),
        ),
        builtins=(
            BuiltinView("my-open", _("My open deals"), {"status": "open", "owner": ME}),
            BuiltinView(
                "closing-soon", _("Open deals closing soonest"), {"status": "open", SORT: "close"}
            ),
        ),
    ),
    ListKey.LEADS: ListEntry(
        key=ListKey.LEADS,
        url_name="web:lead_list",
        model=Lead,
        filterset=filters.LeadFilter,
        views_module="crm.web.views.leads",
        columns=(
            Column("score", _("Score")),
            Column("status", _("Status")),
            Column("source", _("Source")),
            Column("campaign", _("Campaign")),
            Column("owner", _("Owner")),
            Column("created", _("Created")),
        ),
        builtins=(
            BuiltinView(
                "my-new", _("My new leads"), {"status": "new", "owner": ME}, policies.SALES
            ),
            BuiltinView("hot", _("Hot leads"), {"min_score": "70", SORT: "-score"}),
        ),
    ),
    ListKey.CONTACTS: ListEntry(
        key=ListKey.CONTACTS,
        url_name="web:contact_list",
        model=Contact,
        filterset=filters.ContactFilter,
        views_module="crm.web.views.contacts",
        columns=(
            Column("email", _("Email")),
            Column("phone", _("Phone")),
            Column("company", _("Company")),
            Column("lifecycle", _("Lifecycle")),
            Column("source", _("Source"), default=False),
            Column("owner", _("Owner")),
        ),
        builtins=(
            BuiltinView(
                "my-customers",
                _("My customers"),
                {"lifecycle": "customer", "owner": ME},
                policies.SALES,
            ),
        ),
    ),
    ListKey.COMPANIES: ListEntry(
        key=ListKey.COMPANIES,
        url_name="web:company_list",
        model=Company,
        filterset=filters.CompanyFilter,
        views_module="crm.web.views.companies",
        columns=(
            Column("domain", _("Domain")),
            Column("industry", _("Industry")),
            Column("phone", _("Phone"), default=False),
            Column("contacts", _("Contacts")),
            Column("owner", _("Owner")),
        ),
        builtins=(BuiltinView("mine", _("My companies"), {"owner": ME}, policies.SALES),),
    ),
    ListKey.ACTIVITIES: ListEntry(
        key=ListKey.ACTIVITIES,
        url_name="web:activity_list",
        model=Activity,
        filterset=filters.ActivityFilter,
        views_module="crm.web.views.activities",
        columns=(
            Column("kind", _("Kind")),
            Column("due", _("Due")),
            Column("linked", _("Linked to")),
            Column("assignee", _("Assignee")),
        ),
        builtins=(BuiltinView("my-open", _("My open tasks"), {"state": "open", "assignee": ME}),),
    ),
    ListKey.TICKETS: ListEntry(
        key=ListKey.TICKETS,
        url_name="web:ticket_list",
        model=Ticket,
        filterset=filters.TicketFilter,
        views_module="crm.web.views.tickets",
        columns=(
            Column("priority", _("Priority")),
            Column("customer", _("Customer")),
            Column("status", _("Status")),
            Column("sla", _("SLA due")),
            Column("assignee", _("Assignee")),
        ),
        builtins=(
            BuiltinView(
                "mine",
                _("Assigned to me"),
                {"assignee": ME},
                frozenset({policies.SUPPORT, policies.MANAGER, policies.ADMIN}),
            ),
            BuiltinView("breached", _("SLA breached"), {"breached": "on"}),
        ),
    ),
}


def list_entry(list_key: str) -> ListEntry | None:
    return LISTS.get(list_key)


def builtins_for(entry: ListEntry, user) -> list[BuiltinView]:
    role = policies.role_of(user)
    return [view for view in entry.builtins if role in view.roles]


def builtin_query(view: BuiltinView, user) -> dict:
    return {key: str(user.pk) if value == ME else value for key, value in view.query.items()}
