"""Page-number paging whose pages never overlap or skip rows.

`LIMIT/OFFSET` pages are only stable over a total order: ordered by a field many rows share
(`?ordering=priority`), PostgreSQL may return the tied rows in a different order on each
page's query, so a client paging through sees some rows twice and others never. Every
list paged here is therefore ordered by what the client asked for (or the default
ordering), then by the primary key.
"""

from django.db.models import F, OrderBy, QuerySet
from rest_framework import pagination


def with_tie_breaker(queryset):
    """The queryset ordered as before, then by primary key (unless the pk already is in it)."""
    if not isinstance(queryset, QuerySet):
        return queryset
    query = queryset.query
    if query.order_by:
        ordering = list(query.order_by)
    elif query.default_ordering:
        ordering = list(queryset.model._meta.ordering)
    else:
        ordering = []
    pk = queryset.model._meta.pk
    pk_names = {"pk", pk.name, pk.attname}
    for term in ordering:
        if isinstance(term, str) and (term == "?" or term.lstrip("-") in pk_names):
            return queryset
        expression = getattr(term, "expression", None) if isinstance(term, OrderBy) else None
        if isinstance(expression, F) and expression.name in pk_names:
            return queryset
    return queryset.order_by(*ordering, "pk")


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        return super().paginate_queryset(with_tie_breaker(queryset), request, view)
