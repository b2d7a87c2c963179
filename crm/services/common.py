import logging
from collections.abc import Collection, Mapping, Sequence
from contextlib import nullcontext
from functools import partial
from typing import Any, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, FieldError, ValidationError
from django.db import DatabaseError, router, transaction
from django.db.models import BooleanField, CheckConstraint, ForeignKey, Model, Q, Value
from django.db.models.functions import Coalesce
from django.db.models.sql import Query
from django.db.models.sql.constants import SINGLE
from django.utils.translation import gettext as _

from crm.models import User

ModelT = TypeVar("ModelT", bound=Model)

logger = logging.getLogger(__name__)


def model_save(instance: ModelT, *, exclude: Collection[str] | None = None) -> ModelT:
    """Validate every field and constraint, then save: the one way rows are written.

    As Django's `full_clean`, with two savings in queries and the same errors: a foreign
    key whose row is in hand (assigned as a saved object, not as an id) is not looked up
    again (Django runs an EXISTS per key, and the database's foreign-key constraint still
    refuses a row deleted meanwhile), and the model's check constraints are evaluated
    together in one SELECT (Django runs a savepoint and a SELECT per constraint: a deal's
    three made 9 queries a save). ValidationError: every field, clean() and constraint
    error.
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
    for check in (instance.validate_unique, partial(_validate_constraints, instance)):
        try:
            check(exclude=excluded)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
    instance.save()
    return instance


def _validate_constraints(instance: Model, *, exclude: set[str]) -> None:
    """Django's `Model.validate_constraints`, with the check constraints of each model class
    in the instance's hierarchy evaluated in one statement (`_failed_checks`)."""
    using = router.db_for_write(type(instance), instance=instance)
    errors: dict[str, Any] = {}
    for model_class, constraints in instance.get_constraints():
        checks = [c for c in constraints if isinstance(c, CheckConstraint)]
        failed = _failed_checks(model_class, instance, checks, exclude, using)
        for constraint in constraints:
            try:
                if constraint in checks:
                    if constraint in failed:
                        raise ValidationError(
                            constraint.get_violation_error_message(),
                            code=constraint.violation_error_code,
                        )
                else:
                    constraint.validate(model_class, instance, exclude=exclude, using=using)
            except ValidationError as error:
                # As Django: a one-field unique error belongs to that field.
                fields: Sequence[str] = getattr(constraint, "fields", ())
                if getattr(error, "code", None) == "unique" and len(fields) == 1:
                    errors.setdefault(fields[0], []).append(error)
                else:
                    errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _failed_checks(
    model_class: type[Model],
    instance: Model,
    checks: list[CheckConstraint],
    exclude: set[str],
    using: str,
) -> list[CheckConstraint]:
    """The `checks` the instance's values fail, from one `SELECT COALESCE(cond, true), …`.

    Per constraint as Django's `CheckConstraint.validate` (`Q.check`): a condition that is
    NULL passes, one naming an excluded field is skipped (FieldError), and a database error
    is logged and passes (the table's own constraint still decides on save).
    """
    # A condition on an excluded field is skipped (as Django's FieldError below), known
    # here without building the instance's values as expressions.
    checks = [c for c in checks if not Q(c.condition).referenced_base_fields & exclude]
    if not checks:
        return []
    # The instance's values as SQL expressions: what Django's own validate() checks against.
    against = instance._get_field_expression_map(  # type: ignore[attr-defined]
        meta=model_class._meta, exclude=exclude
    )
    query = Query(None)
    for name, value in against.items():
        if not hasattr(value, "resolve_expression"):
            value = Value(value)
        query.add_annotation(value, name, select=False)
    evaluated = []
    for index, constraint in enumerate(checks):
        try:
            verdict = Coalesce(Q(constraint.condition), True, output_field=BooleanField())
            query.add_annotation(verdict, f"_check_{index}")
        except FieldError:
            continue
        evaluated.append(constraint)
    if not evaluated:
        return []
    # As Q.check: in a transaction, a savepoint, so a database error does not abort it.
    in_transaction = transaction.get_connection(using).in_atomic_block
    try:
        with transaction.atomic(using=using) if in_transaction else nullcontext():
            row = query.get_compiler(using=using).execute_sql(SINGLE)
    except DatabaseError as error:
        logger.warning("A database error checking %s's constraints: %s", model_class, error)
        return []
    return [constraint for constraint, passed in zip(evaluated, row, strict=True) if not passed]


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
