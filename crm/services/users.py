"""Users, roles and teams: the operator-facing writes (API, `create_user` command)."""

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.models import Role, Team, User

from .common import apply_fields, model_save

USER_EDITABLE_FIELDS = {
    "username",
    "email",
    "first_name",
    "last_name",
    "role",
    "team",
    "is_active",
    "language",
}
# What every user may change on their own account (the profile page, /api/me/).
PROFILE_FIELDS = {"first_name", "last_name", "email", "language"}


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


@transaction.atomic
def user_profile_update(*, user: User, data: dict) -> User:
    """A user edits their own name, email and language; nothing else of the account."""
    apply_fields(user, data, PROFILE_FIELDS)
    return model_save(user)


@transaction.atomic
def user_language_set(*, user: User, language: str) -> User:
    """Remember the language a signed-in user picked in the language switch."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Pick one of the offered languages.")})
    if user.language != language:
        user.language = language
        # Only this column: the switch must not fail over an unrelated field of the account.
        user.save(update_fields=["language"])
    return user
