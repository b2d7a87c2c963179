"""Users, roles and teams: the operator-facing writes (API, `create_user` command)."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from crm.models import Role, Team, User

from .common import apply_fields, model_save

USER_EDITABLE_FIELDS = {"username", "email", "first_name", "last_name", "role", "team", "is_active"}


def _set_password(user: User, password: str | None) -> None:
    """Validate against the configured validators, naming the field the client sent."""
    if password is None:
        user.set_unusable_password()
        return
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)


@transaction.atomic
def user_create(
    *, actor, username: str, role: str = Role.REP, password: str | None = None, **fields
) -> User:
    """Create a login. Without a password the account cannot sign in until one is set."""
    user = User(username=username, role=role, **fields)
    # Django's `password` field is required by full_clean; hash first, validate after.
    _set_password(user, password)
    return model_save(user)


@transaction.atomic
def user_update(*, user: User, actor, data: dict) -> User:
    data = dict(data)
    password = data.pop("password", None)
    apply_fields(user, data, USER_EDITABLE_FIELDS)
    if password is not None:
        _set_password(user, password)
    return model_save(user)


@transaction.atomic
def team_create(*, actor, name: str, manager=None) -> Team:
    return model_save(Team(name=name, manager=manager))


@transaction.atomic
def team_update(*, team: Team, actor, data: dict) -> Team:
    apply_fields(team, data, {"name", "manager"})
    return model_save(team)
