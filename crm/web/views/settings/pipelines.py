"""Settings → pipelines and stages: add, rename, probability, rotting days, order, delete."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm import policies
from crm.models import Pipeline, Stage
from crm.services.pipelines import (
    pipeline_create,
    pipeline_update,
    stage_create,
    stage_delete,
    stage_move,
    stage_reorder,
    stage_update,
)
from crm.web.access import access_row, require_read, web_view
from crm.web.forms.settings import PipelineForm, StageForm
from crm.web.responses import error_text
from crm.web.views.common import form_round_trip

from .index import back_to_settings
from .index import posted as _posted


def _pipeline_url(pipeline_id) -> str:
    return reverse("web:settings_pipeline", args=[pipeline_id])


@web_view("settings")
def pipeline_list(request):
    require_read(request.user, "pipelines")
    pipelines = Pipeline.objects.annotate(stage_count=Count("stages"))
    return render(
        request,
        "settings/pipelines.html",
        {
            "pipelines": pipelines,
            "can_write": policies.can_write(request.user, "pipelines"),
            **back_to_settings(),
        },
    )


@web_view("pipelines", write=True)
def pipeline_create_view(request):
    url = reverse("web:settings_pipelines")
    return form_round_trip(
        request,
        form=PipelineForm(_posted(request)),
        save=lambda data: pipeline_create(actor=request.user, **data),
        success_url=lambda pipeline: _pipeline_url(pipeline.pk),
        success_message=_("Pipeline saved."),
        context={
            "heading": _("New pipeline"),
            "cancel_url": url,
            "back_url": url,
            "back_label": _("Pipelines and stages"),
        },
    )


@web_view("pipelines", write=True)
def pipeline_edit_view(request, pk):
    pipeline = access_row(request.user, "pipelines", Pipeline.objects.all(), pk, write=True)
    url = _pipeline_url(pipeline.pk)
    return form_round_trip(
        request,
        form=PipelineForm(
            _posted(request),
            initial={"name": pipeline.name, "is_default": pipeline.is_default},
        ),
        save=lambda data: pipeline_update(pipeline=pipeline, actor=request.user, data=data),
        success_url=lambda saved: url,
        success_message=_("Pipeline saved."),
        context={
            "heading": _("Rename pipeline %(name)s") % {"name": pipeline.name},
            "cancel_url": url,
            "back_url": url,
            "back_label": pipeline.name,
        },
    )


@web_view("settings")
def pipeline_detail(request, pk):
    require_read(request.user, "stages")
    pipeline = get_object_or_404(Pipeline, pk=pk)
    stages = pipeline.stages.annotate(deal_count=Count("deals")).order_by("position", "id")
    return render(
        request,
        "settings/pipeline.html",
        {
            "pipeline": pipeline,
            "stages": stages,
            "can_write": policies.can_write(request.user, "stages"),
            "back_url": reverse("web:settings_pipelines"),
            "back_label": _("Pipelines and stages"),
        },
    )


def _stage_context(pipeline, heading) -> dict:
    url = _pipeline_url(pipeline.pk)
    return {"heading": heading, "cancel_url": url, "back_url": url, "back_label": pipeline.name}


@web_view("stages", write=True)
def stage_create_view(request, pk):
    pipeline = access_row(request.user, "pipelines", Pipeline.objects.all(), pk, write=True)
    return form_round_trip(
        request,
        form=StageForm(_posted(request)),
        save=lambda data: stage_create(actor=request.user, pipeline=pipeline, **data),
        success_url=lambda stage: _pipeline_url(pipeline.pk),
        success_message=_("Stage saved."),
        context=_stage_context(pipeline, _("Add a stage to %(name)s") % {"name": pipeline.name}),
    )


@web_view("stages", write=True)
def stage_edit_view(request, pk):
    stage = access_row(
        request.user, "stages", Stage.objects.select_related("pipeline"), pk, write=True
    )
    initial = {
        "name": stage.name,
        "win_probability": stage.win_probability,
        "rotting_days": stage.rotting_days,
    }
    return form_round_trip(
        request,
        form=StageForm(_posted(request), initial=initial),
        save=lambda data: stage_update(stage=stage, actor=request.user, data=data),
        success_url=lambda saved: _pipeline_url(stage.pipeline_id),
        success_message=_("Stage saved."),
        context=_stage_context(stage.pipeline, _("Edit stage %(name)s") % {"name": stage.name}),
    )


@require_POST
@web_view("stages", write=True)
def stage_order_view(request, pk):
    """Save the order the stage list was dragged into (the form's `stage` ids, in order)."""
    pipeline = access_row(request.user, "pipelines", Pipeline.objects.all(), pk, write=True)
    try:
        ids = [int(value) for value in request.POST.getlist("stage")]
        stage_reorder(pipeline=pipeline, actor=request.user, stage_ids=ids)
    except ValueError:
        messages.error(
            request, _("The stages changed meanwhile; reload the page and order them again.")
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Stage order saved."))
    return redirect(_pipeline_url(pipeline.pk))


@require_POST
@web_view("stages", write=True)
def stage_move_view(request, pk, direction):
    """The keyboard alternative to dragging: one place up or down per press."""
    stage = access_row(
        request.user, "stages", Stage.objects.select_related("pipeline"), pk, write=True
    )
    if direction not in ("up", "down"):
        raise Http404
    stage_move(stage=stage, actor=request.user, offset=-1 if direction == "up" else 1)
    messages.success(request, _("Stage order saved."))
    # settings_stages.js puts the focus back on the moved stage's button.
    return redirect(f"{_pipeline_url(stage.pipeline_id)}?moved={direction}#stage-{stage.pk}")


@require_POST
@web_view("stages", write=True)
def stage_delete_view(request, pk):
    stage = access_row(request.user, "stages", Stage.objects.all(), pk, write=True)
    try:
        stage_delete(stage=stage, actor=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Stage deleted."))
    return redirect(_pipeline_url(stage.pipeline_id))
