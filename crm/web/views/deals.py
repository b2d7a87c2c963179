"""Deals: list, detail (activities, stage history, won/lost), create/edit/delete."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm import policies
from crm.counting import BoundedCount
from crm.filters import DealFilter
from crm.models import Activity, Deal, DealStatus
from crm.selectors import lost_reason_suggestions, record_emails
from crm.services.activities import activity_create
from crm.services.deals import (
    deal_create,
    deal_delete_check,
    deal_reopen,
    default_pipeline,
)
from crm.services.deals import deal_delete as deal_delete_service
from crm.services.deals import (
    deal_edit as deal_edit_service,
)
from crm.web import selectors
from crm.web.access import access_row, visible, web_view
from crm.web.forms.deals import DealForm, LogActivityForm, LostForm
from crm.web.list_state import ListChoice, list_choice
from crm.web.lists import ListSpec, list_context, matching
from crm.web.params import positive_int
from crm.web.responses import error_text
from crm.web.views.bulk_bar import bulk_bar
from crm.web.views.common import form_round_trip
from crm.web.views.deletion import delete_round_trip
from crm.web.views.notes import notes_context

SPEC = ListSpec(
    filter_bar=("status", "pipeline", "stage", "kind", "owner"),
    sorts={
        "title": ("title",),
        "value": ("value",),
        "stage": ("stage__position",),
        "close": ("expected_close_date",),
        "created": ("created_at",),
    },
    default_sort="-created",
)


def deal_list_rows(user, params):
    """The deal list's rows before search and paging, and its filter (also for bulk)."""
    deals = visible(user, "deals", Deal.objects.all()).select_related(
        "stage", "owner", "contact", "company"
    )
    return deals, DealFilter(params, queryset=deals)


@web_view("deals")
def deal_list(request):
    choice = list_choice(request, "deals")
    if not isinstance(choice, ListChoice):
        return choice
    deals, filterset = deal_list_rows(request.user, request.GET)
    totals = selectors.deal_list_total(matching(request.GET, deals, SPEC, filterset))
    # The totals counted the matching deals (up to the limit): the paginator need not
    # count them again.
    known = BoundedCount(totals["count"], totals["count_is_exact"])
    hidden = () if request.user.sees_all_sales else ("owner",)
    context = list_context(request, deals, SPEC, filterset, count=known, hidden=hidden)
    context["list_view"] = choice
    context["bulk"] = bulk_bar(request, "deals", context)
    context["totals"] = {
        **totals,
        **selectors.column_summary(totals),
        "mixed": len(totals["parts"]) > 1,
        "currency": settings.GOALPOST_REPORTING_CURRENCY,
    }
    return render(request, "deals/list.html", context)


@web_view("deals")
def deal_detail(request, pk):
    user = request.user
    deal = access_row(
        user,
        "deals",
        Deal.objects.select_related("stage", "pipeline", "owner", "contact", "company"),
        pk,
    )
    activities = list(
        # The task partial links each task's deal and contact: join them, not one query each.
        Activity.objects.filter(deal=deal)
        .select_related("assignee", "deal", "contact")
        .order_by("-created_at")[:50]
    )
    return render(
        request,
        "deals/detail.html",
        {
            "deal": deal,
            "activities": activities,
            "history": selectors.stage_history(deal),
            "emails": record_emails(user=user, deal=deal),
            "can_email": policies.can_write(user, "emails"),
            "log_form": LogActivityForm(initial={"kind": "call"}),
            "lost_form": LostForm(),
            "lost_reasons": lost_reason_suggestions(),
            "is_open": deal.status == DealStatus.OPEN,
            "now": timezone.now(),
            "notes": notes_context(user, "deal", deal),
        },
    )


@web_view("deals", write=True)
def deal_create_view(request):
    user = request.user
    try:
        pipeline = default_pipeline()
    except ValidationError:
        return render(request, "board/no_pipeline.html")
    initial = {}
    if contact_id := positive_int(request.GET.get("contact")):
        initial["contact"] = contact_id
    form = DealForm(request.POST or None, user=user, pipeline=pipeline, initial=initial)
    return form_round_trip(
        request,
        form=form,
        save=lambda data: deal_create(actor=user, pipeline=pipeline, **data),
        success_url=lambda d: reverse("web:deal_detail", args=[d.pk]),
        success_message=_("Deal created."),
        context={"heading": _("New deal"), "cancel_url": reverse("web:deal_list"), "wide": True},
    )


@web_view("deals", write=True)
def deal_edit(request, pk):
    user = request.user
    deal = access_row(user, "deals", Deal.objects.select_related("pipeline"), pk, write=True)
    form = DealForm(request.POST or None, instance=deal, user=user, pipeline=deal.pipeline)
    return form_round_trip(
        request,
        form=form,
        save=lambda data: deal_edit_service(deal=Deal.objects.get(pk=pk), actor=user, data=data),
        success_url=lambda d: reverse("web:deal_detail", args=[d.pk]),
        success_message=_("Deal saved."),
        context={
            "heading": _("Edit %(title)s") % {"title": deal.title},
            "cancel_url": reverse("web:deal_detail", args=[pk]),
            "back_url": reverse("web:deal_detail", args=[pk]),
            "back_label": deal.title,
            "wide": True,
        },
    )


@web_view("deals", write=True)
def deal_delete(request, pk):
    deal = access_row(request.user, "deals", Deal.objects.all(), pk, write=True)
    return delete_round_trip(
        request,
        obj=deal,
        kind=_("deal"),
        consequence=_("Its tasks and stage history go too."),
        check=lambda: deal_delete_check(deal=deal),
        delete=lambda: deal_delete_service(deal=deal, actor=request.user),
        cancel_url=reverse("web:deal_detail", args=[pk]),
        success_url=reverse("web:deal_list"),
    )


@require_POST
@web_view("deals", write=True)
def deal_reopen_view(request, pk):
    deal = access_row(request.user, "deals", Deal.objects.all(), pk, write=True)
    deal_reopen(deal=deal, actor=request.user)
    messages.success(request, _("Deal reopened."))
    return redirect("web:deal_detail", pk=pk)


@require_POST
@web_view("deals", write=True)
def deal_log_activity(request, pk):
    """Log a call, email or meeting on this deal (done now)."""
    deal = access_row(request.user, "deals", Deal.objects.all(), pk, write=True)
    form = LogActivityForm(request.POST)
    if form.is_valid():
        now = timezone.now()
        try:
            with transaction.atomic():
                activity_create(
                    actor=request.user,
                    deal=deal,
                    assignee=request.user,
                    due_at=now,
                    done_at=now,
                    **form.cleaned_data,
                )
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("Activity logged."))
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return redirect("web:deal_detail", pk=pk)
