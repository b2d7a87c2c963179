"""Segment pages: list, the editor with a live audience count (htmx), delete."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from automation.marketing import selectors
from automation.marketing.forms import (
    NEW_CONDITION,
    ConditionFormSet,
    SegmentForm,
    apply_service_error,
)
from automation.marketing.models import Segment
from automation.marketing.segmenting import (
    check_segment_conditions,
    segment_contacts,
    segment_describe,
)
from automation.marketing.services.segments import segment_create, segment_delete, segment_update
from crm import policies
from crm.web.access import web_view

PREVIEW_CONTACTS = 5


def _conditions(formset) -> list[dict]:
    return [
        {
            "field": f.cleaned_data["field"],
            "operator": f.cleaned_data["operator"],
            "value": f.cleaned_data.get("value", ""),
        }
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]


@web_view("marketing", write=None)
def segment_list(request):
    segments = list(selectors.segment_list())
    audiences = selectors.segment_counts(segments)
    for segment in segments:
        segment.audience = audiences[segment.pk]
    return render(
        request,
        "marketing/segment_list.html",
        {"segments": segments, "can_write": policies.can_write(request.user, "campaigns")},
    )


@web_view("marketing", write=None)
def segment_edit(request, pk=None):
    segment = get_object_or_404(Segment, pk=pk) if pk else None
    if request.method == "POST":
        form = SegmentForm(request.POST, instance=segment or Segment())
        formset = ConditionFormSet(request.POST, prefix="c")
        condition_errors = []
        if formset.is_valid():
            # Checked here, not in the model's clean(): its errors are keyed "conditions",
            # which the form has no field for (ModelForm would raise ValueError).
            try:
                form.instance.conditions = check_segment_conditions(_conditions(formset))
            except ValidationError as error:
                condition_errors = error.messages
        if form.is_valid() and formset.is_valid() and not condition_errors:
            data = {**form.cleaned_data, "conditions": form.instance.conditions}
            try:
                with transaction.atomic():
                    if segment is None:
                        segment = segment_create(actor=request.user, **data)
                    else:
                        segment = segment_update(segment=segment, actor=request.user, data=data)
            except ValidationError as error:
                apply_service_error(form, error)
            else:
                messages.success(request, _("Segment saved."))
                return redirect(reverse("marketing:segment", args=[segment.pk]))
        for message in condition_errors:
            form.add_error(None, message)
        status = 422
    else:
        form = SegmentForm(instance=segment)
        initial = segment.conditions if segment else [NEW_CONDITION]
        formset = ConditionFormSet(prefix="c", initial=initial)
        status = 200
    audience = None
    if segment is not None and request.method != "POST":
        audience = selectors.segment_count(segment)
    return render(
        request,
        "marketing/segment_editor.html",
        {
            "segment": segment,
            "form": form,
            "formset": formset,
            "audience": audience,
            "describe": segment_describe(),
            "can_write": policies.can_write(request.user, "campaigns"),
        },
        status=status,
    )


@require_POST
@web_view("marketing")
def segment_count(request):
    """The live count: the editor posts its current conditions, gets the audience size."""
    formset = ConditionFormSet(request.POST, prefix="c")
    match = "any" if request.POST.get("match") == "any" else "all"
    context = {"count": None, "error": None, "sample": []}
    if not formset.is_valid():
        context["error"] = _("Complete the conditions to see the audience.")
    else:
        try:
            conditions = check_segment_conditions(_conditions(formset))
        except ValidationError as error:
            context["error"] = " ".join(error.messages)
        else:
            contacts = segment_contacts(match=match, conditions=conditions)
            context["count"] = contacts.count()
            context["sample"] = list(
                contacts.order_by("last_name", "first_name", "pk")[:PREVIEW_CONTACTS]
            )
    return render(request, "marketing/_segment_count.html", context)


@require_POST
@web_view("marketing", write=True)
def segment_remove(request, pk):
    segment = get_object_or_404(Segment, pk=pk)
    with transaction.atomic():
        segment_delete(segment=segment, actor=request.user)
    messages.success(request, _("Segment deleted."))
    return redirect("marketing:segments")
