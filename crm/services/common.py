from collections.abc import Collection, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.translation import gettext as _

from crm.models import User

ModelT = TypeVar("ModelT", bound=Model)


def model_save(instance: ModelT, *, exclude: Collection[str] | None = None) -> ModelT:
    """Validate every field and constraint, then save: the one way rows are written."""
    instance.full_clean(exclude=exclude)
    instance.save()
    return instance


def apply_fields(instance: Model, data: Mapping[str, Any], allowed: Collection[str]) -> set[str]:
    """Copy the allowed keys of `data` onto `instance`; return the names that changed."""
    unknown = set(data).difference(allowed)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    changed: set[str] = set()
    for name, value in data.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.add(name)
    return changed


def owner_for_new_record(
    *, actor: User | None, owner: User | None, field: str = "owner"
) -> User | None:
    """A new record belongs to its creator unless they may give it to somebody else.

    `field` names the ownership field in the error (activities call it `assignee`).
    """
    if owner is None or owner == actor:
        return actor
    if actor is not None and not (actor.sees_all_sales or actor.has_role("marketing")):
        raise ValidationError({field: _("You may only create records that you own.")})
    return owner


def owner_change_check(*, actor: User | None, owner: User | None, field: str = "owner") -> None:
    """Reassigning a record to another user is a manager's (or admin's) call."""
    if actor is not None and owner != actor and not actor.sees_all_sales:
        raise ValidationError({field: _("Only managers can reassign records.")})
