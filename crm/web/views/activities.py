"""Activities: the task list, planning and logging calls/emails/meetings, marking done."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm import policies
from crm.filters import ActivityFilter
from crm.models import Activity, Deal
from crm.services.activities import (
    activity_complete,
    activity_create,
    activity_update,
)
from crm.services.activities import activity_delete as activity_delete_service
from crm.web.access import access_row, visible, web_view
from crm.web.forms.activities import ActivityForm, QuickLogForm
from crm.web.list_state import ListChoice, list_choice
from crm.web.lists import ListSpec, list_context
from crm.web.params import positive_int
from crm.web.responses import apply_validation_error, is_htmx
from crm.web.views.bulk_bar import bulk_bar
from crm.web.views.common import form_round_trip
from crm.web.views.deletion import delete_round_trip

SPEC = ListSpec(
    filter_bar=("kind", "state", "assignee"),
    sorts={"due": ("due_at",), "subject": ("subject",), "kind": ("kind",), "done": ("done_at",)},
    default_sort="due",
)


def _deals_for(user):
    return policies.scope(user, "deals", Deal.objects.all())


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def activity_list_rows(user, params):
    """The activity list's rows before search and paging, and its filter (also for bulk)."""
    activities = visible(user, "activities", Activity.objects.all()).select_related(
        "assignee", "deal", "contact"
    )
    # The task list opens on what is still to do.
    return activities, ActivityFilter(params or {"state": "open"}, queryset=activities)


@web_view("activities")
def activity_list(request):
    choice = list_choice(request, "activities")
    if not isinstance(choice, ListChoice):
        return choice
    activities, filterset = activity_list_rows(request.user, request.GET)
    hidden = () if request.user.sees_all_sales else ("assignee",)
    context = list_context(request, activities, SPEC, filterset, hidden=hidden)
    context["list_view"] = choice
    context["bulk"] = bulk_bar(request, "activities", context)
    context["now"] = timezone.now()
    return render(request, "activities/list.html", context)


@web_view("activities", write=True)
def activity_create_view(request):
    user = request.user
    initial = {}
    for name in ("deal", "contact"):
        if row_id := positive_int(request.GET.get(name)):
            initial[name] = row_id
    form = ActivityForm(request.POST or None, user=user, deals=_deals_for(user), initial=initial)
    return form_round_trip(
        request,
        form=form,
        save=lambda data: activity_create(actor=user, **data),
        success_url=lambda a: _safe_next(request, reverse("web:activity_list")),
        success_message=_("Task planned."),
        context={"heading": _("Plan a task"), "cancel_url": reverse("web:activity_list")},
    )


@web_view("activities", write=True)
def activity_edit(request, pk):
    user = request.user
    activity = access_row(user, "activities", Activity.objects.all(), pk, write=True)
    form = ActivityForm(request.POST or None, instance=activity, user=user, deals=_deals_for(user))

    def save(data):
        fresh = Activity.objects.get(pk=activity.pk)
        return activity_update(activity=fresh, actor=user, data=data)

    return form_round_trip(
        request,
        form=form,
        save=save,
        success_url=lambda a: reverse("web:activity_list"),
        success_message=_("Task saved."),
        context={
            "heading": _("Edit task"),
            "cancel_url": reverse("web:activity_list"),
            "delete_url": reverse("web:activity_delete", args=[pk]),
        },
    )


@web_view("activities", write=True)
def activity_delete(request, pk):
    activity = access_row(request.user, "activities", Activity.objects.all(), pk, write=True)
    return delete_round_trip(
        request,
        obj=activity,
        kind=_("task"),
        delete=lambda: activity_delete_service(activity=activity, actor=request.user),
        cancel_url=reverse("web:activity_list"),
        success_url=reverse("web:activity_list"),
    )


@require_POST
@web_view("activities", write=True)
def activity_done(request, pk):
    activity = access_row(request.user, "activities", Activity.objects.all(), pk, write=True)
    activity = activity_complete(activity=activity, actor=request.user)
    if is_htmx(request):
        return render(request, "activities/_task.html", {"activity": activity})
    messages.success(request, _("“%(subject)s” done.") % {"subject": activity.subject})
    return redirect(_safe_next(request, reverse("web:home")))


@web_view("activities", write=True)
def quick_log(request):
    """Log a call, email or meeting that just happened (My day, deal and contact pages)."""
    user = request.user
    deals = _deals_for(user) if policies.can_read(user, "deals") else Deal.objects.none()
    form = QuickLogForm(request.POST or None, deals=deals)
    action = reverse("web:activity_quick_log")
    if request.method == "POST" and form.is_valid():
        now = timezone.now()
        try:
            with transaction.atomic():
                activity = activity_create(
                    actor=user, due_at=now, done_at=now, assignee=user, **form.cleaned_data
                )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            text = _("%(kind)s logged.") % {"kind": activity.get_kind_display()}
            if not is_htmx(request):
                messages.success(request, text)
                return redirect(_safe_next(request, reverse("web:home")))
            fresh = render_to_string(
                "activities/_quick_log_form.html",
                {"form": QuickLogForm(deals=deals), "action": action},
                request=request,
            )
            logged = render_to_string(
                "activities/_logged_oob.html",
                {"activity": activity, "message": text},
                request=request,
            )
            return HttpResponse(fresh + logged, headers={"HX-Trigger": "goalpost:close-dialogs"})
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "action": action, "heading": _("Log an activity")}
    if is_htmx(request):
        return render(request, "activities/_quick_log_form.html", context, status=status)
    context["form_template"] = "activities/_quick_log_form.html"
    return render(request, "web/form_page.html", context, status=status)
