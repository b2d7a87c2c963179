"""A list page's remembered state, chosen columns and saved views.

Each list view calls `list_choice(request, list_key)` before it filters. It answers a
redirect when the request asks for one of the state's moves, else what the page needs:

- no query parameters at all: the user's last filters, search and sort come back (a
  redirect to them, so the URL, the sort headers and the export links all carry them);
- `?view=<id>` or `?view=builtin:<key>`: apply a saved or built-in view (its columns too);
- `?cols=1&columns=a&columns=b`: show these optional columns from now on;
- `?reset=1`: back to the list's defaults;
- anything else: the page as asked, remembered for next time.
"""

from dataclasses import dataclass, field
from typing import cast
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from crm.models import ListState, SavedView
from crm.services.saved_views import (
    UNSET,
    columns_usable,
    list_state_remember,
    list_state_reset,
    query_known,
    query_plain,
    query_usable,
    saved_views_visible,
)
from crm.web.list_catalog import (
    BuiltinView,
    ListEntry,
    builtin_query,
    builtins_for,
    list_entry,
)
from crm.web.params import positive_int

BUILTIN_PREFIX = "builtin:"
# Query parameters that move the state rather than describe the rows.
STATE_MOVES = ("view", "cols", "columns", "reset")


@dataclass
class ViewOption:
    value: str
    name: str
    selected: bool = False
    owner: str = ""
    mine: bool = False
    shared: bool = False


@dataclass
class ListChoice:
    entry: ListEntry
    columns: list[str]
    query: dict
    builtins: list[ViewOption] = field(default_factory=list)
    mine: list[ViewOption] = field(default_factory=list)
    team: list[ViewOption] = field(default_factory=list)

    @property
    def query_string(self) -> str:
        return urlencode(self.query)

    @property
    def column_options(self) -> list[tuple[str, Promise, bool]]:
        shown = set(self.columns)
        return [(c.key, c.label, c.key in shown) for c in self.entry.columns]

    @property
    def is_default(self) -> bool:
        return not self.query and self.columns == self.entry.default_columns

    @property
    def selected(self) -> ViewOption | None:
        return next((v for v in self.builtins + self.mine + self.team if v.selected), None)


def _url(path: str, query: dict) -> str:
    return f"{path}?{urlencode(query)}" if query else path


def _plain_params(params) -> dict:
    return {key: params.get(key, "") for key in params if key not in STATE_MOVES}


def _find_view(user, entry: ListEntry, value: str):
    """(name, query, columns or UNSET) of the view `value` names, or None."""
    if value.startswith(BUILTIN_PREFIX):
        key = value.removeprefix(BUILTIN_PREFIX)
        builtin = next((b for b in builtins_for(entry, user) if b.key == key), None)
        if builtin is None:
            return None
        # A built-in view filters and sorts; the user's columns stay as they are.
        return str(builtin.name), builtin_query(builtin, user), UNSET
    pk = positive_int(value)
    if pk is None:
        return None
    view = saved_views_visible(user=user, list_key=entry.key).filter(pk=pk).first()
    if view is None:
        return None
    return view.name, view.query, view.columns


def _left_out(request, name: str | None, dropped: list[str]) -> None:
    what = "; ".join(dropped)
    if name is None:
        text = _("Some of your last filters no longer apply and were left out: %(what)s")
    else:
        text = _("Some filters of “%(name)s” no longer apply and were left out: %(what)s")
    messages.warning(request, text % {"name": name, "what": what})


def _options(user, entry: ListEntry, query: dict) -> tuple[list, list, list]:
    def builtin_option(builtin: BuiltinView) -> ViewOption:
        resolved = query_known(entry, builtin_query(builtin, user))
        return ViewOption(
            f"{BUILTIN_PREFIX}{builtin.key}", str(builtin.name), selected=resolved == query
        )

    builtins = [builtin_option(b) for b in builtins_for(entry, user)]
    mine: list[ViewOption] = []
    team: list[ViewOption] = []
    for view in saved_views_visible(user=user, list_key=entry.key):
        option = ViewOption(
            str(view.pk),
            view.name,
            selected=bool(query) and view.query == query,
            owner=str(view.owner),
            mine=view.owner_id == user.pk,
            shared=view.shared,
        )
        (mine if option.mine else team).append(option)
    if query:
        # One option is selected at most: a built-in first, then the user's own.
        first = next((o for o in builtins + mine + team if o.selected), None)
        for option in builtins + mine + team:
            option.selected = option is first
    return builtins, mine, team


def list_choice(request, list_key: str):
    """A redirect for a move of the list's state, else the ListChoice for the page."""
    user = request.user
    # The list pages pass their own key, which LISTS always has.
    entry = cast(ListEntry, list_entry(list_key))
    params = request.GET
    path = request.path
    if "reset" in params:
        list_state_reset(user=user, list_key=list_key)
        return redirect(path)
    if "view" in params:
        found = _find_view(user, entry, params.get("view", ""))
        if found is None:
            messages.error(request, _("That view is not available."))
            return redirect(path)
        name, query, columns = found
        usable, dropped = query_usable(list_key=list_key, query=query)
        if dropped:
            _left_out(request, name, dropped)
        list_state_remember(
            user=user,
            list_key=list_key,
            query=usable,
            columns=columns_usable(list_key=list_key, columns=columns)
            if columns is not UNSET
            else UNSET,
        )
        return redirect(_url(path, usable))
    if "cols" in params:
        wanted = set(params.getlist("columns"))
        chosen = [key for key in entry.column_keys if key in wanted]
        list_state_remember(user=user, list_key=list_key, columns=chosen)
        rest = {k: v for k, v in _plain_params(params).items() if k not in ("cols", "page")}
        return redirect(_url(path, query_known(entry, rest)))

    state = ListState.objects.filter(user=user, list_key=list_key).first()
    if not params:
        if state is not None and state.query:
            usable, dropped = query_usable(list_key=list_key, query=state.query)
            if dropped:
                _left_out(request, None, dropped)
                list_state_remember(user=user, list_key=list_key, query=usable)
            if usable:
                return redirect(_url(path, usable))
        query = {}
    else:
        query = query_known(entry, query_plain(_plain_params(params)))
        if (state.query if state else {}) != query:
            state = list_state_remember(user=user, list_key=list_key, query=query)
    columns = columns_usable(list_key=list_key, columns=state.columns if state else None)
    builtins, mine, team = _options(user, entry, query)
    return ListChoice(
        entry=entry, columns=columns, query=query, builtins=builtins, mine=mine, team=team
    )


def saved_view_url(view: SavedView) -> str:
    """The list showing this view (applied through `?view=`, so its columns come too)."""
    from django.urls import reverse

    # A saved view's list key was checked against LISTS when it was saved.
    entry = cast(ListEntry, list_entry(view.list_key))
    return f"{reverse(entry.url_name)}?view={view.pk}"
