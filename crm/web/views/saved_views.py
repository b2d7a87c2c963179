"""Saved views of the lists: save one from a list, see them all, rename, share, delete.

Applying a view is the list's own job (`?view=` in crm/web/list_state.py). Here a user
changes only their own views: a teammate's shared view is a 404 on these pages.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.models import SavedView
from crm.services.saved_views import (
    saved_view_create,
    saved_view_delete,
    saved_view_update,
    saved_views_visible,
)
from crm.web.access import web_view
from crm.web.forms.saved_views import SavedViewForm
from crm.web.list_catalog import LISTS, list_entry
from crm.web.list_state import saved_view_url
from crm.web.responses import error_text
from crm.web.views.common import form_round_trip
from crm.web.views.deletion import delete_round_trip


def _own_view(request, pk) -> SavedView:
    return get_object_or_404(SavedView.objects.filter(owner=request.user), pk=pk)


@web_view("saved_views")
def saved_view_list(request):
    """My views and my team's shared ones, list by list."""
    views = list(saved_views_visible(user=request.user))
    groups = []
    for key, entry in LISTS.items():
        rows = [view for view in views if view.list_key == key]
        if rows:
            groups.append({"entry": entry, "views": rows})
    for group in groups:
        for view in group["views"]:
            view.url = saved_view_url(view)
    return render(request, "saved_views/list.html", {"groups": groups})


@require_POST
@web_view("saved_views", write=True)
def saved_view_create_view(request):
    """ "Save view" on a list: the page's query and columns under a name."""
    entry = list_entry(request.POST.get("list_key", ""))
    if entry is None:
        raise Http404
    query = QueryDict(request.POST.get("query", "")[:4000])
    back = reverse(entry.url_name)
    try:
        view = saved_view_create(
            actor=request.user,
            list_key=entry.key,
            name=request.POST.get("name", "")[:200],
            query=query,
            columns=request.POST.getlist("columns"),
            shared=request.POST.get("shared") == "1",
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect(f"{back}?{query.urlencode()}" if query else f"{back}?clear=1")
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return redirect(saved_view_url(view))


@web_view("saved_views", write=True)
def saved_view_edit(request, pk):
    view = _own_view(request, pk)
    form = SavedViewForm(
        request.POST or None,
        initial={"name": view.name, "shared": view.shared},
        in_team=request.user.home_team_id is not None or view.shared,
    )
    return form_round_trip(
        request,
        form=form,
        save=lambda data: saved_view_update(
            view=view, actor=request.user, data={"shared": False, **data}
        ),
        success_url=lambda v: reverse("web:saved_view_list"),
        success_message=_("View saved."),
        context={
            "heading": _("Edit view “%(name)s”") % {"name": view.name},
            "cancel_url": reverse("web:saved_view_list"),
            "back_url": reverse("web:saved_view_list"),
            "back_label": _("Saved views"),
        },
    )


@web_view("saved_views", write=True)
def saved_view_delete_view(request, pk):
    view = _own_view(request, pk)
    return delete_round_trip(
        request,
        obj=view,
        kind=_("saved view"),
        delete=lambda: saved_view_delete(view=view, actor=request.user),
        cancel_url=reverse("web:saved_view_list"),
        success_url=reverse("web:saved_view_list"),
    )
