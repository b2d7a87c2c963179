"""Accent- and case-folding for search: `field__fold__icontains=word`.

`Fold` calls the SQL function `goalpost_fold` (crm migration 0014), on the column and on
the searched text alike, so "sukru" matches "Şükrü" and "MULLER" matches "Müller".
"""

from django.db.models import CharField, Q, QuerySet, TextField, Transform


class Fold(Transform):
    lookup_name = "fold"
    function = "goalpost_fold"
    bilateral = True
    output_field = TextField()


CharField.register_lookup(Fold)
TextField.register_lookup(Fold)


def search_text(raw, *, limit: int = 100) -> str:
    """Search words: trimmed and bounded, without NUL bytes (PostgreSQL text refuses them)."""
    return (raw or "").replace("\x00", "").strip()[:limit]


def search(queryset: QuerySet, query: str, fields: tuple[str, ...]) -> QuerySet:
    """Every word must match one of the fields: "ada love" finds Ada Lovelace.

    Case- and accent-insensitive (Fold on both sides): "sukru celik" finds Şükrü Çelik,
    "MULLER" finds Müller. Only the first five words count, so a pasted paragraph cannot
    make a query of hundreds of conditions.
    """
    for word in query.split()[:5]:
        condition = Q()
        for name in fields:
            condition |= Q(**{f"{name}__fold__icontains": word})
        queryset = queryset.filter(condition)
    return queryset
