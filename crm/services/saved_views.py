"""Saved views of the list pages, and the state each list remembers per user.

A view is a list's query (filters, search `q`, `sort`) plus the columns shown. It is
checked against the list's own filters (crm/web/list_catalog.py) when saved, so an
unknown key or a stage that does not exist is refused with a sentence, and checked again
when applied: what no longer holds (a stage deleted since) is left out, and said.

Applying a view never widens what a user sees: the list scopes its rows to the user
(crm/policies.py) before any filter of the view narrows them.
"""

from collections.abc import Collection, Mapping
from enum import Enum
from typing import Any, Final

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.forms import Form
from django.utils.translation import gettext as _

from crm import policies
from crm.filters.base import picks_not_offered
from crm.models import ListState, SavedView, Team, User
from crm.web.list_catalog import LISTS, MAX_VALUE_LENGTH, SORT, ListEntry, list_entry

from .common import model_save

MAX_VIEWS_PER_LIST = 50


class _Unset(Enum):
    """The type of UNSET: an argument not given (None is a value: the defaults)."""

    UNSET = "unset"


UNSET: Final = _Unset.UNSET

# A query as given: a dict, a QueryDict or stored JSON; query_plain checks its shape.
Query = Mapping[str, object]


def _entry(list_key: object) -> ListEntry:
    entry = list_entry(list_key) if isinstance(list_key, str) else None
    if entry is None:
        raise ValidationError({"list_key": _("There is no such list.")})
    return entry


def _filter_form(entry: ListEntry, query: Mapping[str, str]) -> Form:
    form: Form = entry.filterset(query, queryset=entry.model.objects.none()).form
    return form


def _invalid_filters(entry: ListEntry, query: Mapping[str, str]) -> dict[str, str]:
    """{key: "Label: why"} for the filter values of `query` the list would not accept."""
    form = _filter_form(entry, {k: v for k, v in query.items() if k in entry.filter_keys})
    form.is_valid()
    invalid = {}
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else name
        invalid[name] = f"{label}: {' '.join(str(error) for error in errors)}"
    # A query may name a stage that no longer exists (it finds nothing); a saved view must
    # not, or it would silently show an empty list.
    for name, error in picks_not_offered(form).items():
        invalid[name] = f"{form.fields[name].label}: {error}"
    return invalid


def query_plain(query: Query | None) -> dict[str, str]:
    """A dict or QueryDict as {key: value} of strings, blanks left out (last value wins)."""
    if query is None:
        return {}
    if not hasattr(query, "items"):
        raise ValidationError({"query": _("Give the filters as an object of names and values.")})
    getter = query.get if hasattr(query, "getlist") else query.__getitem__
    plain = {}
    for key in query:
        value = getter(key)
        if not isinstance(key, str) or not isinstance(value, str | int):
            raise ValidationError({"query": _("Each filter's value must be text.")})
        value = str(value).replace("\x00", "").strip()
        if value:
            plain[key] = value
    return plain


def query_check(*, list_key: str, query: Query | None) -> dict[str, str]:
    """The list's query as it should be stored; ValidationError naming what is wrong."""
    entry = _entry(list_key)
    query = query_plain(query)
    unknown = sorted(set(query) - entry.query_keys)
    if unknown:
        raise ValidationError(
            {
                "query": _("Unknown filter: %(names)s. This list filters by %(known)s.")
                % {"names": ", ".join(unknown), "known": ", ".join(sorted(entry.query_keys))}
            }
        )
    errors = []
    if any(len(value) > MAX_VALUE_LENGTH for value in query.values()):
        errors.append(
            _("A filter's value may be at most %(n)s characters.") % {"n": MAX_VALUE_LENGTH}
        )
    if SORT in query and query[SORT].removeprefix("-") not in entry.sort_keys:
        errors.append(
            _("This list cannot be sorted by “%(sort)s”; it sorts by %(known)s.")
            % {"sort": query[SORT], "known": ", ".join(sorted(entry.sort_keys))}
        )
    if not errors:
        errors += list(_invalid_filters(entry, query).values())
    if errors:
        raise ValidationError({"query": errors})
    return dict(sorted(query.items()))


def query_usable(*, list_key: str, query: Query | None) -> tuple[dict[str, str], list[str]]:
    """What of a stored query still applies, and the sentences of what was left out.

    Never raises: a view saved before a stage was deleted, or a state remembered from a
    hand-edited URL, comes back with the parts that still hold.
    """
    entry = list_entry(list_key)
    if entry is None:
        return {}, []
    try:
        query = query_plain(query)
    except ValidationError:
        return {}, [_("The saved filters could not be read.")]
    kept = query_known(entry, query)
    dropped = []
    if SORT in kept and kept[SORT].removeprefix("-") not in entry.sort_keys:
        del kept[SORT]
    for name, sentence in _invalid_filters(entry, kept).items():
        del kept[name]
        dropped.append(sentence)
    return dict(sorted(kept.items())), dropped


def query_known(entry: ListEntry, query: Mapping[str, str]) -> dict[str, str]:
    """The keys of a plain query that the list knows, with values of a sane length."""
    return {
        key: value
        for key, value in sorted(query.items())
        if key in entry.query_keys and len(value) <= MAX_VALUE_LENGTH
    }


def columns_check(*, list_key: str, columns: Collection[str] | None) -> list[str]:
    """The chosen optional columns in the list's order; ValidationError for unknown ones."""
    entry = _entry(list_key)
    if columns is None:
        return entry.default_columns
    if isinstance(columns, str) or not all(isinstance(c, str) for c in columns):
        raise ValidationError({"columns": _("Give the columns as a list of names.")})
    unknown = sorted(set(columns) - set(entry.column_keys))
    if unknown:
        raise ValidationError(
            {
                "columns": _("Unknown column: %(names)s. This list has %(known)s.")
                % {"names": ", ".join(unknown), "known": ", ".join(entry.column_keys)}
            }
        )
    return [key for key in entry.column_keys if key in set(columns)]


def columns_usable(*, list_key: str, columns: object) -> list[str]:
    """Stored columns that this list still has (defaults when none were chosen)."""
    entry = list_entry(list_key)
    if entry is None:
        return []
    if not isinstance(columns, list):
        return entry.default_columns
    return [key for key in entry.column_keys if key in set(columns)]


# --- reads ------------------------------------------------------------------------------


def saved_views_visible(*, user: User, list_key: str | None = None) -> QuerySet[SavedView]:
    """The user's own views and those their team shares, on lists they may open."""
    views = policies.scope(user, "saved_views", SavedView.objects.all())
    readable = [key for key in LISTS if policies.can_read(user, key)]
    views = views.filter(list_key__in=readable)
    if list_key is not None:
        views = views.filter(list_key=list_key)
    return views.select_related("owner")


# --- writes -----------------------------------------------------------------------------


def _check_owner(*, view: SavedView, actor: User) -> None:
    if view.owner_id != actor.pk:
        raise PermissionDenied(_("Only the owner of a view can change it."))


def _check_name(*, owner: User, list_key: str, name: object, exclude_pk: int | None = None) -> str:
    name = (name or "").replace("\x00", "").strip() if isinstance(name, str) else ""
    if not name:
        raise ValidationError({"name": _("Give the view a name.")})
    taken = SavedView.objects.filter(owner=owner, list_key=list_key, name__iexact=name)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(
            {"name": _("You already have a view named “%(name)s” on this list.") % {"name": name}}
        )
    return name


def _sharing(*, actor: User, shared: bool) -> Team | None:
    """The team a view is shared with (None when private)."""
    if not shared:
        return None
    if actor.home_team_id is None:
        raise ValidationError(
            {"shared": _("You are not in a team, so this view can only be private.")}
        )
    return Team.objects.get(pk=actor.home_team_id)


@transaction.atomic
def saved_view_create(
    *,
    actor: User,
    list_key: str,
    name: str,
    query: Query | None,
    columns: Collection[str] | None = None,
    shared: bool = False,
) -> SavedView:
    """Save a named view of a list the actor may open (private, or shared with their team)."""
    entry = _entry(list_key)
    if not policies.can_read(actor, entry.key):
        raise ValidationError({"list_key": _("You cannot open this list.")})
    if SavedView.objects.filter(owner=actor, list_key=entry.key).count() >= MAX_VIEWS_PER_LIST:
        raise ValidationError(
            {
                "name": _("You have %(n)s views of this list; delete one first.")
                % {"n": MAX_VIEWS_PER_LIST}
            }
        )
    return model_save(
        SavedView(
            owner=actor,
            list_key=entry.key,
            name=_check_name(owner=actor, list_key=entry.key, name=name),
            query=query_check(list_key=entry.key, query=query),
            columns=columns_check(list_key=entry.key, columns=columns),
            shared=bool(shared),
            team=_sharing(actor=actor, shared=bool(shared)),
        )
    )


@transaction.atomic
def saved_view_update(*, view: SavedView, actor: User, data: dict[str, Any]) -> SavedView:
    """Rename, re-share or change the filters or columns of the actor's own view."""
    _check_owner(view=view, actor=actor)
    unknown = set(data) - {"name", "query", "columns", "shared"}
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    view = SavedView.objects.select_for_update().get(pk=view.pk)
    if "name" in data:
        view.name = _check_name(
            owner=actor, list_key=view.list_key, name=data["name"], exclude_pk=view.pk
        )
    if "query" in data:
        view.query = query_check(list_key=view.list_key, query=data["query"])
    if "columns" in data:
        view.columns = columns_check(list_key=view.list_key, columns=data["columns"])
    if "shared" in data:
        view.shared = bool(data["shared"])
        view.team = _sharing(actor=actor, shared=view.shared)
    return model_save(view)


@transaction.atomic
def saved_view_delete(*, view: SavedView, actor: User) -> None:
    _check_owner(view=view, actor=actor)
    view.delete()


@transaction.atomic
def list_state_remember(
    *,
    user: User,
    list_key: str,
    query: Query | _Unset | None = UNSET,
    columns: Collection[str] | _Unset | None = UNSET,
) -> ListState:
    """Keep what the user has on a list now (query and/or columns), for their next visit."""
    entry = _entry(list_key)
    state, _created = ListState.objects.select_for_update().get_or_create(
        user=user, list_key=entry.key
    )
    if query is not UNSET:
        # Values are checked when the state comes back (query_usable), not on each visit.
        try:
            state.query = query_known(entry, query_plain(query))
        except ValidationError:
            state.query = {}
    if columns is not UNSET:
        state.columns = (
            None if columns is None else columns_check(list_key=entry.key, columns=columns)
        )
    state.save()
    return state


@transaction.atomic
def list_state_reset(*, user: User, list_key: str) -> None:
    """Back to the list's defaults: no filters, its default sort and columns."""
    ListState.objects.filter(user=user, list_key=list_key).delete()
