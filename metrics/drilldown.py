"""Open the number: the records a KPI counts for a period and scope, a page at a time.

The rows come from the KPI's own `records` function (metrics.kpis.*), built from the
querysets its aggregate uses, so the count above each list is the number on the card.
Each list is one COUNT and one page query (related rows joined in), whatever its length.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from metrics.currency import reporting_currency
from metrics.kpis.base import AVERAGED, DENOMINATOR, Rows, elapsed
from metrics.registry import Kpi
from metrics.scopes import Period, Scope, ScopeType

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PAGE_SIZE = 25
API_PAGE_SIZE = 100

# The date shown beside each record: the moment that put it in the period.
DATE_LABELS = {
    "created_at": _("Created"),
    "closed_at": _("Closed"),
    "left_at": _("Left the stage"),
    "done_at": _("Done"),
    "purchased_at": _("Purchased"),
    "started_at": _("Customer since"),
    "customer_since": _("Customer since"),
    "ended_at": _("Churned"),
    "renewal_due": _("Renewal due"),
    "month": _("Month"),
    "referred_on": _("Referred"),
    "start": _("Starts"),
    "resolved_at": _("Resolved"),
    "responded_at": _("Responded"),
}


def _contact(pk):
    return reverse("web:contact_detail", args=[pk])


# model name: (related rows joined in, the record's words, its page or None)
RECORD_VIEWS = {
    "deal": ((), lambda o: o.title, lambda o: reverse("web:deal_detail", args=[o.pk])),
    "lead": (
        ("contact",),
        lambda o: o.contact.full_name,
        lambda o: reverse("web:lead_detail", args=[o.pk]),
    ),
    "activity": (
        ("lead__contact",),
        lambda o: f"{o.subject} · {o.lead.contact.full_name}" if o.lead_id else o.subject,
        lambda o: reverse("web:lead_detail", args=[o.lead_id]) if o.lead_id else None,
    ),
    "stagechange": (
        ("deal", "stage"),
        lambda o: f"{o.deal.title} · {o.stage.name}",
        lambda o: reverse("web:deal_detail", args=[o.deal_id]),
    ),
    "purchase": (
        ("contact",),
        lambda o: f"{o.contact.full_name} · {o.product}" if o.product else o.contact.full_name,
        lambda o: _contact(o.contact_id),
    ),
    "contact": ((), lambda o: o.full_name, lambda o: _contact(o.pk)),
    "customerspell": (
        ("contact",),
        lambda o: o.contact.full_name,
        lambda o: _contact(o.contact_id),
    ),
    "subscription": (
        ("contact",),
        lambda o: f"{o.contact.full_name} · {o.plan}",
        lambda o: _contact(o.contact_id),
    ),
    "spend": (
        ("campaign",),
        lambda o: (
            f"{o.get_category_display()} · {o.campaign.name}"
            if o.campaign_id
            else o.get_category_display()
        ),
        lambda o: None,
    ),
    "referral": (
        ("referrer", "referred"),
        lambda o: f"{o.referrer.full_name} → {o.referred.full_name}",
        lambda o: _contact(o.referrer_id),
    ),
    "quota": (
        ("owner", "team"),
        lambda o: str(o.owner) if o.owner_id else o.team.name,
        lambda o: reverse("goals:quotas"),
    ),
    "ticket": ((), lambda o: o.subject, lambda o: reverse("web:ticket_detail", args=[o.pk])),
    "npsresponse": (
        ("contact",),
        lambda o: f"{o.contact.full_name} · {o.score}/{o.scale}",
        lambda o: _contact(o.contact_id),
    ),
}


@dataclass
class Record:
    pk: int
    label: str
    url: str | None
    date: object
    amount: Decimal | None = None
    currency: str | None = None
    share: Decimal | None = None
    duration: Decimal | None = None


@dataclass
class Part:
    rows: Rows
    count: int
    page: Page
    records: list[Record]
    # The part stands alone as the KPI's number (a count or a sum without a denominator).
    alone: bool
    previous_url: str | None = None
    next_url: str | None = None

    @property
    def key(self) -> str:
        return self.rows.key

    @property
    def title(self) -> "StrOrPromise":
        """ "Counted in the numerator", "Averaged over", …: what the part is in the formula."""
        rows = self.rows
        if rows.role == AVERAGED:
            return _("Averaged over")
        if rows.role == DENOMINATOR:
            return _("Counted in the denominator")
        if rows.sign < 0:
            return _("Subtracted from the numerator")
        if self.alone:
            return _("Summed into the number") if rows.amount else _("Counted in the number")
        return _("Counted in the numerator")

    @property
    def has_share(self) -> bool:
        return self.rows.share is not None

    @property
    def has_duration(self) -> bool:
        return self.rows.duration is not None

    @property
    def date_label(self):
        return DATE_LABELS.get(self.rows.date, "")

    @property
    def page_param(self) -> str:
        return f"{self.key}_page"


def scope_param(scope: Scope) -> str:
    """`company`, `owner:5`, …: the scope as the dashboard's picker and these links write it."""
    return ScopeType.COMPANY if scope.type == ScopeType.COMPANY else f"{scope.type}:{scope.id}"


def period_query(period: Period, scope: Scope) -> str:
    """`period=custom&start=…&end=…&scope=…`: exactly this period and scope, in the
    dashboard's own parameters."""
    return urlencode(
        {
            "period": "custom",
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "scope": scope_param(scope),
        }
    )


def records_url(key: str, period: Period, scope: Scope) -> str:
    """The records page of KPI `key` for exactly this period and scope."""
    return f"{reverse('metrics:kpi_records', args=[key])}?{period_query(period, scope)}"


def ordered(rows: Rows):
    """The part's rows, newest first, with what each row shows joined in."""
    related, _label, _url = RECORD_VIEWS[rows.queryset.model._meta.model_name]
    queryset = rows.queryset.select_related(*related)
    if rows.duration:
        queryset = queryset.annotate(_kpi_duration=elapsed(*rows.duration))
    order = [f"-{rows.date}"] if rows.date else []
    return queryset.order_by(*order, "-pk")


def _record(rows: Rows, obj) -> Record:
    _related, label, url = RECORD_VIEWS[obj._meta.model_name]
    when = getattr(obj, rows.date, None) if rows.date else None
    record = Record(pk=obj.pk, label=label(obj), url=url(obj), date=when)
    if rows.amount:
        record.amount = getattr(obj, rows.amount)
        # Spend and quotas are booked in the reporting currency.
        record.currency = getattr(obj, rows.currency) if rows.currency else reporting_currency()
    if rows.share:
        record.share = rows.share(obj)
    if rows.duration and rows.per is not None:
        record.duration = duration_in(getattr(obj, "_kpi_duration", None), rows.per)
    return record


def duration_in(delta: timedelta | None, per: Decimal) -> Decimal | None:
    if delta is None:
        return None
    return (Decimal(str(delta.total_seconds())) / per).quantize(Decimal("0.01"))


def parts(kpi: Kpi, period: Period, scope: Scope, *, query=None) -> list[Part]:
    """Every part of the KPI's records with its count and the asked-for page of rows.

    `query` (the request's GET) picks each part's page (`<key>_page`) and keeps the rest
    of the query in the page links.
    """
    query = query if query is not None else QueryDict()
    assert kpi.records is not None, kpi.key  # every KPI of KPIS names its records
    all_rows = kpi.records(period, scope)
    alone = not any(rows.role in (DENOMINATOR, AVERAGED) for rows in all_rows)
    found = []
    for rows in all_rows:
        paginator = Paginator(ordered(rows), PAGE_SIZE)
        page = paginator.get_page(query.get(f"{rows.key}_page"))
        part = Part(
            rows=rows,
            count=paginator.count,
            page=page,
            records=[_record(rows, obj) for obj in page.object_list],
            alone=alone,
        )
        if page.has_previous():
            part.previous_url = _page_link(query, part.page_param, page.previous_page_number())
        if page.has_next():
            part.next_url = _page_link(query, part.page_param, page.next_page_number())
        found.append(part)
    return found


def _page_link(query, name: str, number: int) -> str:
    linked = query.copy()
    linked[name] = number
    return f"?{linked.urlencode()}"


def ids_page(rows: Rows, page: int) -> tuple[int, list[int], bool]:
    """(count, the ids of page `page` (from 1), whether another page follows) for the API."""
    queryset = rows.queryset.order_by(*([f"-{rows.date}"] if rows.date else []), "-pk")
    count = queryset.count()
    first = (page - 1) * API_PAGE_SIZE
    ids = list(queryset.values_list("pk", flat=True)[first : first + API_PAGE_SIZE + 1])
    return count, ids[:API_PAGE_SIZE], len(ids) > API_PAGE_SIZE
