"""Browser pages: goal list, goal page with its chart, the SMART form, quotas."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crm import policies
from crm.web.access import web_view
from goals import kpi_source, selectors, services, units
from goals.forms import LETTER_FIELDS, GoalForm, QuotaForm, scope_value
from goals.models import GoalStatus, ScopeType
from goals.templates_catalog import TEMPLATES, get_template

PAGE_SIZE = 25
STATUS_TONE = {
    GoalStatus.ON_TRACK: "success",
    GoalStatus.ACHIEVED: "success",
    GoalStatus.AT_RISK: "warning",
    GoalStatus.OFF_TRACK: "danger",
    GoalStatus.MISSED: "danger",
}


def _row(goal, reading):
    info = kpi_source.kpi_info(goal.kpi)
    return {
        "goal": goal,
        "reading": reading,
        # "money", "percent", "count"…: how kpi_value formats the goal's numbers.
        "unit": info.unit if info else "",
        "tone": STATUS_TONE.get(reading.status, "primary"),
        "status_label": GoalStatus(reading.status).label if reading.status else _("No data yet"),
        "bar": max(0.0, min(100.0, reading.progress or 0.0)),
    }


@web_view("goals")
def goal_list(request):
    today = timezone.localdate()
    goals = selectors.goal_list_for_user(request.user, today=today)
    status = request.GET.get("status", "")
    if status in GoalStatus.values:
        goals = goals.filter(status=status)
    scope_type = request.GET.get("scope", "")
    if scope_type in ScopeType.values:
        goals = goals.filter(scope_type=scope_type)
    page = Paginator(goals, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [_row(goal, selectors.live_reading_from_annotation(goal, today=today)) for goal in page]
    context = {
        "rows": rows,
        "page_obj": page,
        "status_choices": GoalStatus.choices,
        "scope_choices": ScopeType.choices,
        "status": status,
        "scope": scope_type,
        "can_create": policies.can_write(request.user, "goals"),
        "templates": TEMPLATES,
        "quotas": selectors.current_quotas_for_rep(request.user, today=today),
    }
    return render(request, "goals/list.html", context)


def _chart_data(goal, reading, series):
    start, deadline = goal.start_date, goal.deadline
    points = [{"x": day.isoformat(), "y": float(value)} for day, value in series]
    projection = []
    if reading.projection is not None and series:
        last_day, last_value = series[-1]
        if last_day < deadline:
            projection = [
                {"x": last_day.isoformat(), "y": float(last_value)},
                {"x": deadline.isoformat(), "y": float(reading.projection)},
            ]
    info = kpi_source.kpi_info(goal.kpi)
    return {
        "start": start.isoformat(),
        "deadline": deadline.isoformat(),
        # The axis and tooltips format values in the KPI's unit (static/js/goals/chart.js).
        "unit": info.unit if info else "",
        "currency": settings.GOALPOST_DEFAULT_CURRENCY,
        "snapshots": points,
        "target": [
            {"x": start.isoformat(), "y": float(goal.target)},
            {"x": deadline.isoformat(), "y": float(goal.target)},
        ],
        "expected": [
            {"x": start.isoformat(), "y": float(goal.baseline)},
            {"x": deadline.isoformat(), "y": float(goal.target)},
        ],
        "projection": projection,
        "labels": {
            "snapshots": _("Actual (snapshots)"),
            "target": _("Target"),
            "expected": _("Expected path"),
            "projection": _("Projection"),
        },
    }


@web_view("goals")
def goal_detail(request, pk):
    goal = selectors.goal_get_for_user(request.user, pk)
    today = timezone.localdate()
    history = selectors.goal_series(goal, today=today)
    # Read on the whole history, as the API and the nightly recompute do; the chart shows
    # the goal's own window, plus a little history before it.
    reading = selectors.goal_reading(goal, today=today, series=history)
    series = [
        point
        for point in history
        if point[0] >= goal.start_date - timedelta(days=30)
        and point[0] <= goal.deadline + timedelta(days=1)
    ]
    children, children_progress = selectors.children_rollup(
        goal, today=today, visible_to=request.user
    )
    info = kpi_source.kpi_info(goal.kpi)
    row = _row(goal, reading)
    context = {
        **row,
        "view_row": row,
        "kpi_name": info.name if info else goal.kpi,
        "scope_name": selectors.scope_name(goal.scope_type, goal.scope_id),
        "children": [_row(child, child_reading) for child, child_reading in children],
        "children_progress": children_progress,
        "history": [
            {
                "change": change,
                "field": units.change_field_label(change.field),
                "old": units.change_value(change.field, change.old_value, unit=row["unit"]),
                "new": units.change_value(change.field, change.new_value, unit=row["unit"]),
            }
            for change in selectors.goal_history(goal)
        ],
        "can_edit": selectors.goal_can_edit(request.user, goal),
        "chart": _chart_data(goal, reading, series),
        "has_snapshots": bool(series),
        # How much of a cohort KPI's latest window is undecided; money left out of it.
        **selectors.goal_window_notes(goal, today=today),
        "records_url": selectors.goal_records_url(goal, user=request.user, today=today),
    }
    context["forecast"] = kpi_source.forecast_at_deadline(
        goal.kpi,
        goal.scope_type,
        goal.scope_id,
        deadline=goal.deadline,
        target=goal.target,
        today=today,
    )
    return render(request, "goals/detail.html", context)


def _place_errors(form, error: ValidationError) -> dict[str, list[str]]:
    """Letter errors go to their fieldset; field errors to their field."""
    letters = {}
    for key, messages_ in error.message_dict.items():
        if key in LETTER_FIELDS:
            letters[key] = messages_
        elif key in form.fields:
            for message in messages_:
                form.add_error(key, message)
        else:
            for message in messages_:
                form.add_error(None, message)
    return letters


def _form_page(request, form, *, goal=None, letters=None, warnings=None, template=None):
    return render(
        request,
        "goals/form.html",
        {
            "form": form,
            "fieldsets": form.fieldsets(letters=letters, warnings=warnings),
            "goal": goal,
            "letters": letters or {},
            "warnings": warnings or [],
            # Only a goal that is SMART can be saved despite its warnings.
            "save_anyway": bool(warnings) and not letters and goal is None,
            "template": template,
        },
        status=400 if (letters or form.errors) else 200,
    )


def _template_initial(request, key):
    template = get_template(key)
    if template is None:
        return None, {}
    user = request.user
    scope = (ScopeType.COMPANY, None) if user.sees_all_sales else (ScopeType.REP, user.pk)
    initial = template.initial(today=timezone.localdate(), scope_type=scope[0], scope_id=scope[1])
    initial["scope"] = scope_value(initial.pop("scope_type"), initial.pop("scope_id"))
    return template, initial


@web_view("goals", write=True)
@require_http_methods(["GET", "POST"])
def goal_create(request):
    template, initial = _template_initial(request, request.GET.get("template", ""))
    if request.method == "GET":
        return _form_page(request, GoalForm(user=request.user, initial=initial), template=template)
    form = GoalForm(request.POST, user=request.user)
    if not form.is_valid():
        return _form_page(request, form, template=template)
    data = form.service_data()
    try:
        warnings = services.goal_preview(actor=request.user, **data)
        if warnings and not form.cleaned_data.get("acknowledge_warnings"):
            if request.POST.get("save_anyway"):
                # The warnings were on screen and "Save anyway" was pressed without the box.
                form.add_error(
                    "acknowledge_warnings",
                    _("Tick the box to confirm you have read the warnings, then save again."),
                )
            return _form_page(request, form, warnings=warnings, template=template)
        result = services.goal_create(actor=request.user, **data)
    except ValidationError as error:
        letters = _place_errors(form, error)
        warnings = services.goal_soft_warnings(data)
        return _form_page(request, form, letters=letters, warnings=warnings, template=template)
    messages.success(request, _("The goal is set."))
    return redirect("goals:detail", pk=result.goal.pk)


@web_view("goals")
@require_http_methods(["GET", "POST"])
def goal_edit(request, pk):
    goal = selectors.goal_get_for_user(request.user, pk)
    if not selectors.goal_can_edit(request.user, goal):
        raise PermissionDenied
    if request.method == "GET":
        initial = {
            name: getattr(goal, name) for name in GoalForm.base_fields if hasattr(goal, name)
        }
        initial["scope"] = scope_value(goal.scope_type, goal.scope_id)
        form = GoalForm(user=request.user, goal=goal, initial=initial)
        return _form_page(request, form, goal=goal)
    form = GoalForm(request.POST, user=request.user, goal=goal)
    if not form.is_valid():
        return _form_page(request, form, goal=goal)
    try:
        result = services.goal_update(
            goal=goal,
            actor=request.user,
            reason=form.cleaned_data.get("reason") or "",
            **form.service_data(),
        )
    except ValidationError as error:
        letters = _place_errors(form, error)
        warnings = services.goal_soft_warnings(form.service_data())
        return _form_page(request, form, goal=goal, letters=letters, warnings=warnings)
    messages.success(request, _("The goal is updated; the change is in its history."))
    for warning in result.warnings:
        messages.warning(request, warning)
    return redirect("goals:detail", pk=goal.pk)


@web_view("goals")
@require_POST
def goal_delete(request, pk):
    goal = selectors.goal_get_for_user(request.user, pk)
    services.goal_delete(goal=goal, actor=request.user)
    messages.success(request, _("The goal is deleted."))
    return redirect("goals:list")


@web_view("quotas", write=None)
@require_http_methods(["GET", "POST"])
def quota_list(request):
    """Managers set quotas here; a rep sees their own and their team's."""
    can_write = policies.can_write(request.user, "quotas")
    form = QuotaForm(request.POST or None) if can_write else None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.quota_create(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("The quota is saved."))
                return redirect("goals:quotas")
        status = 400
    quotas = selectors.with_attainment(selectors.quotas_visible_to(request.user))
    page = Paginator(quotas, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [selectors.attainment_of(quota) for quota in page]
    return render(
        request,
        "goals/quotas.html",
        {"rows": rows, "page_obj": page, "form": form, "can_write": can_write},
        status=status,
    )


@web_view("quotas")
@require_POST
def quota_delete(request, pk):
    quota = get_object_or_404(selectors.quotas_visible_to(request.user), pk=pk)
    services.quota_delete(quota=quota, actor=request.user)
    messages.success(request, _("The quota is deleted."))
    return redirect("goals:quotas")
