"""One FilterSet per resource, shared by every door that lists it.

The API viewsets name it as `filterset_class` (so the OpenAPI schema documents it), the
browser's list page builds its filter bar and its rows from it (crm/web/list_catalog.py
names it for saved views), and the CSV/XLSX export narrows by it
(crm/importing/resources.py): the same query string selects the same rows in all three.
Parameters are the union of what each door took before: the API's names are a contract,
the pages add `q` (their search box) and their bar's filters (`state`, `min_score`,
`breached`), the data-quality page's exports `missing` and `stale`.
"""

from .contacts import (
    CompanyFilter,
    ContactFilter,
    InteractionFilter,
    NpsResponseFilter,
    ReferralFilter,
)
from .people import TeamFilter, UserFilter
from .records import EmailMessageFilter, NoteFilter
from .revenue import PurchaseFilter, SpendFilter, SubscriptionFilter
from .sales import ActivityFilter, DealFilter, LeadFilter, PipelineFilter, StageFilter
from .support import TicketFilter

__all__ = [
    "ActivityFilter",
    "CompanyFilter",
    "ContactFilter",
    "DealFilter",
    "EmailMessageFilter",
    "InteractionFilter",
    "LeadFilter",
    "NoteFilter",
    "NpsResponseFilter",
    "PipelineFilter",
    "PurchaseFilter",
    "ReferralFilter",
    "SpendFilter",
    "StageFilter",
    "SubscriptionFilter",
    "TeamFilter",
    "TicketFilter",
    "UserFilter",
]
