"""Pipelines and their ordered stages: configured by admins."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.models import Deal, Pipeline, Stage, User
from crm.services.audit import audit_deleted, audit_settings_changed

from .common import apply_fields, model_save


def _unset_other_defaults(pipeline: Pipeline) -> None:
    # Only one pipeline is the default (a partial unique constraint); picking a new one
    # demotes the old one in the same transaction instead of failing.
    if pipeline.is_default:
        Pipeline.objects.filter(is_default=True).exclude(pk=pipeline.pk).update(is_default=False)


@transaction.atomic
def pipeline_create(*, actor: User | None, name: str, is_default: bool = False) -> Pipeline:
    audit_settings_changed(actor=actor, record=None, what="pipeline_create")
    pipeline = Pipeline(name=name, is_default=is_default)
    if is_default:
        Pipeline.objects.filter(is_default=True).update(is_default=False)
    return model_save(pipeline)


@transaction.atomic
def pipeline_update(*, pipeline: Pipeline, actor: User | None, data: dict[str, Any]) -> Pipeline:
    audit_settings_changed(actor=actor, record=pipeline, what="pipeline_update")
    apply_fields(pipeline, data, {"name", "is_default"})
    _unset_other_defaults(pipeline)
    return model_save(pipeline)


@transaction.atomic
def stage_create(
    *, actor: User | None, pipeline: Pipeline, name: str, position: int | None = None, **fields: Any
) -> Stage:
    """Add a stage; without a position it goes after the pipeline's last stage."""
    audit_settings_changed(actor=actor, record=pipeline, what="stage_create")
    if position is None:
        last = pipeline.stages.order_by("-position").values_list("position", flat=True).first()
        position = 0 if last is None else last + 1
    return model_save(Stage(pipeline=pipeline, name=name, position=position, **fields))


@transaction.atomic
def stage_update(*, stage: Stage, actor: User | None, data: dict[str, Any]) -> Stage:
    audit_settings_changed(actor=actor, record=stage, what="stage_update")
    apply_fields(stage, data, {"name", "position", "win_probability", "rotting_days"})
    return model_save(stage)


@transaction.atomic
def stage_reorder(*, pipeline: Pipeline, actor: User | None, stage_ids: list[int]) -> list[Stage]:
    """Put the pipeline's stages in the order of `stage_ids` (positions 0, 1, 2, …).

    `stage_ids` must name every stage of the pipeline exactly once; otherwise a
    ValidationError and nothing changes. Returns the stages in their new order.
    """
    audit_settings_changed(actor=actor, record=pipeline, what="stage_reorder")
    stages = {s.pk: s for s in Stage.objects.select_for_update().filter(pipeline=pipeline)}
    if sorted(stage_ids) != sorted(stages) or len(set(stage_ids)) != len(stage_ids):
        raise ValidationError(
            _("The stages changed meanwhile; reload the page and order them again.")
        )
    ordered = [stages[pk] for pk in stage_ids]
    for position, stage in enumerate(ordered):
        stage.position = position
    Stage.objects.bulk_update(ordered, ["position"])
    return ordered


@transaction.atomic
def stage_move(*, stage: Stage, actor: User | None, offset: int) -> list[Stage]:
    """Move a stage `offset` places (-1 up, +1 down), clamped to the ends (keyboard reorder)."""
    audit_settings_changed(actor=actor, record=stage, what="stage_move")
    ids = list(stage.pipeline.stages.order_by("position", "id").values_list("pk", flat=True))
    index = ids.index(stage.pk)
    target = max(0, min(len(ids) - 1, index + offset))
    ids.insert(target, ids.pop(index))
    return stage_reorder(pipeline=stage.pipeline, actor=actor, stage_ids=ids)


@transaction.atomic
def stage_delete(*, stage: Stage, actor: User | None) -> None:
    """Delete a stage no deal is in (open or closed). ValidationError naming the count else.

    Its stage-change history goes with it; the pipeline's other positions keep their order.
    """
    audit_deleted(actor=actor, record=stage)
    count = Deal.objects.filter(stage=stage).count()
    if count:
        raise ValidationError(
            ngettext(
                "%(count)s deal is in this stage; move it to another stage first.",
                "%(count)s deals are in this stage; move them to another stage first.",
                count,
            )
            % {"count": count}
        )
    stage.delete()
