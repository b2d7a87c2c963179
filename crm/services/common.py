from collections.abc import Collection, Mapping
from typing import Any, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import ForeignKey, Model
from django.utils.translation import gettext as _

from crm.models import User

ModelT = TypeVar("ModelT", bound=Model)


def model_save(instance: ModelT, *, exclude: Collection[str] | None = None) -> ModelT:
    """Validate every field and constraint, then save: the one way rows are written.

    As Django's `full_clean`, except that a foreign key whose row is in hand (assigned as
    a saved object, not as an id) is not looked up again: Django checks each key with an
    EXISTS query on every save, and the database's foreign-key constraint still refuses
    a row deleted meanwhile. ValidationError: every field, clean() and constraint error.
    """
    excluded = set(exclude or ())
    errors: dict[str, Any] = {}
    try:
        instance.clean_fields(exclude=excluded | _relations_in_hand(instance))
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    try:
        instance.clean()
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    # Unique and constraint checks only for the fields that passed (as full_clean does).
    excluded.update(name for name in errors if name != NON_FIELD_ERRORS)
    for check in (instance.validate_unique, instance.validate_constraints):
        try:
            check(exclude=excluded)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
    instance.save()
    return instance


def _relations_in_hand(instance: Model) -> set[str]:
    """Names of the foreign keys whose cached related object is a saved row with the key's
    value (and no limit_choices_to, which only Django's own check applies)."""
    names = set()
    for field in instance._meta.concrete_fields:
        if not isinstance(field, ForeignKey):  # one-to-one keys too
            continue
        if not field.is_cached(instance) or field.get_limit_choices_to():
            continue
        related = field.get_cached_value(instance)
        if related is None or related._state.adding:
            continue
        if getattr(related, field.target_field.attname) == getattr(instance, field.attname):
            names.add(field.name)
    return names


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
