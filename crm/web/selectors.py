"""Reads behind the browser pages: the board, My day, the contact timeline.

Each function runs a fixed number of queries, whatever the number of rows.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from django.conf import settings
from django.db import connection
from django.db.models import Case, Count, DateField, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from crm import policies
from crm.counting import first_rows, list_count_limit
from crm.currency import converted_sum, currency_converter, unconverted
from crm.models import (
    Activity,
    Company,
    Contact,
    Deal,
    DealStatus,
    Lead,
    LeadStatus,
    Note,
    Pipeline,
    Purchase,
    Stage,
    StageChange,
    Ticket,
    User,
)
from crm.templatetags.crm_web import money
from crm.web import board_cache

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

CARDS_PER_COLUMN = 20
CARD_ORDER = ("position", "-created_at", "-id")
# What a card shows (templates/board/_card.html, prepare_cards) and nothing more: a board
# draws 120 cards, and loading every column of each deal, contact and owner cost more
# than drawing them. A field the card starts to show belongs here (the board's query-count
# test fails otherwise: a deferred field is one query per card).
CARD_FIELDS = (
    "title",
    "value",
    "currency",
    "stage_id",
    "created_at",
    "stage_entered_at",
    "contact__first_name",
    "contact__last_name",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
)


def _card_rows(deals: QuerySet[Deal]) -> QuerySet[Deal]:
    return deals.select_related("contact", "owner").only(*CARD_FIELDS).order_by(*CARD_ORDER)


def board_deals(*, user: User, pipeline: Pipeline, owner_id: int | None = None) -> QuerySet[Deal]:
    """The open deals of a pipeline this user may see, optionally one owner's."""
    deals = policies.scope(user, "deals", Deal.objects.filter(pipeline=pipeline).open())
    if owner_id:
        deals = deals.filter(owner_id=owner_id)
    return deals


# Converts each group of column_totals' inner query (one stage, currency and creation
# day) at the rate crm.currency's converter uses for that day: the latest rate with
# valid_from on or before it; the reporting currency needs none. Per group rather than per
# deal so that the rate lookups number the days, not the deals: at 50,000 deals the per-deal
# form also made PostgreSQL JIT-compile the statement, ten times its run time.
_CONVERT_GROUPS = """
SELECT g.stage_id, g.currency, SUM(g.n)::bigint, SUM(g.raw),
    SUM(CASE WHEN g.currency = %s THEN g.raw ELSE g.raw / (
        SELECT r.rate FROM {rates} r WHERE r.currency = g.currency AND r.valid_from <= g.day
        ORDER BY r.valid_from DESC LIMIT 1) END),
    ARRAY_AGG(g.day ORDER BY g.day) FILTER (WHERE g.currency <> %s AND NOT EXISTS (
        SELECT 1 FROM {rates} r WHERE r.currency = g.currency AND r.valid_from <= g.day))
FROM ({groups}) g
GROUP BY g.stage_id, g.currency
ORDER BY g.stage_id, g.currency
"""


class ColumnPart(TypedDict):
    currency: str
    amount: Decimal
    count: int


class MissingRate(TypedDict):
    currency: str
    date: date


class ColumnTotal(TypedDict):
    """A board column's (or a list's) deals: count, total in the reporting currency, the
    per-currency parts it was made of, and the deals left out for want of a rate."""

    count: int
    total: Decimal
    parts: list[ColumnPart]
    missing: list[MissingRate]


class ListTotal(ColumnTotal, total=False):
    count_is_exact: bool


# One row of column_totals_sql: stage id, currency, count, raw sum, converted sum (None
# when no deal had a rate), creation days without a rate (None when none is missing).
TotalsRow = tuple[int, str, int, Decimal, Decimal | None, list[date] | None]


def column_totals_sql(deals: QuerySet[Deal]) -> tuple[str, list[Any]]:
    """The SQL of `column_totals` and its parameters: rows of (stage id, currency, count,
    raw sum, sum in the reporting currency or None, creation days without a rate or None),
    ordered by stage and currency; `column_totals_from_rows` reads them."""
    reporting = settings.GOALPOST_REPORTING_CURRENCY
    groups = (
        deals.order_by()
        .annotate(
            day=Case(
                When(currency=reporting, then=Value(None)),
                default=TruncDate("created_at"),
                output_field=DateField(),
            )
        )
        .values("stage_id", "currency", "day")
        .annotate(n=Count("id"), raw=Sum("value"))
    )
    inner, inner_params = groups.query.sql_with_params()
    rates = connection.ops.quote_name(currency_converter().rates_table())
    sql = _CONVERT_GROUPS.replace("{rates}", rates)
    # The two placeholders of the SELECT list come before the inner query's.
    return sql.replace("{groups}", inner), [reporting, reporting, *inner_params]


def column_totals_from_rows(rows: Iterable[TotalsRow]) -> dict[int, ColumnTotal]:
    """`column_totals`' result from the rows of `column_totals_sql`."""
    totals: dict[int, ColumnTotal] = {}
    for stage_id, currency, count, raw, total, unrated_days in rows:
        column = totals.setdefault(
            stage_id, {"count": 0, "total": Decimal(0), "parts": [], "missing": []}
        )
        column["count"] += count
        column["total"] += total or Decimal(0)
        column["parts"].append({"currency": currency, "amount": raw, "count": count})
        column["missing"] += [{"currency": currency, "date": day} for day in unrated_days or ()]
    for column in totals.values():
        column["total"] = column["total"].quantize(Decimal("0.01"))
        column["missing"].sort(key=lambda row: (row["date"], row["currency"]))
    return totals


def column_totals(deals: QuerySet[Deal]) -> dict[int, ColumnTotal]:
    """{stage id: {"count", "total", "parts", "missing"}} for every stage with deals.

    `total` is the open value in the reporting currency, each deal converted at the rate
    of its creation day (crm.currency); `parts` are the raw [{"currency", "amount",
    "count"}] it was made of; `missing` lists [{"currency", "date"}] of deals left out of
    the total for want of a rate, by date. One query, whatever the number of deals or of
    missing rates.
    """
    sql, params = column_totals_sql(deals)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return column_totals_from_rows(cursor.fetchall())


def deal_list_total(deals: QuerySet[Deal], limit: int | None = None) -> ListTotal:
    """{"count", "count_is_exact", "total", "parts", "missing"} of every deal a list's
    filter matches (all pages), shaped like a board column's (`column_totals`), when at
    most `limit` deals match (default settings.LIST_COUNT_LIMIT).

    Above the limit only {"count": limit, "count_is_exact": False} means anything (total
    0, no parts): the sum of some of the matching deals would read as the sum of all of
    them, and summing all of them is what grows with the table (200 to 330 ms at 500,000
    deals). The grouped query reads at most `limit` + 1 deals either way, so it is the
    list's bounded count too (crm.counting).

    Each value converts at the rate of its close day when the deal is closed, else of its
    creation day (crm.currency); deals with no rate by that day are left out of
    `total` and named in `missing` [{"currency", "date"}]. One grouped query, a second only
    when rates are missing.
    """
    limit = limit if limit and limit > 0 else list_count_limit()
    deals = first_rows(deals, limit + 1).annotate(valued_on=Coalesce("closed_at", "created_at"))
    rows = (
        deals.values("currency")
        .annotate(
            count=Count("id"),
            raw=Sum("value"),
            total=converted_sum("value", "currency", "valued_on"),
            unrated=Count("id", filter=unconverted("currency", "valued_on")),
        )
        .order_by("currency")
    )
    summary: ListTotal = {"count": 0, "total": Decimal(0), "parts": [], "missing": []}
    unrated = False
    for row in rows:
        summary["count"] += row["count"]
        summary["total"] += row["total"] or Decimal(0)
        summary["parts"].append(
            {"currency": row["currency"], "amount": row["raw"], "count": row["count"]}
        )
        unrated = unrated or bool(row["unrated"])
    if summary["count"] > limit:
        return {
            **summary,
            "count": limit,
            "count_is_exact": False,
            "total": Decimal(0),
            "parts": [],
        }
    summary["count_is_exact"] = True
    summary["total"] = summary["total"].quantize(Decimal("0.01"))
    if unrated:
        summary["missing"] = [
            {"currency": currency, "date": day}
            for currency, day in deals.filter(unconverted("currency", "valued_on"))
            .annotate(day=TruncDate("valued_on"))
            .values_list("currency", "day")
            .distinct()
            .order_by("day", "currency")
        ]
    return summary


class ColumnWords(TypedDict):
    parts: str
    warning: str


def column_summary(column: Mapping[str, Any]) -> ColumnWords:
    """A column total's words: its per-currency parts and any missing-rate warning."""
    parts = " · ".join(money(part["amount"], part["currency"]) for part in column.get("parts", ()))
    missing = column.get("missing") or []
    warning = (
        _("Left out, no exchange rate: %(rates)s")
        % {
            "rates": ", ".join(
                f"{row['currency']} {formats.date_format(row['date'], 'SHORT_DATE_FORMAT')}"
                for row in missing
            )
        }
        if missing
        else ""
    )
    return {"parts": parts, "warning": warning}


def column_cards(
    deals: QuerySet[Deal], stage: Stage, *, offset: int = 0, limit: int = CARDS_PER_COLUMN
) -> tuple[list[Deal], bool]:
    """One page of a column's cards (plus one row to know whether more follow)."""
    # Pick the page's ids first and join contact and owner for those rows only: sorting
    # thousands of joined rows to keep 21 of them is what makes a big column slow.
    page = deals.filter(stage=stage).order_by(*CARD_ORDER).values("pk")[offset : offset + limit + 1]
    rows = list(_card_rows(Deal.objects.filter(pk__in=Subquery(page))))
    return prepare_cards(rows[:limit], stage), len(rows) > limit


def first_cards(
    deals: QuerySet[Deal], stages: list[Stage], *, limit: int = CARDS_PER_COLUMN
) -> dict[int, tuple[list[Deal], bool]]:
    """{stage id: (its first `limit` prepared cards, whether more follow)}: one query for
    every column, whatever their number of deals.

    Each column's page is its own LIMIT subquery, read in card order from the
    deal_board_column_idx index, and the pages are joined into one statement with UNION ALL.
    """
    if not stages:
        return {}
    pages = [
        deals.filter(stage=stage).order_by(*CARD_ORDER).values("pk")[: limit + 1]
        for stage in stages
    ]
    rows = _card_rows(Deal.objects.filter(pk__in=pages[0].union(*pages[1:], all=True)))
    by_stage: dict[int, list[Deal]] = {stage.pk: [] for stage in stages}
    for deal in rows:
        by_stage[deal.stage_id].append(deal)
    return {
        stage.pk: (
            prepare_cards(by_stage[stage.pk][:limit], stage),
            len(by_stage[stage.pk]) > limit,
        )
        for stage in stages
    }


# A stand-in id: each card URL is reversed once per page and the id swapped in per card.
_ANY_PK = 2147483647
CARD_URLS = {
    "detail": "web:deal_detail",
    "move": "web:deal_move",
    "won": "web:deal_won",
    "lost": "web:deal_lost",
}


def prepare_cards(deals: list[Deal], stage: Stage) -> list[Deal]:
    """Give each card of `stage` what the card template shows: days in stage, whether it
    is stale, and its four URLs (`deal.urls["detail"]` …) — reversed once for all cards."""
    patterns = {key: reverse(name, args=[_ANY_PK]) for key, name in CARD_URLS.items()}
    marker, now = str(_ANY_PK), timezone.now()
    rotting_days = stage.rotting_days
    # The card's own attributes, for the template only: the model does not declare them.
    for deal in deals:
        days = max((now - (deal.stage_entered_at or deal.created_at)).days, 0)
        deal.days_in_stage = days  # type: ignore[attr-defined]
        deal.is_rotting = bool(rotting_days and days > rotting_days)  # type: ignore[attr-defined]
        deal.stage = stage
        deal.urls = {key: url.replace(marker, str(deal.pk)) for key, url in patterns.items()}  # type: ignore[attr-defined]
    return deals


@dataclass
class Column:
    stage: Stage
    count: int
    total: Decimal
    cards: list[Deal]
    has_more: bool
    # The total's per-currency parts ("$1,000.00 · €900.00") and missing-rate warning.
    parts: str = ""
    warning: str = ""
    # The cards drawn, set by crm.web.board_cache.render_column_cards.
    cards_html: str = ""


def board_columns(*, user: User, pipeline: Pipeline, owner_id: int | None = None) -> list[Column]:
    """Every stage with its totals and first cards, in three queries whatever the number
    of deals and whatever changed: the stages, the totals (every stage's stamp, and the
    sums of the stages not cached under it: crm.web.board_cache), the first cards of every
    column."""
    stages = list(pipeline.stages.order_by("position", "id"))
    deals = board_deals(user=user, pipeline=pipeline, owner_id=owner_id)
    totals = board_cache.cached_column_totals(deals, [stage.pk for stage in stages])
    cards = first_cards(deals, stages)
    columns = []
    for stage in stages:
        total = totals.get(stage.pk, {"count": 0, "total": None})
        columns.append(
            Column(
                stage,
                total["count"],
                total["total"] or Decimal("0"),
                *cards[stage.pk],
                **column_summary(total),
            )
        )
    return columns


def my_day(*, user: User) -> dict[str, list[Activity]]:
    """A user's own open tasks: overdue, due today, and the next few days."""
    now = timezone.localtime()
    start_of_day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    end_of_day = start_of_day + timedelta(days=1)
    pending = (
        Activity.objects.filter(assignee=user, done_at__isnull=True)
        .select_related("deal", "contact", "lead__contact")
        .order_by("due_at", "id")
    )
    return {
        "overdue": list(pending.filter(due_at__lt=start_of_day)[:50]),
        "today": list(pending.filter(due_at__gte=start_of_day, due_at__lt=end_of_day)[:50]),
        "upcoming": list(
            pending.filter(due_at__gte=end_of_day, due_at__lt=end_of_day + timedelta(days=7))[:10]
        ),
        "done_today": list(
            Activity.objects.filter(assignee=user, done_at__gte=start_of_day)
            .select_related("deal", "contact")
            .order_by("-done_at")[:10]
        ),
    }


def top_leads(*, user: User, limit: int = 8) -> list[Lead]:
    leads = policies.scope(user, "leads", Lead.objects.all())
    return list(
        leads.filter(status__in=[LeadStatus.NEW, LeadStatus.WORKING, LeadStatus.QUALIFIED])
        .select_related("contact", "owner")
        .order_by("-score", "-created_at")[:limit]
    )


def pipeline_summary(*, user: User) -> dict[str, Any]:
    """Open deals and value, won this month: one query; values in the reporting currency."""
    month_start = timezone.localdate().replace(day=1)
    deals = policies.scope(user, "deals", Deal.objects.all())
    return deals.aggregate(
        open_count=Count("id", filter=Q(status=DealStatus.OPEN)),
        # In the reporting currency: open at the creation-day rate, won at the close-day
        # rate (crm.currency); amounts without a rate are left out.
        open_value=converted_sum(
            "value", "currency", "created_at", filter=Q(status=DealStatus.OPEN)
        ),
        won_count=Count("id", filter=Q(status=DealStatus.WON, closed_at__date__gte=month_start)),
        won_value=converted_sum(
            "value",
            "currency",
            "closed_at",
            filter=Q(status=DealStatus.WON, closed_at__date__gte=month_start),
        ),
    )


@dataclass
class TimelineEntry:
    at: datetime
    kind: str
    icon: str
    title: "StrOrPromise"
    detail: "StrOrPromise" = ""
    url: str = ""
    # Free text someone wrote (a note, a call's notes): shown shortened, readable whole.
    text: str = ""


TIMELINE_PER_SOURCE = 50


def contact_timeline(*, user: User, contact: Contact) -> list[TimelineEntry]:
    """Everything that happened with a contact, newest first: seven bounded queries.

    Each source contributes its latest rows (the user's policy scope applies to deals,
    activities, purchases and tickets); the merged list is cut to the same bound.
    """
    from django.urls import reverse

    n = TIMELINE_PER_SOURCE
    entries: list[TimelineEntry] = []
    for item in contact.interactions.order_by("-occurred_at")[:n]:
        entries.append(
            TimelineEntry(
                item.occurred_at, "interaction", "globe", item.get_kind_display(), item.url
            )
        )
    if policies.can_read(user, "activities"):
        activities = policies.scope(user, "activities", contact.activities.all())
        for act in activities.select_related("assignee").order_by("-created_at")[:n]:
            when = act.done_at or act.due_at or act.created_at
            state = _("done") if act.done_at else _("planned")
            parts = [str(state), str(act.get_outcome_display()), str(act.assignee or "")]
            entries.append(
                TimelineEntry(
                    when,
                    "activity",
                    act.kind,
                    f"{act.get_kind_display()}: {act.subject}",
                    " · ".join(part for part in parts if part),
                    text=act.notes,
                )
            )
    if policies.can_read(user, "deals"):
        deals = policies.scope(user, "deals", contact.deals.all()).select_related("stage")
        for deal in deals.order_by("-created_at")[:n]:
            entries.append(
                TimelineEntry(
                    deal.created_at,
                    "deal",
                    "deal",
                    _("Deal opened: %(title)s") % {"title": deal.title},
                    f"{deal.get_status_display()} · {deal.stage.name}",
                    reverse("web:deal_detail", args=[deal.pk]),
                )
            )
            if deal.closed_at:
                label = (
                    _("Deal won: %(title)s") if deal.status == "won" else _("Deal lost: %(title)s")
                )
                entries.append(
                    TimelineEntry(
                        deal.closed_at,
                        "deal",
                        "trophy" if deal.status == "won" else "thumbs-down",
                        label % {"title": deal.title},
                        deal.lost_reason,
                        reverse("web:deal_detail", args=[deal.pk]),
                    )
                )
    if policies.can_read(user, "purchases"):
        # Reversed purchases stay in the history, marked as such (their revenue counts nowhere).
        purchases = policies.scope(user, "purchases", Purchase.history.filter(contact=contact))
        for purchase in purchases.order_by("-purchased_at")[:n]:
            amount = money(purchase.amount, purchase.currency)
            if purchase.reversed_at is not None:
                amount = _("%(amount)s — reversed on %(date)s: %(reason)s") % {
                    "amount": amount,
                    "date": formats.date_format(
                        timezone.localtime(purchase.reversed_at), "DATE_FORMAT"
                    ),
                    "reason": purchase.reversal_reason,
                }
            entries.append(
                TimelineEntry(
                    purchase.purchased_at,
                    "purchase",
                    "deal",
                    _("Purchase: %(product)s") % {"product": purchase.product or "—"},
                    amount,
                )
            )
    if policies.can_read(user, "tickets"):
        tickets = policies.scope(user, "tickets", contact.tickets.all())
        for ticket in tickets.order_by("-opened_at")[:n]:
            entries.append(
                TimelineEntry(
                    ticket.opened_at,
                    "ticket",
                    "ticket",
                    _("Ticket: %(subject)s") % {"subject": ticket.subject},
                    ticket.get_status_display(),
                    reverse("web:ticket_detail", args=[ticket.pk]),
                )
            )
    if policies.can_read(user, "nps"):
        for response in contact.nps_responses.order_by("-responded_at")[:n]:
            entries.append(
                TimelineEntry(
                    response.responded_at,
                    "nps",
                    "chart",
                    _("NPS score %(score)s/%(scale)s")
                    % {"score": response.score, "scale": response.scale},
                    response.comment,
                )
            )
    entries.extend(_note_entries(user=user, contact=contact, limit=n))
    if policies.can_read(user, "emails"):
        entries.extend(_email_entries(user=user, contact=contact, limit=n))
    for source in _timeline_sources():
        entries.extend(source(user=user, contact=contact, limit=n))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[: n * 2]


def _email_entries(*, user: User, contact: Contact, limit: int) -> list[TimelineEntry]:
    """Emails sent from the contact's records and their replies: one query."""
    from django.urls import reverse

    entries = []
    emails = policies.scope(user, "emails", contact.emails.select_related("author"))
    for email in emails.order_by("-sent_at", "-id")[:limit]:
        if email.is_sent:
            title = _("Email sent: %(subject)s") % {"subject": email.subject}
            detail = _("by %(author)s") % {"author": email.author or _("Goalpost")}
        else:
            title = _("Reply received: %(subject)s") % {"subject": email.subject}
            detail = _("from %(address)s") % {"address": email.from_address}
        if email.deal_id:
            url = reverse("web:deal_detail", args=[email.deal_id]) + f"#email-{email.pk}"
        elif email.ticket_id:
            url = reverse("web:ticket_detail", args=[email.ticket_id]) + f"#email-{email.pk}"
        else:
            url = reverse("web:contact_detail", args=[contact.pk]) + f"#email-{email.pk}"
        entries.append(TimelineEntry(email.sent_at, "email", "mail", title, detail, url))
    return entries


# The timeline's own sources, each under the policy resource that scopes it.
TIMELINE_RESOURCES = (
    ("deals", "deals"),
    ("activities", "activities"),
    ("purchases", "purchases"),
    ("tickets", "tickets"),
    ("nps", "nps_responses"),
    ("emails", "emails"),
)


def contact_has_hidden_records(*, user: User, contact: Contact) -> bool:
    """Whether the contact has timeline rows this user may not see (another rep's deal, a
    ticket support keeps): a yes or no, so an empty timeline can say so without a count."""
    for resource, related in TIMELINE_RESOURCES:
        rows = getattr(contact, related).all()
        visible = policies.scope(user, resource, rows)
        if rows.exclude(pk__in=visible.values("pk")).exists():
            return True
    return False


def _timeline_sources() -> list[Callable[..., Iterable[TimelineEntry]]]:
    """Timeline entries from apps that crm does not import (named in settings)."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    return [import_string(name) for name in settings.GOALPOST_TIMELINE_SOURCES]


def stage_history(deal: Deal) -> list[StageChange]:
    return list(deal.stage_changes.select_related("stage", "actor").order_by("entered_at", "id"))


NOTES_SHOWN = 100


def _note_entries(*, user: User, contact: Contact, limit: int) -> list[TimelineEntry]:
    """Notes where a user looks for them: the contact's own, and those on the contact's
    deals and tickets the user may see and on the contact's company. One query."""
    from django.urls import reverse

    where = Q(contact=contact)
    if policies.can_read(user, "deals"):
        where |= Q(deal__in=policies.scope(user, "deals", contact.deals.all()).values("pk"))
    if policies.can_read(user, "tickets"):
        where |= Q(ticket__in=policies.scope(user, "tickets", contact.tickets.all()).values("pk"))
    if contact.company_id:
        where |= Q(company_id=contact.company_id)
    notes = (
        Note.objects.filter(where)
        .select_related("author", "deal", "ticket", "company")
        .order_by("-created_at", "-id")[:limit]
    )
    entries = []
    for note in notes:
        title: StrOrPromise
        if note.deal is not None:
            title = _("Note on the deal %(title)s") % {"title": note.deal.title}
            url = reverse("web:deal_detail", args=[note.deal_id])
        elif note.ticket is not None:
            title = _("Note on the ticket %(subject)s") % {"subject": note.ticket.subject}
            url = reverse("web:ticket_detail", args=[note.ticket_id])
        elif note.company is not None:
            title = _("Note on %(company)s") % {"company": note.company.name}
            url = reverse("web:company_detail", args=[note.company_id])
        else:
            title, url = _("Note"), ""
        entries.append(
            TimelineEntry(
                note.created_at,
                "note",
                "note",
                title,
                str(note.author or _("Someone")),
                url,
                text=note.body,
            )
        )
    return entries


def notes_panel(
    *, user: User, record_field: str, record: Deal | Contact | Company | Ticket
) -> dict[str, Any]:
    """The notes of one record the user already may see, for templates/notes/_notes.html:
    pinned first, then newest; one query whatever their number."""
    from django.urls import reverse

    rows = list(
        Note.objects.filter(**{record_field: record}).select_related("author")[: NOTES_SHOWN + 1]
    )
    for note in rows:
        # For the template only: the model does not declare it.
        note.can_edit = policies.can_edit_row(user, "notes", note)  # type: ignore[attr-defined]
    return {
        "rows": rows[:NOTES_SHOWN],
        "more": len(rows) > NOTES_SHOWN,
        "can_add": policies.can_write(user, "notes"),
        "add_url": reverse("web:note_add", args=[record_field, record.pk]),
    }


__all__ = [
    "CARDS_PER_COLUMN",
    "board_columns",
    "board_deals",
    "column_cards",
    "column_summary",
    "column_totals",
    "contact_has_hidden_records",
    "contact_timeline",
    "first_cards",
    "my_day",
    "notes_panel",
    "pipeline_summary",
    "stage_history",
    "top_leads",
]
