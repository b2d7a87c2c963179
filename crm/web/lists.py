"""Search, sort and pagination for the list pages."""

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from crm.counting import BoundedCount, BoundedPaginator
from crm.web.params import search_text


@dataclass(frozen=True)
class ListSpec:
    search_fields: tuple[str, ...]
    # public sort key -> order_by fields; "-key" sorts descending.
    sorts: dict[str, tuple[str, ...]] = field(default_factory=dict)
    default_sort: str = ""
    per_page: int = 25
    # order_by fields that come before any sort, in either direction (open leads first).
    pinned: tuple[str, ...] = ()


def search(queryset: QuerySet, query: str, fields: tuple[str, ...]) -> QuerySet:
    """Every word must match one of the fields: "ada love" finds Ada Lovelace.

    Case- and accent-insensitive (crm.search.Fold on both sides): "sukru celik" finds
    Şükrü Çelik, "MULLER" finds Müller.
    """
    for word in query.split()[:5]:
        condition = Q()
        for name in fields:
            condition |= Q(**{f"{name}__fold__icontains": word})
        queryset = queryset.filter(condition)
    return queryset


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
    """Every row the filter (django-filter) and the search `q` in `params` match."""
    if filterset is not None:
        queryset = filterset.qs
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
) -> dict:
    """Filter (django-filter), search `?q=`, sort `?sort=`, paginate `?page=`.

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
    }
