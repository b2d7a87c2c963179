"""Search, sort and pagination for the list pages."""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import QuerySet

from crm.counting import BoundedCount, BoundedPaginator
from crm.search import search, search_text


@dataclass(frozen=True)
class ListSpec:
    # What `?q=` searches on a list without a FilterSet; a list with one searches by its
    # `q` filter (crm/filters), the same search its API and its export run.
    search_fields: tuple[str, ...] = ()
    # public sort key -> order_by fields; "-key" sorts descending.
    sorts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    default_sort: str = ""
    per_page: int = 25
    # order_by fields that come before any sort, in either direction (open leads first).
    pinned: tuple[str, ...] = ()
    # The FilterSet's filters the page's filter bar shows, in order; the others (the API's
    # date ranges, ids…) still apply when a link or a saved view carries them.
    filter_bar: tuple[str, ...] = ()


def sort(queryset: QuerySet, key: str, spec: ListSpec) -> tuple[QuerySet, str]:
    name = key.removeprefix("-")
    if name not in spec.sorts:
        key = spec.default_sort
        name = key.removeprefix("-")
        if not name:
            return queryset, ""
    descending = key.startswith("-")
    order = list(spec.pinned)
    for column in spec.sorts[name]:
        if descending:
            column = column[1:] if column.startswith("-") else f"-{column}"
        order.append(column)
    return queryset.order_by(*order, "-pk" if descending else "pk"), key


def matching(params, queryset: QuerySet, spec: ListSpec, filterset=None) -> QuerySet:
    """Every row the list's query in `params` matches: its FilterSet's (crm/filters, the
    search `q` included) when it has one, else the search `q` over `spec.search_fields`."""
    if filterset is not None:
        return filterset.qs
    query = search_text(params.get("q"))
    if query:
        queryset = search(queryset, query, spec.search_fields)
    return queryset


def list_context(
    request,
    queryset: QuerySet,
    spec: ListSpec,
    filterset=None,
    *,
    count: BoundedCount | None = None,
    hidden: tuple[str, ...] = (),
) -> dict:
    """Filter (django-filter), search `?q=`, sort `?sort=`, paginate `?page=`.

    The filter bar shows `spec.filter_bar` less `hidden` (an owner select means nothing
    to a rep); the query's other filters ride along as hidden inputs, so changing the
    bar keeps what a link or a saved view narrowed by.

    The paginator counts at most settings.LIST_COUNT_LIMIT rows (crm.counting):
    `page_obj.paginator.count_is_exact` is False when more match. count: the bounded
    count of the matching rows when the caller already has it (the deal list's totals
    count them): the paginator then skips its own count query.
    """
    queryset = matching(request.GET, queryset, spec, filterset)
    query = search_text(request.GET.get("q"))
    queryset, current_sort = sort(queryset, request.GET.get("sort", ""), spec)
    paginator = BoundedPaginator(queryset, spec.per_page, known=count)
    page = paginator.get_page(request.GET.get("page"))
    active_filters = bool(query) or (
        filterset is not None
        and any(v for k, v in filterset.form.data.items() if k in filterset.filters)
    )
    return {
        "page_obj": page,
        "rows": page.object_list,
        # Every row the filter and search match, on all pages (for totals).
        "matching": queryset,
        "query": query,
        "current_sort": current_sort,
        "filter": filterset,
        "active_filters": active_filters,
        **_filter_bar(request.GET, spec, filterset, hidden),
        "export_query": _export_query(request.GET, filterset),
    }


def _export_query(params, filterset) -> str:
    """The export link's query: the filters, search and sort asked for, and the ones the
    page added itself (the task list's to-do, the ticket queue's unresolved), so the file
    holds the rows the page shows. Blank values are left out."""
    if filterset is None:
        return ""
    asked = [
        (key, value)
        for key in params
        if key in filterset.filters or key == "sort"
        for value in params.getlist(key)
        if value
    ]
    added = [(key, value) for key, value in filterset.data.items() if key not in params]
    return urlencode(asked + added)


def _filter_bar(params, spec: ListSpec, filterset, hidden: tuple[str, ...]) -> dict:
    """`filter_fields`: the bar's bound fields; `filter_kept`: (name, value) of the other
    filters the query holds."""
    if filterset is None:
        return {"filter_fields": [], "filter_kept": []}
    shown = [name for name in spec.filter_bar if name not in hidden]
    form = filterset.form
    kept = [
        (name, value)
        for name in filterset.filters
        if name not in shown and name != "q"
        for value in params.getlist(name)
        if value
    ]
    return {"filter_fields": [form[name] for name in shown], "filter_kept": kept}
