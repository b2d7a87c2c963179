"""Page-number paging whose pages never overlap or skip rows.

`LIMIT/OFFSET` pages are only stable over a total order: ordered by a field many rows share
(`?ordering=priority`), PostgreSQL may return the tied rows in a different order on each
page's query, so a client paging through sees some rows twice and others never. Every
list paged here is therefore ordered by what the client asked for (or the default
ordering), then by the primary key.

`count` is exact up to settings.LIST_COUNT_LIMIT rows (crm.counting); above it `count` is
the limit and `count_is_exact` is false, unless the client asks for `?count=exact`.
"""

from functools import partial

from django.db.models import F, OrderBy, QuerySet
from rest_framework import pagination
from rest_framework.response import Response

from crm.counting import BoundedPaginator, list_count_limit

COUNT_QUERY_PARAM = "count"
EXACT_COUNT = "exact"


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
    """`{count, count_is_exact, next, previous, results}` pages of `?page=` and
    `?page_size=` (at most 200); `?count=exact` counts every matching row."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        # DRF builds its paginator as django_paginator_class(queryset, page_size).
        exact = request.query_params.get(COUNT_QUERY_PARAM) == EXACT_COUNT
        self.django_paginator_class = partial(BoundedPaginator, exact=exact)
        return super().paginate_queryset(with_tie_breaker(queryset), request, view)

    def get_paginated_response(self, data):
        paginator = self.page.paginator
        return Response(
            {
                "count": paginator.count,
                "count_is_exact": paginator.count_is_exact,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        limit = list_count_limit()
        count = {
            "type": "integer",
            "example": 123,
            "description": (
                f"Matching rows, exact up to {limit:,}; above it {limit:,} and "
                "count_is_exact is false (ask ?count=exact for the exact number)."
            ),
        }
        count_is_exact = {
            "type": "boolean",
            "example": True,
            "description": "False when more rows match than count says.",
        }
        others = {k: v for k, v in response["properties"].items() if k != "count"}
        response["properties"] = {"count": count, "count_is_exact": count_is_exact, **others}
        response["required"] = ["count", "count_is_exact", "results"]
        return response

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": COUNT_QUERY_PARAM,
                "required": False,
                "in": "query",
                "description": (
                    f"`exact` counts every matching row; otherwise count stops at "
                    f"{list_count_limit():,} (see count_is_exact)."
                ),
                "schema": {"type": "string", "enum": [EXACT_COUNT]},
            },
        ]
