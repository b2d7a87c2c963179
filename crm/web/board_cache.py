"""Caches that keep the pipeline board's server time flat as a pipeline grows.

Two costs grow with a board: summing every open deal into the column totals (about 20 ms
at 50,000 deals, whatever the index) and drawing the cards (a quarter of a millisecond
each through the template engine). Both are cached, each under a key that changes with
what it was made from, so nothing is ever invalidated by hand and nothing stale is shown:

- column totals under the board version (crm.migrations.0025_board_version: database triggers change it
  whenever a deal or an exchange rate changes, by any path) and the SQL of the deals
  queryset (pipeline, the user's scope, the owner filter);
- each column's cards HTML under a digest of everything the cards were drawn from (the
  deals' fields, their contact and owner, days in stage, URLs), the language and the card
  template: a renamed contact or a new day draws the column afresh.
"""

import hashlib
import pickle

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet
from django.template.loader import get_template
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

# Long enough to outlive a working day; keys are versioned, so a stale entry is never read.
TIMEOUT = 24 * 60 * 60
CARD_TEMPLATE = "board/_card.html"


def board_version() -> str:
    """The board version as seen by this transaction: "<committed>:<own writes>".

    One query. The second part is empty unless this transaction itself changed deals or
    rates (then it is unique to that state of the transaction).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT version, current_setting('goalpost.board_write', true) FROM crm_board_version"
        )
        version, own_write = cursor.fetchone()
    return f"{version}:{own_write or ''}"


def _digest(value) -> str:
    return hashlib.blake2b(pickle.dumps(value, protocol=5), digest_size=16).hexdigest()


def cached_column_totals(deals: QuerySet, compute) -> dict:
    """`compute(deals)` (crm.web.selectors.column_totals), cached until deals or rates change.

    One query (the version) when cached; the version plus `compute`'s when not.
    """
    sql, params = deals.query.sql_with_params()
    key = "board:totals:" + _digest(
        (
            connection.settings_dict["NAME"],
            board_version(),
            settings.GOALPOST_REPORTING_CURRENCY,
            sql,
            params,
        )
    )
    totals = cache.get(key)
    if totals is None:
        totals = compute(deals)
        cache.set(key, totals, TIMEOUT)
    return totals


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
    context = (translation.get_language(), template.template.source)
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
