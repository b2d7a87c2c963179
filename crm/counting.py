"""Bounded counts for paged lists: exact up to a limit, "10,000+" above it.

PostgreSQL counts by reading one index entry (or row) per match, so an exact `COUNT(*)`
grows with the table while a page's rows, read in index order, do not: at 1,000,000
contacts the count was most of a list page's time. Like Elasticsearch's
`track_total_hits` or GitHub's "1,000+ results", a list therefore counts at most
`settings.LIST_COUNT_LIMIT` + 1 rows (`SELECT count(*) FROM (SELECT … LIMIT n)`) and,
when there are more, says so instead of the number. Every browser list page
(crm.web.lists, the audit log) and the API's pagination (crm.api.pagination) page through
`BoundedPaginator`.
"""

from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.core.paginator import Paginator
from django.db.models import BooleanField, F, Func, QuerySet

# The largest bound counted to (PostgreSQL's LIMIT is a bigint).
MAX_REACH = 2**62


@dataclass(frozen=True)
class BoundedCount:
    """`value` rows when `is_exact`, else more than `value` (the bound counted to)."""

    value: int
    is_exact: bool


def list_count_limit() -> int:
    """How many rows a list counts exactly (settings.LIST_COUNT_LIMIT, at least 1)."""
    return max(1, int(settings.LIST_COUNT_LIMIT))


def bounded_count(queryset: QuerySet, limit: int | None = None) -> BoundedCount:
    """The number of rows in `queryset`, counted no further than `limit` + 1 rows.

    limit: rows to count exactly (default list_count_limit()); None and below 1 mean the
    default. Returns BoundedCount(n, True) when n <= limit, else BoundedCount(limit,
    False). One query: `SELECT count(*) FROM (SELECT pk … LIMIT limit + 1)`, whose
    ordering is dropped (the rows counted need no order).
    """
    limit = limit if limit and limit > 0 else list_count_limit()
    counted = queryset.order_by().values("pk")[: limit + 1].count()
    if counted > limit:
        return BoundedCount(limit, False)
    return BoundedCount(counted, True)


def exact_count(queryset: QuerySet) -> BoundedCount:
    """Every row of `queryset` counted (one `COUNT(*)`), as a BoundedCount."""
    return BoundedCount(queryset.count(), True)


class _EqualsAny(Func):
    """`(a = ANY(b))`, a condition usable in filter()."""

    arg_joiner = " = ANY("
    template = "(%(expressions)s))"
    output_field = BooleanField()


def first_rows(queryset: QuerySet, limit: int) -> QuerySet:
    """At most `limit` rows of `queryset` (any of them: no order), as a fresh unordered
    queryset of its model that can be grouped and summed (slices cannot).

    Written `pk = ANY(ARRAY(SELECT pk … LIMIT n))`, not `pk IN (SELECT …)`: PostgreSQL runs
    the array once and reads its rows by primary key, where it planned the IN as a hash
    semi-join over a scan of the whole table (at 500,000 deals: 11 ms instead of 106 ms).
    """
    ids = ArraySubquery(queryset.order_by().values("pk")[:limit])
    return queryset.model._default_manager.filter(_EqualsAny(F("pk"), ids)).order_by()


class BoundedPaginator(Paginator):
    """Django's Paginator over a bounded count.

    Counts exactly up to list_count_limit() rows, or as far as the page asked for needs
    (page 500 of 25 counts 12,500 + 1 rows, no more than its OFFSET reads anyway), so any
    page that has rows can be reached and `has_next()` is right on every page. When
    there are more rows than counted, `count_is_exact` is False, `count` is the bound and
    `num_pages` the pages known to hold rows (the last of them is never the last page).

    exact: count every row (the API's `?count=exact`).
    known: a count the caller already made of the same rows (the deal list's totals),
    used when it reaches the page asked for, so the rows are not counted twice.
    """

    def __init__(
        self, object_list, per_page, *, exact: bool = False, known: BoundedCount | None = None
    ):
        super().__init__(object_list, per_page)
        self.exact = exact
        self.known = known
        self.reach = list_count_limit()

    # The page asked for sets how far to count; validate_number does not, because
    # Page.next_page_number() calls it, and a page with a next link would count again.
    def get_page(self, number):
        self._reach_page(number)
        return super().get_page(number)

    def page(self, number):
        self._reach_page(number)
        return super().page(number)

    def _reach_page(self, number) -> None:
        """Count at least through page `number`: a bound below it would call it empty."""
        try:
            wanted = int(number) * self.per_page
        except (TypeError, ValueError, OverflowError):
            return
        # A page number past any table's size must not overflow PostgreSQL's LIMIT.
        wanted = min(wanted, MAX_REACH)
        if wanted > self.reach:
            self.reach = wanted
            self.__dict__.pop("bounded", None)  # counted for a smaller bound

    @property
    def bounded(self) -> BoundedCount:
        if "bounded" not in self.__dict__:
            self.__dict__["bounded"] = self._count_rows()
        return self.__dict__["bounded"]

    def _count_rows(self) -> BoundedCount:
        if self.exact:
            # The list pages paginate querysets (never lists).
            return exact_count(cast(QuerySet[Any], self.object_list))
        if self.known is not None and (self.known.is_exact or self.known.value >= self.reach):
            return self.known
        return bounded_count(cast(QuerySet[Any], self.object_list), self.reach)

    @property
    def count_is_exact(self) -> bool:
        return self.bounded.is_exact

    @property
    def count(self) -> int:
        return self.bounded.value

    @property
    def num_pages(self) -> int:
        if self.count_is_exact:
            return super().num_pages
        # More rows than counted: the page holding row `count + 1` exists.
        return self.count // self.per_page + 1
