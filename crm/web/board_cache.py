"""Caches that keep the pipeline board's server time flat as a pipeline grows.

Two costs grow with a board: summing every open deal into the column totals (about 20 ms
at 50,000 deals, whatever the index) and drawing the cards (a quarter of a millisecond
each through the template engine). Both are cached, each under a key that changes with
what it was made from, so nothing is ever invalidated by hand and nothing stale is shown:

- column totals per stage, under the SQL of the deals queryset (pipeline, the user's
  scope, the owner filter) and checked against the stage's stamp: its version, which
  database triggers change whenever a deal enters, leaves or changes in that stage by any
  path (crm.migrations.0031_board_stage_versions), and the version every stage shares,
  changed by exchange rates (crm.migrations.0025_board_version). A changed deal re-sums
  the columns it left and entered, not the whole board;
- each column's cards HTML under a digest of everything the cards were drawn from (the
  deals' fields, their contact and owner, days in stage, URLs), the language and the card
  template: a renamed contact or a new day draws the column afresh.
"""

import hashlib
import pickle

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, F, Func, QuerySet
from django.template.loader import get_template
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

# Long enough to outlive a working day; keys are versioned, so a stale entry is never read.
TIMEOUT = 24 * 60 * 60
CARD_TEMPLATE = "board/_card.html"


# Each stage's stamp: what its cached totals were summed under. Parts: the version of what
# every stage depends on (exchange rates, TRUNCATE: crm.0025, metrics.0006), the stage's
# own version (bumped at the commit of any deal write that touched it: crm.0029), and this
# transaction's own uncommitted writes (rates: any stage; deals: the stages they touched),
# which give it keys nobody else has, changed after each statement and rolled back with
# a savepoint.
_STAMPS = """
board_stamps AS MATERIALIZED (
    SELECT s.stage_id, concat_ws(':', (SELECT version FROM crm_board_version WHERE id = 1),
        COALESCE(v.version, 0), COALESCE(current_setting('goalpost.board_write', true), ''),
        CASE WHEN s.stage_id = ANY(string_to_array(
                NULLIF(current_setting('goalpost.board_stages', true), ''), ',')::bigint[])
            THEN current_setting('goalpost.board_stage_write', true) ELSE '' END) AS stamp
    FROM unnest(%s::bigint[]) AS s(stage_id)
    LEFT JOIN crm_board_stage_version v ON v.stage_id = s.stage_id
),
board_stale AS MATERIALIZED (
    SELECT array_agg(b.stage_id) AS ids FROM board_stamps b
    LEFT JOIN unnest(%s::bigint[], %s::text[]) AS c(stage_id, stamp) ON c.stage_id = b.stage_id
    WHERE c.stamp IS DISTINCT FROM b.stamp
)
"""


class _OnStaleStage(Func):
    """A deal condition: its stage is one whose cached totals are missing or stale."""

    template = "%(expressions)s = ANY((SELECT ids FROM board_stale)::bigint[])"
    output_field = BooleanField()


def board_stamps(stage_ids: list[int]) -> dict[int, str]:
    """{stage id: its stamp as this transaction sees it} (see _STAMPS). One query."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH {_STAMPS} SELECT stage_id, stamp FROM board_stamps",  # noqa: S608 (constant)
            [list(stage_ids), [], []],
        )
        return dict(cursor.fetchall())


def _digest(value) -> str:
    return hashlib.blake2b(pickle.dumps(value, protocol=5), digest_size=16).hexdigest()


def cached_column_totals(deals: QuerySet, stage_ids: list[int]) -> dict[int, dict]:
    """crm.web.selectors.column_totals(deals) for the stages `stage_ids`, each stage's
    from the cache until a deal of that stage, or an exchange rate, changes.

    deals: the board's open deals (pipeline, the user's scope, the owner filter), whose
    SQL is part of each key. Returns {stage id: {"count", "total", "parts", "missing"}}
    for the stages with deals. One query whether cached or not: it reads every stage's
    stamp and sums, in the same statement and so the same snapshot, the deals of the
    stages whose cached stamp differs; a change to one stage re-sums that stage alone.
    """
    # crm.web.selectors imports this module to cache its totals.
    from crm.web.selectors import column_totals_from_rows, column_totals_sql

    stage_ids = list(stage_ids)
    query_sql, query_params = deals.query.sql_with_params()
    scope = _digest(
        (
            connection.settings_dict["NAME"],
            settings.GOALPOST_REPORTING_CURRENCY,
            query_sql,
            query_params,
        )
    )
    keys = {stage_id: f"board:totals:{scope}:{stage_id}" for stage_id in stage_ids}
    found = cache.get_many(list(keys.values()))
    # {stage id: (stamp, its totals or None for a stage without deals)}
    cached = {stage_id: found[key] for stage_id, key in keys.items() if key in found}
    totals_sql, totals_params = column_totals_sql(deals.filter(_OnStaleStage(F("stage_id"))))
    with connection.cursor() as cursor:
        cursor.execute(
            # Our constant SQL and Django's compiled query; every value is a parameter.
            f"WITH {_STAMPS} SELECT stage_id, stamp, NULL, NULL, NULL, NULL, NULL, NULL "  # noqa: S608
            f"FROM board_stamps UNION ALL SELECT NULL, NULL, * FROM ({totals_sql}) totals",
            [
                stage_ids,
                list(cached),
                [stamp for stamp, _totals in cached.values()],
                *totals_params,
            ],
        )
        rows = cursor.fetchall()
    stamps = {row[0]: row[1] for row in rows if row[1] is not None}
    summed = column_totals_from_rows(row[2:] for row in rows if row[1] is None)
    result, fresh = {}, {}
    for stage_id in stage_ids:
        stamp = stamps[stage_id]
        if stage_id in cached and cached[stage_id][0] == stamp:
            column = cached[stage_id][1]
        else:
            column = summed.get(stage_id)
            fresh[keys[stage_id]] = (stamp, column)
        if column is not None:
            result[stage_id] = column
    if fresh:
        cache.set_many(fresh, TIMEOUT)
    return result


def _fields(obj) -> dict:
    return {name: value for name, value in vars(obj).items() if name != "_state"}


def _card_inputs(deal) -> tuple:
    """A prepared card's own fields and those of the rows it shows (contact, owner, stage)."""
    related = deal._state.fields_cache.values()
    return (_fields(deal), *(_fields(row) for row in related if row is not None))


def render_column_cards(columns: list) -> None:
    """Set `column.cards_html` on each board column: its cards drawn by CARD_TEMPLATE.

    One cache read for all columns; only a column whose cards changed is drawn again.
    """
    template = get_template(CARD_TEMPLATE)
    # The template's source too, so an edited card never comes from the cache (read afresh
    # in development, held by the cached loader in production).
    # The Django backend's template wraps the engine's, which holds the source.
    context = (translation.get_language(), template.template.source)  # type: ignore[attr-defined]
    keys = {
        id(column): "board:cards:" + _digest((context, [_card_inputs(d) for d in column.cards]))
        for column in columns
        if column.cards
    }
    found = cache.get_many(list(keys.values()))
    drawn = {}
    for column in columns:
        key = keys.get(id(column))
        if key is None:
            column.cards_html = SafeString("")
            continue
        if key not in found:
            # No request: a card needs no context processor, and running them per card
            # would cost more than the card.
            drawn[key] = "".join(template.render({"deal": deal}) for deal in column.cards)
        # Markup the card template escaped when it was drawn.
        column.cards_html = mark_safe(found.get(key) or drawn[key])  # noqa: S308
    if drawn:
        cache.set_many(drawn, TIMEOUT)
