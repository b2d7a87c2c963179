"""Bulk actions from the list pages: confirm, run (or queue), report, undo.

POST /bulk/<resource>/ with the checked `ids` (or `all_matching` and the list's `filter`
query string), the action `kind` and its choice (`owner`, `stage` or `tag`) shows a
confirmation; posting it again with `confirm` runs the action through
crm.services.bulk and opens its result page, which carries the Undo button and, for a
queued run, the progress bar.
"""

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from crm.models import BulkAction, BulkKind, BulkStatus, Stage, User
from crm.services.bulk import RESOURCES, bulk_params_check, bulk_start, bulk_undo
from crm.web.access import access_row, require_write, web_view
from crm.web.lists import matching
from crm.web.params import positive_int
from crm.web.views import activities, contacts, deals, leads, tickets

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


LISTS = {
    # resource: (list url name, rows-and-filter builder, list spec)
    "deals": ("web:deal_list", deals.deal_list_rows, deals.SPEC),
    "leads": ("web:lead_list", leads.lead_list_rows, leads.SPEC),
    "contacts": ("web:contact_list", contacts.contact_list_rows, contacts.SPEC),
    "activities": ("web:activity_list", activities.activity_list_rows, activities.SPEC),
    "tickets": ("web:ticket_list", tickets.ticket_list_rows, tickets.SPEC),
}


def _list_url(resource: str, filter_string: str) -> str:
    url = reverse(LISTS[resource][0])
    return f"{url}?{filter_string}" if filter_string else url


def _selection(request, resource: str, filter_string: str):
    """The chosen rows: every row the list's filter matches, or the checked ids."""
    if request.POST.get("all_matching") == "1":
        _url, rows_for, spec = LISTS[resource]
        rows, filterset = rows_for(request.user, QueryDict(filter_string))
        return matching(QueryDict(filter_string), rows, spec, filterset)
    ids = [positive_int(raw) for raw in request.POST.getlist("ids")]
    return [i for i in ids if i is not None]


def _describe(kind: str, params: dict[str, Any]) -> "StrOrPromise":
    """The action in words for the confirmation ("Reassign to Ayşe Kaya")."""
    if kind == BulkKind.REASSIGN:
        user = User.objects.get(pk=params["owner"])
        name = user.get_full_name() or user.username
        return _("Reassign to %(name)s") % {"name": name}
    if kind == BulkKind.MOVE_STAGE:
        return _("Move to stage %(stage)s") % {"stage": Stage.objects.get(pk=params["stage"])}
    if kind == BulkKind.TAG_ADD:
        return _("Add the tag “%(tag)s”") % {"tag": params["tag"]}
    if kind == BulkKind.TAG_REMOVE:
        return _("Remove the tag “%(tag)s”") % {"tag": params["tag"]}
    return BulkKind(kind).label


@web_view("bulk_actions", write=True)
@require_POST
def bulk_apply(request, resource):
    if resource not in RESOURCES:
        raise Http404
    require_write(request.user, resource)
    filter_string = request.POST.get("filter", "")[:2000]
    back = _list_url(resource, filter_string)
    kind = request.POST.get("kind", "")
    raw = {name: request.POST.get(name, "") for name in ("owner", "stage", "tag")}
    selection = _selection(request, resource, filter_string)
    count = len(selection) if isinstance(selection, list) else selection.count()
    try:
        params = bulk_params_check(actor=request.user, resource=resource, kind=kind, params=raw)
        if not count:
            raise ValidationError({"ids": _("Select at least one record.")})
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(back)
    if request.POST.get("confirm") != "1":
        return render(
            request,
            "web/bulk_confirm.html",
            {
                "resource": resource,
                "kind": kind,
                "raw": raw,
                "count": count,
                "description": _describe(kind, params),
                "ids": selection if isinstance(selection, list) else [],
                "all_matching": request.POST.get("all_matching") == "1",
                "filter": filter_string,
                "cancel_url": back,
                "is_delete": kind == BulkKind.DELETE,
            },
        )
    try:
        bulk = bulk_start(
            actor=request.user, resource=resource, kind=kind, ids=selection, params=params
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(back)
    request.session[f"bulk-back-{bulk.pk}"] = back
    return redirect("web:bulk_detail", pk=bulk.pk)


def _own_bulk(request, pk) -> BulkAction:
    return access_row(request.user, "bulk_actions", BulkAction.objects.all(), pk)


def summary(bulk: BulkAction) -> str:
    """ "28 reassigned, 2 skipped: you may not edit them." in the action's words."""
    done = {
        BulkKind.REASSIGN: ngettext("%(n)s reassigned", "%(n)s reassigned", bulk.changed),
        BulkKind.MOVE_STAGE: ngettext("%(n)s moved", "%(n)s moved", bulk.changed),
        BulkKind.TAG_ADD: ngettext("%(n)s tagged", "%(n)s tagged", bulk.changed),
        BulkKind.TAG_REMOVE: ngettext("%(n)s untagged", "%(n)s untagged", bulk.changed),
        BulkKind.MARK_DONE: ngettext("%(n)s marked done", "%(n)s marked done", bulk.changed),
        BulkKind.DELETE: ngettext("%(n)s deleted", "%(n)s deleted", bulk.changed),
    }[bulk.kind] % {"n": bulk.changed}  # type: ignore[index]  # BulkKind members are the stored str
    parts = [done]
    if bulk.skipped_forbidden:
        parts.append(
            ngettext(
                "%(n)s skipped: you may not edit it",
                "%(n)s skipped: you may not edit them",
                bulk.skipped_forbidden,
            )
            % {"n": bulk.skipped_forbidden}
        )
    if bulk.skipped_invalid:
        parts.append(
            ngettext(
                "%(n)s refused: its current state does not allow it",
                "%(n)s refused: their current state does not allow it",
                bulk.skipped_invalid,
            )
            % {"n": bulk.skipped_invalid}
        )
    unchanged = bulk.processed - bulk.changed - bulk.skipped_forbidden - bulk.skipped_invalid
    if unchanged > 0:
        parts.append(ngettext("%(n)s unchanged", "%(n)s unchanged", unchanged) % {"n": unchanged})
    return _("%(parts)s.") % {"parts": ", ".join(parts)}


@web_view("bulk_actions")
@require_GET
def bulk_detail(request, pk):
    bulk = _own_bulk(request, pk)
    back = request.session.get(f"bulk-back-{bulk.pk}") or _list_url(bulk.resource, "")
    template = "web/_bulk_progress.html" if request.GET.get("partial") else "web/bulk_detail.html"
    return render(
        request,
        template,
        {"bulk": bulk, "summary": summary(bulk), "back_url": back, "done": BulkStatus.DONE},
    )


@web_view("bulk_actions")
@require_POST
def bulk_undo_view(request, pk):
    bulk = _own_bulk(request, pk)
    back = request.session.get(f"bulk-back-{bulk.pk}") or _list_url(bulk.resource, "")
    try:
        bulk_undo(bulk=bulk, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("web:bulk_detail", pk=bulk.pk)
    messages.success(
        request,
        ngettext(
            "Undone: %(n)s record is as it was before.",
            "Undone: %(n)s records are as they were before.",
            bulk.changed,
        )
        % {"n": bulk.changed},
    )
    return redirect(back)
