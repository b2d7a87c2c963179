"""Pipelines and their ordered stages: configured by admins."""

from django.db import transaction

from crm.models import Pipeline, Stage

from .common import apply_fields, model_save


def _unset_other_defaults(pipeline: Pipeline) -> None:
    # Only one pipeline is the default (a partial unique constraint); picking a new one
    # demotes the old one in the same transaction instead of failing.
    if pipeline.is_default:
        Pipeline.objects.filter(is_default=True).exclude(pk=pipeline.pk).update(is_default=False)


@transaction.atomic
def pipeline_create(*, actor, name: str, is_default: bool = False) -> Pipeline:
    pipeline = Pipeline(name=name, is_default=is_default)
    if is_default:
        Pipeline.objects.filter(is_default=True).update(is_default=False)
    return model_save(pipeline)


@transaction.atomic
def pipeline_update(*, pipeline: Pipeline, actor, data: dict) -> Pipeline:
    apply_fields(pipeline, data, {"name", "is_default"})
    _unset_other_defaults(pipeline)
    return model_save(pipeline)


@transaction.atomic
def stage_create(*, actor, pipeline: Pipeline, name: str, position=None, **fields) -> Stage:
    """Add a stage; without a position it goes after the pipeline's last stage."""
    if position is None:
        last = pipeline.stages.order_by("-position").values_list("position", flat=True).first()
        position = 0 if last is None else last + 1
    return model_save(Stage(pipeline=pipeline, name=name, position=position, **fields))


@transaction.atomic
def stage_update(*, stage: Stage, actor, data: dict) -> Stage:
    apply_fields(stage, data, {"name", "position", "win_probability", "rotting_days"})
    return model_save(stage)
