from typing import Any

from django.db import transaction

from automation.marketing.models import Segment
from crm.models import User
from crm.services.audit import audit_deleted
from crm.services.common import apply_fields, model_save

SEGMENT_FIELDS = {"name", "description", "match", "conditions"}


@transaction.atomic
def segment_create(*, actor: User, name: str, **data: Any) -> Segment:
    segment = Segment(name=name, created_by=actor if actor and actor.pk else None)
    apply_fields(segment, data, SEGMENT_FIELDS)
    return model_save(segment)  # clean() validates and normalises the conditions


@transaction.atomic
def segment_update(*, segment: Segment, actor: User, data: dict[str, Any]) -> Segment:
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    apply_fields(segment, data, SEGMENT_FIELDS)
    return model_save(segment)


@transaction.atomic
def segment_delete(*, segment: Segment, actor: User) -> None:
    # Campaigns using it as their audience keep running; their plan loses the audience.
    audit_deleted(actor=actor, record=segment)
    segment.delete()
